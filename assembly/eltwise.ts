// Elementwise kernels over n float32 values, four lanes at a time with a scalar tail.

// out[i] = a[i] + b[i]
export function add(a: usize, b: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<f32>(a + o) + load<f32>(b + o));
  }
}

// out[i] = x[i] * sigmoid(x[i]) = x / (1 + e^-x)
export function swish(x: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    store<f32>(out + o, v / (1.0 + Mathf.exp(-v)));
  }
}
