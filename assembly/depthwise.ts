// Depthwise k×k convolution of one NHWC image, any stride and explicit pads, bias and
// activation fused into the store:
//   out[y, x, c] = act(bias[c] + Σ_{i, j} in[y·s + i − top, x·s + j − left, c] · w[i, j, c]).
// Weights come packed by packDepthwise (src/backends/wasm/pack.ts): groups of 4 channels, each
// [kh·kw taps][4] contiguous, zero beyond c; then bias padded to the same 4-multiple.
// 3×3 and 5×5 at stride 1 or 2 (every EfficientNet depthwise) take the row tiles of
// depthwise3x3.ts and depthwise5x5.ts; any other shape the one-pixel loop below. Taps outside the
// image are skipped, not read. Only output rows [y0, y1) are computed, so threads can split an
// image by rows.
import { activate4, madd, storePartial } from './math';
import { PIXELS, columnMask } from './depthwise-tile';
import { tile3x3 } from './depthwise3x3';
import { tile5x5 } from './depthwise5x5';

export function depthwiseConv2d(
  x: usize, h: i32, w: i32, c: i32, wp: usize, kh: i32, kw: i32, stride: i32, top: i32, left: i32,
  out: usize, oh: i32, ow: i32, act: i32, y0: i32, y1: i32,
): void {
  if (kh == kw && (stride == 1 || stride == 2)) {
    if (kh == 3) return depthwiseTiled(3, x, h, w, c, wp, stride, top, left, out, oh, ow, act, y0, y1);
    if (kh == 5) return depthwiseTiled(5, x, h, w, c, wp, stride, top, left, out, oh, ow, act, y0, y1);
  }
  depthwiseAny(x, h, w, c, wp, kh, kw, stride, top, left, out, oh, ow, act, y0, y1);
}

// The k×k row tiles (k a constant, 3 or 5, in each inlined copy): for each output row and each run
// of PIXELS output pixels, the tile of depthwise3x3.ts or depthwise5x5.ts.
// @ts-ignore: decorator
@inline
function depthwiseTiled(
  k: i32, x: usize, h: i32, w: i32, c: i32, wp: usize, stride: i32, top: i32, left: i32,
  out: usize, oh: i32, ow: i32, act: i32, y0: i32, y1: i32,
): void {
  const groups = (c + 3) >> 2;
  const pix = <usize>c << 2;
  const rowIn = <usize>w * pix;
  const span = (PIXELS - 1) * stride + k; // input columns under one tile
  for (let y = y0; y < y1; y++) {
    const iy0 = y * stride - top;
    const i0 = max(0, -iy0), i1 = min(k, h - iy0);
    for (let xo = 0; xo < ow; xo += PIXELS) {
      const n = min(PIXELS, ow - xo);
      const ix0 = xo * stride - left;
      const cols = columnMask(ix0, w, span);
      // input pixel (iy0 + i0, ix0), perhaps left of the image: only columns in cols are read
      const p = x + <usize>(iy0 + i0) * rowIn + <usize>ix0 * pix;
      const o = out + <usize>(y * ow + xo) * pix;
      // stride a constant in each copy of the tile, so its test folds away
      if (k == 3) {
        if (stride == 1) tile3x3(1, cols, p, wp, groups, c, pix, rowIn, i0, i1, o, n, act);
        else tile3x3(2, cols, p, wp, groups, c, pix, rowIn, i0, i1, o, n, act);
      } else {
        if (stride == 1) tile5x5(1, cols, p, wp, groups, c, pix, rowIn, i0, i1, o, n, act);
        else tile5x5(2, cols, p, wp, groups, c, pix, rowIn, i0, i1, o, n, act);
      }
    }
  }
}

// One output pixel × 4 channels at a time, the kernel-row and kernel-column ranges clipped to the
// image once per output row and pixel.
function depthwiseAny(
  x: usize, h: i32, w: i32, c: i32, wp: usize, kh: i32, kw: i32, stride: i32, top: i32, left: i32,
  out: usize, oh: i32, ow: i32, act: i32, y0: i32, y1: i32,
): void {
  const groups = (c + 3) >> 2;
  const taps = kh * kw;
  const bias = wp + (<usize>(groups * taps) << 4);
  const pix = <usize>c << 2;
  const rowIn = <usize>w * pix;
  for (let y = y0; y < y1; y++) {
    const iy0 = y * stride - top;
    const i0 = max(0, -iy0), i1 = min(kh, h - iy0);
    for (let xo = 0; xo < ow; xo++) {
      const ix0 = xo * stride - left;
      const j0 = max(0, -ix0), j1 = min(kw, w - ix0);
      const o = out + <usize>(y * ow + xo) * pix;
      for (let g = 0; g < groups; g++) {
        let a = v128.load(bias + (<usize>g << 4));
        for (let i = i0; i < i1; i++) {
          let p = x + <usize>(iy0 + i) * rowIn + <usize>(ix0 + j0) * pix + (<usize>g << 4);
          let wq = wp + (<usize>(g * taps + i * kw + j0) << 4);
          for (let j = j0; j < j1; j++) {
            a = madd(v128.load(p), v128.load(wq), a);
            p += pix;
            wq += 16;
          }
        }
        storePartial(o + (<usize>g << 4), activate4(a, act), c - 4 * g);
      }
    }
  }
}
