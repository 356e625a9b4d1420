// Elementwise kernels over NHWC buffers, four lanes at a time. A row tail that is not a
// multiple of 4 is computed in full vectors (buffers are readable 64 bytes past their end,
// see src/backends/wasm/heap.ts) and stored lane by lane.
import { activate4, madd, storePartial } from './math';

// out[i] = a[i] + b[i]
export function add(a: usize, b: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    storePartial(out + o, f32x4.add(v128.load(a + o), v128.load(b + o)), n - i);
  }
}

// out[i] = act(x[i]), four vectors an iteration so independent exp chains overlap.
export function activation(x: usize, out: usize, n: i32, act: i32): void {
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const o = <usize>i << 2;
    const a = activate4(v128.load(x + o), act);
    const b = activate4(v128.load(x + o, 16), act);
    const c = activate4(v128.load(x + o, 32), act);
    const d = activate4(v128.load(x + o, 48), act);
    v128.store(out + o, a);
    v128.store(out + o, b, 16);
    v128.store(out + o, c, 32);
    v128.store(out + o, d, 48);
  }
  for (; i < n; i += 4) {
    const o = <usize>i << 2;
    storePartial(out + o, activate4(v128.load(x + o), act), n - i);
  }
}

// out[r, c] = x[r, c]·scale[c] + shift[c]: batch norm with its statistics folded on the host.
// scale and shift are padded to a multiple of 4 channels.
export function batchNorm(x: usize, rows: i32, c: i32, scale: usize, shift: usize, out: usize): void {
  const row = <usize>c << 2;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * row, orow = out + <usize>r * row;
    for (let ch = 0; ch < c; ch += 4) {
      const o = <usize>ch << 2;
      const y = madd(v128.load(xr + o), v128.load(scale + o), v128.load(shift + o));
      storePartial(orow + o, y, c - ch);
    }
  }
}

// Smallest normal f32, 2^−126.
const MIN_NORMAL: f32 = 1.17549435e-38;

// x·s with products below the smallest normal float flushed to zero: a gate near 0 times a small
// activation is denormal, and many x86 cores (Intel's in particular) take a microcode assist for
// every later multiply that reads one. Deep seeded networks saturate gates by the million.
// The mask clears lanes below the threshold rather than keeping those above it, so NaN stays NaN.
// @ts-ignore: decorator
@inline
function scaled(x: v128, s: v128): v128 {
  const y = f32x4.mul(x, s);
  return v128.andnot(y, f32x4.lt(f32x4.abs(y), f32x4.splat(MIN_NORMAL)));
}

// out[p, c] = x[p, c]·s[c] over hw pixels of one image (the SE scale, and mul per channel),
// denormal products flushed to zero. out may be x.
export function multiply(x: usize, hw: i32, c: i32, s: usize, out: usize): void {
  const row = <usize>c << 2;
  for (let p = 0; p < hw; p++) {
    const xr = x + <usize>p * row, orow = out + <usize>p * row;
    let ch = 0;
    for (; ch + 16 <= c; ch += 16) {
      const o = <usize>ch << 2;
      const a = scaled(v128.load(xr + o), v128.load(s + o));
      const b = scaled(v128.load(xr + o, 16), v128.load(s + o, 16));
      const d = scaled(v128.load(xr + o, 32), v128.load(s + o, 32));
      const e = scaled(v128.load(xr + o, 48), v128.load(s + o, 48));
      v128.store(orow + o, a);
      v128.store(orow + o, b, 16);
      v128.store(orow + o, d, 32);
      v128.store(orow + o, e, 48);
    }
    for (; ch < c; ch += 4) {
      const o = <usize>ch << 2;
      storePartial(orow + o, scaled(v128.load(xr + o), v128.load(s + o)), c - ch);
    }
  }
}
