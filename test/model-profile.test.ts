import { describe, expect, it } from 'vitest';
import { EfficientNet } from '../src/efficientnet.js';
import { randomInput } from '../src/weights/random.js';

describe.each(['reference', 'wasm'] as const)('EfficientNet.profile and dispose on %s', (backend) => {
  it('profiles every step once, named after Keras layers, covering all multiply-adds', async () => {
    const model = await EfficientNet.create({ variant: 'b0', backend, resolution: 40 });
    const steps = model.profile(randomInput([2, 40, 40, 3], 1), 2);
    const names = new Set(model.plan.layers.map((l) => l.name));
    for (const s of steps) {
      expect(names.has(s.name), s.name).toBe(true);
      expect(s.ms).toBeGreaterThanOrEqual(0);
    }
    expect(steps.at(-1)!.name).toBe('predictions');
    expect(steps.reduce((m, s) => m + s.macs, 0)).toBe(model.plan.macs);
    if (backend === 'reference') expect(steps).toHaveLength(model.plan.layers.length);
  });

  it('refuses to run or profile once disposed, with one clear line', async () => {
    const model = await EfficientNet.create({ variant: 'b0', backend, resolution: 32 });
    const x = randomInput([1, 32, 32, 3], 2);
    model.run(x);
    model.dispose();
    expect(() => model.run(x)).toThrow(/^this model was disposed: load or create it again to run it$/);
    expect(() => model.profile(x)).toThrow(/was disposed/);
  });
});
