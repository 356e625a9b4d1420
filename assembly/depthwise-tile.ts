// The row tile shared by the 3×3 and 5×5 depthwise kernels (depthwise3x3.ts, depthwise5x5.ts):
// PIXELS output pixels of one row × 4 channels, held in seven f32x4 accumulators a0…a6. Each
// kernel row loads its kw weights once and slides over the tile's input columns, so an input
// vector loaded once feeds every output whose taps cover it. Seven because B0's output widths
// (112, 56, 28, 14, 7) are all multiples of it. Every tile, interior or not, tests each column
// against its mask before loading it: besides skipping the columns outside the image, the tests
// keep each load beside its multiply-adds, where a branch-free body let V8 hoist all the row's
// loads to the top and spill (measured: the masked body is faster on interior tiles too).
import { ACT_NONE, ACT_SWISH, activate4, storePartial } from './math';

export const PIXELS: i32 = 7;

// Bit k is set when tile column k (input column ix0 + k, k < cols) lies inside the image: taps
// on the others are skipped, so no padding value is ever multiplied (0·∞ would be NaN).
// @ts-ignore: decorator
@inline
export function columnMask(ix0: i32, w: i32, cols: i32): i32 {
  const lo = max(0, -ix0), hi = min(cols, w - ix0);
  return hi > lo ? ((1 << hi) - 1) ^ ((1 << lo) - 1) : 0;
}

// Stores the first n (1…7) pixels of the tile at o, pixels pix bytes apart, `lanes` channels each.
// A whole tile takes storeWhole with act a constant for swish (every B0 depthwise) and none, so the
// activation's branches fold away and V8 interleaves the seven activations: swish is a long
// dependent chain ending in a division, and with seven side by side the 3×3 kernel runs a quarter faster.
// @ts-ignore: decorator
@inline
export function storeTile(
  o: usize, pix: usize, n: i32, lanes: i32, act: i32,
  a0: v128, a1: v128, a2: v128, a3: v128, a4: v128, a5: v128, a6: v128,
): void {
  if (n == PIXELS && lanes >= 4) {
    if (act == ACT_SWISH) storeWhole(o, pix, ACT_SWISH, a0, a1, a2, a3, a4, a5, a6);
    else if (act == ACT_NONE) storeWhole(o, pix, ACT_NONE, a0, a1, a2, a3, a4, a5, a6);
    else storeWhole(o, pix, act, a0, a1, a2, a3, a4, a5, a6);
    return;
  }
  storePartial(o, activate4(a0, act), lanes);
  if (n > 1) storePartial(o + pix, activate4(a1, act), lanes);
  if (n > 2) storePartial(o + 2 * pix, activate4(a2, act), lanes);
  if (n > 3) storePartial(o + 3 * pix, activate4(a3, act), lanes);
  if (n > 4) storePartial(o + 4 * pix, activate4(a4, act), lanes);
  if (n > 5) storePartial(o + 5 * pix, activate4(a5, act), lanes);
  if (n > 6) storePartial(o + 6 * pix, activate4(a6, act), lanes);
}

// @ts-ignore: decorator
@inline
function storeWhole(
  o: usize, pix: usize, act: i32, a0: v128, a1: v128, a2: v128, a3: v128, a4: v128, a5: v128, a6: v128,
): void {
  const y0 = activate4(a0, act), y1 = activate4(a1, act), y2 = activate4(a2, act), y3 = activate4(a3, act);
  const y4 = activate4(a4, act), y5 = activate4(a5, act), y6 = activate4(a6, act);
  v128.store(o, y0);
  v128.store(o + pix, y1);
  v128.store(o + 2 * pix, y2);
  v128.store(o + 3 * pix, y3);
  v128.store(o + 4 * pix, y4);
  v128.store(o + 5 * pix, y5);
  v128.store(o + 6 * pix, y6);
}
