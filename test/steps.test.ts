import { describe, expect, it } from 'vitest';
import type { BackendName } from '../src/backends/backend.js';
import { EfficientNet } from '../src/efficientnet.js';
import { randomInput } from '../src/weights/random.js';

// CompiledModel.steps is the contract between a backend and whoever reads its dumps: a dump has
// exactly one entry per step, named as the step, and the steps cover every layer that computes.

describe.each(['reference', 'wasm'] as BackendName[])('steps on %s', (backend) => {
  it('name what dump reports, in order, and cover every computing layer of the plan once', async () => {
    const model = await EfficientNet.create({ variant: 'b0', resolution: 32, backend });
    const dumped: string[] = [];
    model.run(randomInput([1, 32, 32, 3], 1), { dump: (name) => void dumped.push(name) });
    expect(dumped).toEqual(model.steps.map((s) => s.name));
    const covered = model.steps.flatMap((s) => s.layers);
    expect(new Set(covered).size).toBe(covered.length);
    const computing = model.plan.layers.filter((l) => l.kind !== 'reshape' && l.kind !== 'dropout').map((l) => l.name);
    for (const name of computing) expect(covered, name).toContain(name);
    for (const s of model.steps) expect(s.layers.at(-1)).toBe(s.name);
    if (backend === 'reference') expect(model.steps).toHaveLength(model.plan.layers.length);
    else expect(model.steps.length).toBeLessThan(model.plan.layers.length / 2); // fused: B0 runs 67 kernel calls for 232 layers
    model.dispose();
  });
});
