// Dense layers and softmax. out[r, j] = act(Σ_i x[r, i]·w[i, j] + bias[j]).
// Weights come packed by packDense (src/backends/wasm/pack.ts): [k][n4] with n4 = n rounded
// up to a multiple of 4 (zeros beyond n), then bias [n4].
import { activate4, exp4, madd, storePartial } from './math';

// Only columns [j0, j1) are computed (multiples of 4, j1 at most n rounded up to 4), so threads can
// split a layer of few rows by columns, each streaming only its share of the weights.
export function dense(x: usize, rows: i32, k: i32, w: usize, n: i32, out: usize, act: i32, j0: i32, j1: i32): void {
  const n4 = (n + 3) & ~3;
  const wrow = <usize>n4 << 2;
  const bias = w + <usize>k * wrow;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * (<usize>k << 2);
    const orow = out + <usize>r * (<usize>n << 2);
    let j = j0;
    for (; j + 16 <= j1; j += 16) {
      const jo = <usize>j << 2;
      let a0 = v128.load(bias + jo), a1 = v128.load(bias + jo, 16), a2 = v128.load(bias + jo, 32), a3 = v128.load(bias + jo, 48);
      let wp = w + jo;
      for (let i = 0; i < k; i++) {
        const v = v128.load32_splat(xr + (<usize>i << 2));
        a0 = madd(v, v128.load(wp), a0);
        a1 = madd(v, v128.load(wp, 16), a1);
        a2 = madd(v, v128.load(wp, 32), a2);
        a3 = madd(v, v128.load(wp, 48), a3);
        wp += wrow;
      }
      storePartial(orow + jo, activate4(a0, act), n - j);
      storePartial(orow + jo + 16, activate4(a1, act), n - j - 4);
      storePartial(orow + jo + 32, activate4(a2, act), n - j - 8);
      storePartial(orow + jo + 48, activate4(a3, act), n - j - 12);
    }
    for (; j < j1; j += 4) {
      const jo = <usize>j << 2;
      let a = v128.load(bias + jo);
      let wp = w + jo;
      for (let i = 0; i < k; i++) {
        a = madd(v128.load32_splat(xr + (<usize>i << 2)), v128.load(wp), a);
        wp += wrow;
      }
      storePartial(orow + jo, activate4(a, act), n - j);
    }
  }
}

// Over each row of m values, shifted by the row maximum so exp never overflows.
export function softmax(x: usize, rows: i32, m: i32, out: usize): void {
  const row = <usize>m << 2;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * row, orow = out + <usize>r * row;
    let mx: f32 = -Infinity;
    for (let i = 0; i < m; i++) mx = max(mx, load<f32>(xr + (<usize>i << 2)));
    const shift = f32x4.splat(mx);
    let total: f32 = 0;
    for (let i = 0; i < m; i += 4) {
      const o = <usize>i << 2;
      const e = exp4(f32x4.sub(v128.load(xr + o), shift));
      storePartial(orow + o, e, m - i);
      for (let l = i; l < min(m, i + 4); l++) total += load<f32>(orow + (<usize>l << 2));
    }
    const inv = f32x4.splat(<f32>1.0 / total);
    for (let i = 0; i < m; i += 4) {
      const o = <usize>i << 2;
      storePartial(orow + o, f32x4.mul(v128.load(orow + o), inv), m - i);
    }
  }
}
