// Direct k×k convolution of one NHWC image (the stem: 3×3, stride 2, 3 input channels),
// bias and activation fused into the store:
//   out[y, x, o] = act(bias[o] + Σ_{i, j, c} in[y·s + i − top, x·s + j − left, c] · w[i, j, c, o]).
// Weights come packed by packConv (src/backends/wasm/pack.ts): panels of 8 output channels,
// each [kh][kw][cin][8] contiguous, zero beyond cout; then bias padded to the same 8-multiple.
// Four output pixels of a row share each weight load when all their taps lie inside the image
// columns; border pixels take a one-pixel path that skips the taps outside. Only output rows
// [y0, y1) are computed, so threads can split an image by rows.
import { activate4, madd, storePartial } from './math';

const NR: i32 = 8;

export function conv2d(
  x: usize, h: i32, w: i32, cin: i32, wp: usize, cout: i32, kh: i32, kw: i32, stride: i32, top: i32, left: i32,
  out: usize, oh: i32, ow: i32, act: i32, y0: i32, y1: i32,
): void {
  const panels = (cout + NR - 1) / NR;
  const tapBytes = <usize>cin * NR * 4;
  const panelBytes = <usize>(kh * kw) * tapBytes;
  const bias = wp + <usize>panels * panelBytes;
  const pix = <usize>cin << 2;
  const rowIn = <usize>w * pix;
  const step = <usize>stride * pix;
  const opix = <usize>cout << 2;
  // output columns whose every tap column is inside the image
  const xlo = (left + stride - 1) / stride;
  const span = w - kw + left; // the last interior column starts here, when it is ≥ 0
  const xhi = span < 0 ? xlo : max(xlo, min(ow, span / stride + 1));
  for (let y = y0; y < y1; y++) {
    const iy0 = y * stride - top;
    const i0 = max(0, -iy0), i1 = min(kh, h - iy0);
    for (let p = 0; p < panels; p++) {
      const n0 = p * NR;
      const lanes0 = cout - n0, lanes1 = cout - n0 - 4;
      const wpan = wp + <usize>p * panelBytes + <usize>(i0 * kw) * tapBytes;
      const b0 = v128.load(bias + (<usize>n0 << 2)), b1 = v128.load(bias + (<usize>n0 << 2), 16);
      let xo = 0;
      while (xo < ow) {
        if (xo >= xlo && xo + 4 <= xhi) {
          let c00 = b0, c01 = b1, c10 = b0, c11 = b1, c20 = b0, c21 = b1, c30 = b0, c31 = b1;
          const rowStart = x + <usize>(iy0 + i0) * rowIn + <usize>(xo * stride - left) * pix;
          let wq = wpan;
          for (let i = i0; i < i1; i++) {
            let xp = rowStart + <usize>(i - i0) * rowIn;
            const rowEnd = xp + <usize>kw * pix;
            while (xp < rowEnd) {
              const w0 = v128.load(wq), w1 = v128.load(wq, 16);
              let v = v128.load32_splat(xp);
              c00 = madd(v, w0, c00);
              c01 = madd(v, w1, c01);
              v = v128.load32_splat(xp + step);
              c10 = madd(v, w0, c10);
              c11 = madd(v, w1, c11);
              v = v128.load32_splat(xp + 2 * step);
              c20 = madd(v, w0, c20);
              c21 = madd(v, w1, c21);
              v = v128.load32_splat(xp + 3 * step);
              c30 = madd(v, w0, c30);
              c31 = madd(v, w1, c31);
              xp += 4;
              wq += NR * 4;
            }
          }
          const o = out + <usize>(y * ow + xo) * opix + (<usize>n0 << 2);
          storePartial(o, activate4(c00, act), lanes0);
          storePartial(o + 16, activate4(c01, act), lanes1);
          storePartial(o + opix, activate4(c10, act), lanes0);
          storePartial(o + opix + 16, activate4(c11, act), lanes1);
          storePartial(o + 2 * opix, activate4(c20, act), lanes0);
          storePartial(o + 2 * opix + 16, activate4(c21, act), lanes1);
          storePartial(o + 3 * opix, activate4(c30, act), lanes0);
          storePartial(o + 3 * opix + 16, activate4(c31, act), lanes1);
          xo += 4;
        } else {
          const ix0 = xo * stride - left;
          const j0 = max(0, -ix0), j1 = min(kw, w - ix0);
          let c0 = b0, c1 = b1;
          for (let i = i0; i < i1; i++) {
            let xp = x + <usize>(iy0 + i) * rowIn + <usize>(ix0 + j0) * pix;
            let wq = wpan + <usize>((i - i0) * kw + j0) * tapBytes;
            const end = xp + <usize>(j1 - j0) * pix;
            while (xp < end) {
              const v = v128.load32_splat(xp);
              c0 = madd(v, v128.load(wq), c0);
              c1 = madd(v, v128.load(wq, 16), c1);
              xp += 4;
              wq += NR * 4;
            }
          }
          const o = out + <usize>(y * ow + xo) * opix + (<usize>n0 << 2);
          storePartial(o, activate4(c0, act), lanes0);
          storePartial(o + 16, activate4(c1, act), lanes1);
          xo++;
        }
      }
    }
  }
}
