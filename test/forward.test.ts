import { describe, expect, it } from 'vitest';
import { createBackend } from '../src/backends/index.js';
import { blockName, efficientNet, repeatOf, stageOf } from '../src/model/forward.js';
import { buildPlan } from '../src/model/plan.js';
import { LayerTracer } from '../src/model/trace.js';
import { randomInput, randomWeights } from '../src/weights/random.js';

// forward.ts is written once and run two ways: traced on shapes (the plan) and on tensors (the
// reference backend). These pin that the two walk the same layers, by the same names.

describe('the forward pass', () => {
  it('runs on tensors through exactly the layers the plan traced, in order, with their shapes', async () => {
    const plan = buildPlan('b0', { resolution: 40, numClasses: 7 });
    const reference = await createBackend('reference');
    const seen: { name: string; shape: readonly number[] }[] = [];
    const logits = reference.compile(plan, randomWeights(plan, 3)).run(randomInput([2, 40, 40, 3], 1), {
      dump: (name, t) => void seen.push({ name, shape: t.shape }),
    });
    expect(seen.map((s) => s.name)).toEqual(plan.layers.map((l) => l.name));
    expect(seen.map((s) => s.shape)).toEqual(plan.layers.map((l) => [2, ...l.shape]));
    expect(logits.shape).toEqual([2, 7]);
  });

  it('names repeats a…z as Keras does, then aa, ab, … so that no two blocks share a name', () => {
    expect([0, 1, 25].map((j) => blockName(6, j))).toEqual(['block6a_', 'block6b_', 'block6z_']);
    expect([26, 27, 51, 52].map((j) => blockName(6, j))).toEqual(['block6aa_', 'block6ab_', 'block6az_', 'block6ba_']);
    const names = Array.from({ length: 128 }, (_, j) => blockName(6, j));
    expect(new Set(names).size).toBe(128);
    // and repeatOf reads each back (the checkpoint readers count blocks with it)
    expect(names.map((n) => repeatOf(n.slice('block6'.length, -1)))).toEqual(Array.from({ length: 128 }, (_, j) => j));
  });

  it('a stage of 27 repeats (depth ×7) gets 27 distinct block names and one layer per name', () => {
    const plan = buildPlan({ name: 'deep', width: 0.25, depth: 7, resolution: 32, dropout: 0 });
    expect(plan.stages[5]!.repeats).toBe(28);
    const names = plan.layers.map((l) => l.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain('block6ab_add');
  });

  it('knows each layer\'s stage from its name', () => {
    expect(['stem_conv', 'block1a_dwconv', 'block7d_add', 'top_conv', 'avg_pool', 'predictions'].map(stageOf)).toEqual([0, 1, 7, 8, 8, 8]);
  });

  it('traces headless networks to the pooled features', () => {
    const plan = buildPlan('b0', { resolution: 32 });
    const tracer = new LayerTracer('same', 1e-3);
    const out = efficientNet(tracer, tracer.input([32, 32, 3]), { ...plan.architecture, includeTop: false });
    expect(out).toEqual({ name: 'avg_pool', shape: [1280] });
  });
});
