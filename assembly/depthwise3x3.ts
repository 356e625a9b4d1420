// Depthwise 3×3 at stride 1 or 2, one row tile (depthwise-tile.ts; depthwise.ts walks the rows and
// tiles): every 4-channel group accumulates the kernel rows that fall inside the image, the row's
// three weights in registers, then activates and stores its seven pixels.
// Weights as packDepthwise lays them out (src/backends/wasm/pack.ts).
import { madd } from './math';
import { storeTile } from './depthwise-tile';

// One tile, every channel group: kernel rows i0…i1 − 1, input from p (row iy0 + i0, column ix0),
// bit k of cols set when tile column k may be read.
// @ts-ignore: decorator
@inline
export function tile3x3(
  stride: i32, cols: i32, p: usize, wp: usize, groups: i32, c: i32, pix: usize, rowIn: usize,
  i0: i32, i1: i32, o: usize, n: i32, act: i32,
): void {
  const bias = wp + (<usize>(groups * 9) << 4);
  for (let g = 0; g < groups; g++) {
    const b = v128.load(bias + (<usize>g << 4));
    let a0 = b, a1 = b, a2 = b, a3 = b, a4 = b, a5 = b, a6 = b;
    let wq = wp + (<usize>(g * 9 + i0 * 3) << 4);
    let q = p + (<usize>g << 4);
    for (let i = i0; i < i1; i++) {
      const w0 = v128.load(wq), w1 = v128.load(wq, 16), w2 = v128.load(wq, 32);
      if (stride == 1) {
        // column k feeds output m through tap j = k − m
        if (cols & (1 << 0)) { const v = v128.load(q); a0 = madd(v, w0, a0); }
        if (cols & (1 << 1)) { const v = v128.load(q + pix); a0 = madd(v, w1, a0); a1 = madd(v, w0, a1); }
        if (cols & (1 << 2)) {
          const v = v128.load(q + 2 * pix);
          a0 = madd(v, w2, a0); a1 = madd(v, w1, a1); a2 = madd(v, w0, a2);
        }
        if (cols & (1 << 3)) {
          const v = v128.load(q + 3 * pix);
          a1 = madd(v, w2, a1); a2 = madd(v, w1, a2); a3 = madd(v, w0, a3);
        }
        if (cols & (1 << 4)) {
          const v = v128.load(q + 4 * pix);
          a2 = madd(v, w2, a2); a3 = madd(v, w1, a3); a4 = madd(v, w0, a4);
        }
        if (cols & (1 << 5)) {
          const v = v128.load(q + 5 * pix);
          a3 = madd(v, w2, a3); a4 = madd(v, w1, a4); a5 = madd(v, w0, a5);
        }
        if (cols & (1 << 6)) {
          const v = v128.load(q + 6 * pix);
          a4 = madd(v, w2, a4); a5 = madd(v, w1, a5); a6 = madd(v, w0, a6);
        }
        if (cols & (1 << 7)) { const v = v128.load(q + 7 * pix); a5 = madd(v, w2, a5); a6 = madd(v, w1, a6); }
        if (cols & (1 << 8)) { const v = v128.load(q + 8 * pix); a6 = madd(v, w2, a6); }
      } else {
        // column k feeds output m through tap j = k − 2m
        if (cols & (1 << 0)) { const v = v128.load(q); a0 = madd(v, w0, a0); }
        if (cols & (1 << 1)) { const v = v128.load(q + pix); a0 = madd(v, w1, a0); }
        if (cols & (1 << 2)) { const v = v128.load(q + 2 * pix); a0 = madd(v, w2, a0); a1 = madd(v, w0, a1); }
        if (cols & (1 << 3)) { const v = v128.load(q + 3 * pix); a1 = madd(v, w1, a1); }
        if (cols & (1 << 4)) { const v = v128.load(q + 4 * pix); a1 = madd(v, w2, a1); a2 = madd(v, w0, a2); }
        if (cols & (1 << 5)) { const v = v128.load(q + 5 * pix); a2 = madd(v, w1, a2); }
        if (cols & (1 << 6)) { const v = v128.load(q + 6 * pix); a2 = madd(v, w2, a2); a3 = madd(v, w0, a3); }
        if (cols & (1 << 7)) { const v = v128.load(q + 7 * pix); a3 = madd(v, w1, a3); }
        if (cols & (1 << 8)) { const v = v128.load(q + 8 * pix); a3 = madd(v, w2, a3); a4 = madd(v, w0, a4); }
        if (cols & (1 << 9)) { const v = v128.load(q + 9 * pix); a4 = madd(v, w1, a4); }
        if (cols & (1 << 10)) { const v = v128.load(q + 10 * pix); a4 = madd(v, w2, a4); a5 = madd(v, w0, a5); }
        if (cols & (1 << 11)) { const v = v128.load(q + 11 * pix); a5 = madd(v, w1, a5); }
        if (cols & (1 << 12)) { const v = v128.load(q + 12 * pix); a5 = madd(v, w2, a5); a6 = madd(v, w0, a6); }
        if (cols & (1 << 13)) { const v = v128.load(q + 13 * pix); a6 = madd(v, w1, a6); }
        if (cols & (1 << 14)) { const v = v128.load(q + 14 * pix); a6 = madd(v, w2, a6); }
      }
      q += rowIn;
      wq += 48;
    }
    storeTile(o + (<usize>g << 4), pix, n, c - 4 * g, act, a0, a1, a2, a3, a4, a5, a6);
  }
}
