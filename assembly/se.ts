// Squeeze-excitation of one NHWC image, fused: channel means → reduce (bias, actReduce) →
// expand (bias, actExpand) → out = x · scale per channel (out may be x), for pixels [p0, p1)
// only: the means are always over the whole image, so threads can split the scaling by rows.
// Weights come packed by packSqueezeExcite (src/backends/wasm/layouts.ts): the reduce layer as
// packDense lays out [c][cse4] + bias [cse4], then the expand layer likewise [cse][c4] + bias [c4].
// scratch holds c4 + cse4 + c4 floats.
import { dense } from './dense';
import { multiply } from './eltwise';
import { globalAvgPool } from './pool';

/** Floats of scratch seScale needs: the means, the reduced vector, the scale. */
export function seScratchFloats(c: i32, cse: i32): usize {
  return <usize>(2 * ((c + 3) & ~3) + ((cse + 3) & ~3));
}

/** The image's scale per channel, in scratch (the pointer returned): means → reduce → expand. */
export function seScale(x: usize, hw: i32, c: i32, w: usize, cse: i32, scratch: usize, actReduce: i32, actExpand: i32): usize {
  const c4 = <usize>((c + 3) & ~3), cse4 = <usize>((cse + 3) & ~3);
  const means = scratch, reduced = means + (c4 << 2), scale = reduced + (cse4 << 2);
  const wExpand = w + (<usize>c * cse4 + cse4) * 4;
  globalAvgPool(x, hw, c, means);
  dense(means, 1, c, w, cse, reduced, actReduce, 0, (cse + 3) & ~3);
  dense(reduced, 1, cse, wExpand, c, scale, actExpand, 0, (c + 3) & ~3);
  return scale;
}

export function squeezeExcite(
  x: usize, hw: i32, c: i32, w: usize, cse: i32, out: usize, scratch: usize, actReduce: i32, actExpand: i32, p0: i32, p1: i32,
): void {
  const scale = seScale(x, hw, c, w, cse, scratch, actReduce, actExpand);
  const skip = <usize>p0 * c << 2;
  multiply(x + skip, p1 - p0, c, scale, out + skip);
}
