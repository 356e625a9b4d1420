// Depthwise k×k convolution of one NHWC image, any stride and explicit pads, bias and
// activation fused into the store:
//   out[y, x, c] = act(bias[c] + Σ_{i, j} in[y·s + i − top, x·s + j − left, c] · w[i, j, c]).
// Weights come packed by packDepthwise (src/backends/wasm/pack.ts): tiles of 16 channels, each
// [kh·kw taps][16] contiguous, zero beyond c; then bias padded to the same 16-multiple.
// Taps outside the image are skipped, not read: the kernel-row and kernel-column ranges are
// clipped once per output row and pixel. Only output rows [y0, y1) are computed, so threads can
// split an image by rows.
import { activate4, storePartial } from './math';

const TILE: i32 = 16;

export function depthwiseConv2d(
  x: usize, h: i32, w: i32, c: i32, wp: usize, kh: i32, kw: i32, stride: i32, top: i32, left: i32,
  out: usize, oh: i32, ow: i32, act: i32, y0: i32, y1: i32,
): void {
  const tiles = (c + TILE - 1) / TILE;
  const taps = kh * kw;
  const tileBytes = <usize>taps * TILE * 4;
  const bias = wp + <usize>tiles * tileBytes;
  const pix = <usize>c << 2;
  const rowIn = <usize>w * pix;
  for (let y = y0; y < y1; y++) {
    const iy0 = y * stride - top;
    const i0 = max(0, -iy0), i1 = min(kh, h - iy0);
    for (let xo = 0; xo < ow; xo++) {
      const ix0 = xo * stride - left;
      const j0 = max(0, -ix0), j1 = min(kw, w - ix0);
      const o = out + (<usize>(y * ow + xo)) * pix;
      // first tap's input pixel, and its weight offset
      const base = x + <usize>(iy0 + i0) * rowIn + <usize>(ix0 + j0) * pix;
      const wtap0 = <usize>(i0 * kw + j0) * (TILE * 4);
      for (let t = 0; t < tiles; t++) {
        const ch = t * TILE;
        const co = <usize>ch << 2;
        const bt = bias + co;
        let a0 = v128.load(bt), a1 = v128.load(bt, 16), a2 = v128.load(bt, 32), a3 = v128.load(bt, 48);
        const wt = wp + <usize>t * tileBytes + wtap0;
        for (let i = i0; i < i1; i++) {
          let xp = base + co + <usize>(i - i0) * rowIn;
          let wq = wt + <usize>((i - i0) * kw) * (TILE * 4);
          for (let j = j0; j < j1; j++) {
            a0 = f32x4.add(a0, f32x4.mul(v128.load(xp), v128.load(wq)));
            a1 = f32x4.add(a1, f32x4.mul(v128.load(xp, 16), v128.load(wq, 16)));
            a2 = f32x4.add(a2, f32x4.mul(v128.load(xp, 32), v128.load(wq, 32)));
            a3 = f32x4.add(a3, f32x4.mul(v128.load(xp, 48), v128.load(wq, 48)));
            xp += pix;
            wq += TILE * 4;
          }
        }
        const left = c - ch;
        storePartial(o + co, activate4(a0, act), left);
        storePartial(o + co + 16, activate4(a1, act), left - 4);
        storePartial(o + co + 32, activate4(a2, act), left - 8);
        storePartial(o + co + 48, activate4(a3, act), left - 12);
      }
    }
  }
}
