import { describe, expect, it } from 'vitest';
import { EfficientNet } from '../src/efficientnet.js';
import { buildPlan } from '../src/model/plan.js';
import { randomInput, randomWeights } from '../src/weights/random.js';
import { Tensor } from '../src/tensor/tensor.js';

function stats(t: Tensor) {
  let sq = 0;
  for (const v of t.data) sq += v * v;
  return { finite: t.data.every(Number.isFinite), rms: Math.sqrt(sq / t.size) };
}

describe('EfficientNet with seeded weights (reference backend unless named)', () => {
  it('b0 @224: deterministic for a seed, finite, non-trivial and input-dependent in every layer', async () => {
    const model = await EfficientNet.create({ variant: 'b0', backend: 'reference', seed: 7 });
    const x = randomInput([1, 224, 224, 3], 1);
    const layers = new Map<string, ReturnType<typeof stats>>();
    const a = model.run(x, { dump: (name, t) => layers.set(name, stats(t)) });
    expect(a.shape).toEqual([1, 1000]);
    expect(layers.size).toBe(model.plan.layers.length);
    for (const [name, s] of layers) {
      expect(s.finite, name).toBe(true);
      expect(s.rms, name).toBeGreaterThan(1e-3);
      expect(s.rms, name).toBeLessThan(100);
    }
    const again = await EfficientNet.create({ variant: 'b0', backend: 'reference', seed: 7 });
    expect(again.run(x).data).toEqual(a.data);
    const other = await EfficientNet.create({ variant: 'b0', backend: 'reference', seed: 8 });
    expect(other.run(x).data).not.toEqual(a.data);
    expect(model.run(randomInput([1, 224, 224, 3], 2)).data).not.toEqual(a.data);
  });

  it('b7, the deepest variant, stays bounded and input-dependent for every seed tried (damped residual branches)', async () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const model = await EfficientNet.create({ variant: 'b7', backend: 'wasm', seed, resolution: 64 });
      let worst = 0;
      const y = model.run(randomInput([1, 64, 64, 3], 9), { dump: (_, t) => void (worst = Math.max(worst, stats(t).rms)) });
      const other = model.run(randomInput([1, 64, 64, 3], 10));
      let diff = 0, norm = 0;
      for (let i = 0; i < y.size; i++) {
        diff += (y.data[i]! - other.data[i]!) ** 2;
        norm += y.data[i]! ** 2;
      }
      expect(stats(y).finite, `seed ${seed}`).toBe(true);
      expect(worst, `seed ${seed}: largest layer rms`).toBeLessThan(2);
      expect(Math.sqrt(diff / norm), `seed ${seed}: logits move with the input`).toBeGreaterThan(0.01);
      model.dispose();
    }
  });

  it('runs a batch of 2 as two batches of 1', async () => {
    const model = await EfficientNet.create({ variant: 'b0', backend: 'reference', resolution: 48 });
    const x0 = randomInput([1, 48, 48, 3], 3);
    const x1 = randomInput([1, 48, 48, 3], 4);
    const both = new Tensor([2, 48, 48, 3], Float32Array.from([...x0.data, ...x1.data]));
    const y = model.run(both);
    expect(y.data.subarray(0, 1000)).toEqual(model.run(x0).data);
    expect(y.data.subarray(1000)).toEqual(model.run(x1).data);
  });

  it('accepts any input size for every variant (global pooling makes it legal)', async () => {
    const model = await EfficientNet.create({ variant: 'b2', backend: 'reference', resolution: 40 });
    for (const size of [17, 40]) {
      const y = model.run(randomInput([1, size, size, 3], size));
      expect(y.shape).toEqual([1, 1000]);
      expect(stats(y).finite).toBe(true);
    }
  });

  it('seeded weights cover every tensor the plan names, with its shape', () => {
    const plan = buildPlan('b1');
    const w = randomWeights(plan, 1);
    const specs = plan.layers.flatMap((l) => l.weights);
    expect(w.size).toBe(specs.length);
    for (const s of specs) expect(w.get(s.name)!.shape).toEqual(s.shape);
  });

  it('refuses an input that is not [N, H, W, 3]', async () => {
    const model = await EfficientNet.create({ backend: 'reference', resolution: 32 });
    expect(() => model.run(Tensor.zeros([1, 32, 32, 1]))).toThrow(/input must be \[N, H, W, 3\]/);
  });
});
