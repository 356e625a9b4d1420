import { describe, expect, it } from 'vitest';
import { createBackend } from '../src/backends/index.js';
import { Tensor } from '../src/tensor/tensor.js';

const MIN_NORMAL = 2 ** -126;
const denormal = (v: number) => v !== 0 && Math.abs(v) < MIN_NORMAL;

describe('wasm activations, against Math.exp in float64', async () => {
  const wasm = await createBackend('wasm');
  const xs = Tensor.from([4001], Array.from({ length: 4001 }, (_, i) => -20 + i / 100));

  // Relative to each value, not to the largest as compareLayer bounds it: a gate near 0 must be as
  // accurate as one near 1.
  it('sigmoid and swish are within 1.5e-6 relative of x/(1 + e^−x) on every x in [−20, 20] (step 0.01)', () => {
    const sig = wasm.sigmoid(xs), sw = wasm.swish(xs);
    for (let i = 0; i < xs.size; i++) {
      const x = xs.data[i]!, s = 1 / (1 + Math.exp(-x));
      expect(Math.abs(sig.data[i]! - s) / s, `sigmoid(${x})`).toBeLessThan(1.5e-6);
      if (x !== 0) expect(Math.abs(sw.data[i]! - x * s) / Math.abs(x * s), `swish(${x})`).toBeLessThan(1.5e-6);
    }
  });

  it('softmax of logits 1000 apart is exactly one-hot and sums to 1', () => {
    const p = wasm.softmax(Tensor.from([1, 3], [0, 1000, -1000]));
    expect(Array.from(p.data)).toEqual([0, 1, 0]);
  });

  it('never hands the next layer a denormal: saturated gates and tiny per-channel products are normal or zero', () => {
    const gates = wasm.sigmoid(Tensor.from([4], [-100, -200, -1e4, -87]));
    expect(Array.from(gates.data).filter(denormal)).toEqual([]);
    expect(Array.from(gates.data).every((g) => g >= 0 && g < 1e-37)).toBe(true);
    const y = wasm.mul(Tensor.from([1, 1, 2, 2], [1e-20, 3, 0.5, -1e-30]), Tensor.from([1, 2], [1e-20, 1e-36]));
    expect(Array.from(y.data).filter(denormal)).toEqual([]);
    expect(y.data[1]).toBeCloseTo(3e-36, 40);
  });
});
