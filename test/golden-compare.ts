import { compareLayer, type LayerComparison } from '../src/node/golden.js';
import type { Tensor } from '../src/tensor/tensor.js';

// The comparison lives in src/node/golden.ts, shared with `effnet verify`; tests import it from
// here. A test that compares two tensors uses compareLayer (or compareAbsolute below) and asserts
// `expect(c.ok, c.message)`, so a failure names the worst element, its coordinates and both values.
export { compareLayer, type LayerComparison };

/**
 * compareLayer with an absolute bound, max |ours − golden| ≤ tolerance, for data whose bound is
 * in fixed units (pixel levels, half-float rounding) rather than a fraction of the largest value.
 * The bound is restated as compareLayer's relative one: tolerance / max |golden|.
 */
export function compareAbsolute(layer: string, golden: Tensor, ours: Tensor, tolerance: number): LayerComparison {
  const { maxGolden } = compareLayer(layer, golden, ours, Infinity);
  const c = compareLayer(layer, golden, ours, tolerance / (maxGolden || 1));
  return c.ok ? c : { ...c, message: `${c.message}; the bound is ${tolerance} absolute` };
}
