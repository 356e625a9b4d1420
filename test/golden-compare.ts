import type { Tensor } from '../src/tensor/tensor.js';

export interface LayerComparison {
  layer: string;
  ok: boolean;
  maxError: number;
  maxGolden: number;
  /** maxError / maxGolden */
  relative: number;
  message: string;
}

/**
 * max |ours − golden| ≤ tolerance · max |golden|, and on failure one message with the layer,
 * the max error, where it is (index and coordinates) and the first values on both sides.
 */
export function compareLayer(layer: string, golden: Tensor, ours: Tensor, tolerance: number): LayerComparison {
  const base = { layer, maxError: Infinity, maxGolden: 0, relative: Infinity };
  if (golden.shape.join() !== ours.shape.join()) {
    return { ...base, ok: false, message: `${layer}: shape [${ours.shape.join(', ')}], golden [${golden.shape.join(', ')}]` };
  }
  let maxError = 0;
  let at = 0;
  let maxGolden = 0;
  let nonFinite = -1;
  for (let i = 0; i < golden.size; i++) {
    const g = golden.data[i]!;
    const o = ours.data[i]!;
    if (!Number.isFinite(o) && nonFinite < 0) nonFinite = i;
    const e = Math.abs(o - g);
    if (e > maxError) {
      maxError = e;
      at = i;
    }
    maxGolden = Math.max(maxGolden, Math.abs(g));
  }
  if (nonFinite >= 0) at = nonFinite;
  const relative = nonFinite >= 0 ? Infinity : maxError / (maxGolden || 1);
  const ok = relative <= tolerance;
  const first = (t: Tensor) => Array.from(t.data.subarray(0, 6), (v) => v.toPrecision(6)).join(', ');
  const message = ok
    ? ''
    : `${layer}: max error ${maxError.toExponential(3)} = ${relative.toExponential(2)} × max|golden| ${maxGolden.toPrecision(4)} (tolerance ${tolerance}) at index ${at} [${unravel(at, golden.shape).join(', ')}]: ours ${ours.data[at]}, golden ${golden.data[at]}; first values ours [${first(ours)}] golden [${first(golden)}]`;
  return { layer, ok, maxError, maxGolden, relative, message };
}

function unravel(index: number, shape: readonly number[]): number[] {
  const out: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    out.unshift(index % shape[d]!);
    index = Math.floor(index / shape[d]!);
  }
  return out;
}
