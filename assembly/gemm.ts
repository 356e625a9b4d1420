// Pointwise (1×1) convolution over NHWC as a GEMM: out[m, n] = act(Σ_k a[m, k]·w[k, n] + bias[n]) (+ residual[m, n]).
// Rows m are pixels (images folded in), so a is the activation itself, row stride k; out has row stride n.
// Weights come packed by packPointwise (src/backends/wasm/pack.ts): panels of 8 output channels,
// each [k][8] contiguous, zero beyond n; then bias, padded to the same 8-multiple.
// The microkernel (gemm4x8) keeps a 4-row × 8-channel tile of out in eight f32x4 registers.
// Only panels [p0, p1) are computed (all: 0, ⌈n/8⌉), so threads can split a GEMM by channels
// when it has too few rows to split by rows.
import { activate4, madd, storePartial } from './math';

const MR: i32 = 4;
const NR: i32 = 8;
// Rows per block: the block's rows of a stay in cache while every panel passes over them.
const MB: i32 = 64;

// @ts-ignore: decorator
@inline
function finish(v: v128, act: i32, hasRes: bool, res: usize, p: usize, lanes: i32): void {
  let y = activate4(v, act);
  // A partial tail reads residual lanes past the row end; they are never stored.
  if (hasRes) y = f32x4.add(y, v128.load(res));
  storePartial(p, y, lanes);
}

export function pointwise4x8(a: usize, m: i32, k: i32, w: usize, n: i32, out: usize, act: i32, residual: usize, p0: i32, p1: i32): void {
  const panels = (n + NR - 1) / NR;
  const panelBytes = <usize>k * NR * 4;
  const biasBase = w + <usize>panels * panelBytes;
  const rowA = <usize>k << 2;
  const rowC = <usize>n << 2;
  const hasRes = residual != 0;
  for (let m0 = 0; m0 < m; m0 += MB) {
    const m1 = min(m, m0 + MB);
    for (let p = p0; p < min(p1, panels); p++) {
      const wp = w + <usize>p * panelBytes;
      const n0 = p * NR;
      const lanes0 = min(4, n - n0);
      const lanes1 = min(4, n - n0 - 4);
      const b0 = v128.load(biasBase + (<usize>n0 << 2));
      const b1 = v128.load(biasBase + (<usize>n0 << 2), 16);
      let r = m0;
      for (; r + MR <= m1; r += MR) {
        let a0 = a + <usize>r * rowA;
        const a1 = rowA, a2 = rowA * 2, a3 = rowA * 3;
        let c00 = b0, c01 = b1, c10 = b0, c11 = b1, c20 = b0, c21 = b1, c30 = b0, c31 = b1;
        let bp = wp;
        const end = a0 + rowA;
        while (a0 < end) {
          const w0 = v128.load(bp);
          const w1 = v128.load(bp, 16);
          let x = v128.load32_splat(a0);
          c00 = madd(x, w0, c00);
          c01 = madd(x, w1, c01);
          x = v128.load32_splat(a0 + a1);
          c10 = madd(x, w0, c10);
          c11 = madd(x, w1, c11);
          x = v128.load32_splat(a0 + a2);
          c20 = madd(x, w0, c20);
          c21 = madd(x, w1, c21);
          x = v128.load32_splat(a0 + a3);
          c30 = madd(x, w0, c30);
          c31 = madd(x, w1, c31);
          a0 += 4;
          bp += 32;
        }
        const o = out + <usize>r * rowC + (<usize>n0 << 2);
        const rr = residual + <usize>r * rowC + (<usize>n0 << 2);
        finish(c00, act, hasRes, rr, o, lanes0);
        finish(c01, act, hasRes, rr + 16, o + 16, lanes1);
        finish(c10, act, hasRes, rr + rowC, o + rowC, lanes0);
        finish(c11, act, hasRes, rr + rowC + 16, o + rowC + 16, lanes1);
        finish(c20, act, hasRes, rr + 2 * rowC, o + 2 * rowC, lanes0);
        finish(c21, act, hasRes, rr + 2 * rowC + 16, o + 2 * rowC + 16, lanes1);
        finish(c30, act, hasRes, rr + 3 * rowC, o + 3 * rowC, lanes0);
        finish(c31, act, hasRes, rr + 3 * rowC + 16, o + 3 * rowC + 16, lanes1);
      }
      for (; r < m1; r++) {
        let a0 = a + <usize>r * rowA;
        let c0 = b0, c1 = b1;
        let bp = wp;
        const end = a0 + rowA;
        while (a0 < end) {
          const x = v128.load32_splat(a0);
          c0 = madd(x, v128.load(bp), c0);
          c1 = madd(x, v128.load(bp, 16), c1);
          a0 += 4;
          bp += 32;
        }
        const o = out + <usize>r * rowC + (<usize>n0 << 2);
        const rr = residual + <usize>r * rowC + (<usize>n0 << 2);
        finish(c0, act, hasRes, rr, o, lanes0);
        finish(c1, act, hasRes, rr + 16, o + 16, lanes1);
      }
    }
  }
}
