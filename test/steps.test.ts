import { describe, expect, it } from 'vitest';
import type { BackendName } from '../src/backends/backend.js';
import { EfficientNet } from '../src/efficientnet.js';
import { randomInput } from '../src/weights/random.js';

// CompiledModel.steps is the contract between a backend and whoever reads its dumps: a dump has
// exactly one entry per step, named as the step (after the values inside it that Step.inner names),
// and the steps cover every layer that computes.

describe.each(['reference', 'wasm'] as BackendName[])('steps on %s', (backend) => {
  it('name what dump reports, in order, and cover every computing layer of the plan once', async () => {
    // at 64, block2a's expand and depthwise are one step on wasm (expandDepthwise), its expand inside,
    const model = await EfficientNet.create({ variant: 'b0', resolution: 64, backend });
    const dumped: string[] = [];
    model.run(randomInput([1, 64, 64, 3], 1), { dump: (name) => void dumped.push(name) });
    // and where a map has 256 pixels or more, a squeeze-excitation rides on its project (exciteProject)
    if (backend === 'wasm') {
      expect(model.steps.filter((s) => s.inner).map((s) => [s.name, s.inner])).toEqual([
        ['block1a_project_bn', ['block1a_se_excite']],
        ['block2a_activation', ['block2a_expand_activation']],
        ['block2a_project_bn', ['block2a_se_excite']],
        ['block2b_add', ['block2b_se_excite']],
      ]);
    }
    expect(dumped).toEqual(model.steps.flatMap((s) => [...(s.inner ?? []), s.name]));
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
