// An MBConv block's squeeze-excitation (se.ts) and its project 1×1 convolution (gemm.ts) of one
// NHWC image, for pixels [p0, p1): the channels are scaled a block of rows at a time into scratch,
// where the GEMM reads them at once, so the scaled map is never written out and read back. Every
// value is what the two kernels compute alone (the same multiply and denormal flush, then the same
// GEMM rows), so the result is bit for bit the two ops'. The means are over the whole image.
// Weights: wSe as packSqueezeExcite lays them out, wProject as packPointwise (layouts.ts).
// scratch: seScratchFloats(c, cse) floats, then ROWS × c for the scaled block.
import { pointwise4x8 } from './gemm';
import { multiply } from './eltwise';
import { seScale, seScratchFloats } from './se';

/** Rows scaled at a time: the GEMM's row block, so they stay in cache while every panel passes. */
const ROWS: i32 = 64;

export function exciteProject(
  x: usize, hw: i32, c: i32, wSe: usize, cse: i32, wProject: usize, n: i32, out: usize, act: i32, residual: usize,
  scratch: usize, actReduce: i32, actExpand: i32, p0: i32, p1: i32,
): void {
  const scale = seScale(x, hw, c, wSe, cse, scratch, actReduce, actExpand);
  const block = scratch + (seScratchFloats(c, cse) << 2);
  const panels = (n + 7) >> 3;
  for (let p = p0; p < p1; p += ROWS) {
    const rows = min(ROWS, p1 - p);
    multiply(x + (<usize>p * c << 2), rows, c, scale, block);
    const shift = <usize>p * n << 2;
    pointwise4x8(block, rows, c, wProject, n, out + shift, act, residual ? residual + shift : 0, 0, panels);
  }
}
