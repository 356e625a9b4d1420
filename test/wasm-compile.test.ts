import { describe, expect, it } from 'vitest';
import { createBackend } from '../src/backends/index.js';
import { planArena, type Interval } from '../src/backends/arena.js';
import type { WasmCompiledModel } from '../src/backends/wasm/compile.js';
import { fusePlan } from '../src/backends/fused/fuse.js';
import { sharedHeap } from '../src/backends/wasm/heap.js';
import { buildPlan } from '../src/model/plan.js';
import { Tensor, sizeOf } from '../src/tensor/tensor.js';
import { mulberry32, randomInput, randomWeights } from '../src/weights/random.js';

describe('fusing the plan into kernel calls', () => {
  const plan = buildPlan('b0');
  const { ops, aliases } = fusePlan(plan);

  it('covers every Keras layer exactly once: in one fused op, or as an alias (reshape, dropout)', () => {
    const covered = [...ops.flatMap((op) => op.layers.map((l) => l.name)), ...[...aliases.keys()].filter((n) => !ops.some((op) => op.layers.some((l) => l.name === n)))];
    expect(covered.sort()).toEqual(plan.layers.map((l) => l.name).sort());
  });

  it('b0: no batch norm, activation or SE layer runs on its own; every residual add rides on its project conv', () => {
    expect(ops.filter((op) => op.kind === 'batchNorm' || op.kind === 'activation' || op.kind === 'multiply' || op.kind === 'globalAvgPool' && op.name !== 'avg_pool')).toEqual([]);
    // a squeeze-excitation on a map of 256 pixels or more rides on its project conv (exciteProject)
    const folded = ['block1a', 'block2a', 'block2b', 'block3a', 'block3b'];
    expect(ops.filter((op) => op.kind === 'exciteProject').map((op) => op.squeezeExcite.name)).toEqual(folded.map((b) => `${b}_se_excite`));
    expect(ops.filter((op) => op.kind === 'squeezeExcite')).toHaveLength(plan.blocks - folded.length);
    expect(ops.filter((op) => op.kind === 'add')).toEqual([]);
    const adds = plan.layers.filter((l) => l.kind === 'add').map((l) => l.name);
    expect(ops.filter((op) => (op.kind === 'pointwise' || op.kind === 'exciteProject') && op.inputs.length === 2).map((op) => op.name)).toEqual(adds);
    // the expand and depthwise of every block whose expanded map has 28 rows or more are one op
    expect(ops.filter((op) => op.kind === 'expandDepthwise').map((op) => op.name)).toEqual(['block2a', 'block2b', 'block3a', 'block3b', 'block4a'].map((b) => `${b}_activation`));
    // stem + per block (expand?) dw se project + head conv, pool, dense, less one per fused expand and SE
    expect(ops).toHaveLength(1 + plan.layers.filter((l) => l.kind === 'depthwiseConv2d').length * 3 + plan.layers.filter((l) => l.name.endsWith('expand_conv')).length + 3 - 5 - 5);
  });
});

describe('the arena planner', () => {
  it('never overlaps two buffers that are alive at the same step (random lifetimes, checked pairwise)', () => {
    const next = mulberry32(5);
    for (let trial = 0; trial < 50; trial++) {
      const buffers: Interval[] = Array.from({ length: 30 }, () => {
        const first = Math.floor(next() * 40) - 1;
        return { bytes: 64 * (1 + Math.floor(next() * 100)), first, last: first + Math.floor(next() * 8) };
      });
      const { offsets, bytes } = planArena(buffers);
      buffers.forEach((a, i) => {
        expect(offsets[i]! % 64).toBe(0);
        expect(offsets[i]! + a.bytes).toBeLessThanOrEqual(bytes);
        buffers.forEach((b, j) => {
          if (i < j && a.first <= b.last && b.first <= a.last) {
            expect(offsets[i]! + a.bytes <= offsets[j]! || offsets[j]! + b.bytes <= offsets[i]!, `buffers ${i} and ${j}`).toBe(true);
          }
        });
      });
    }
  });

  it('b0 @224 reuses buffers: its arena is under a fifth of all its activations laid end to end', async () => {
    const plan = buildPlan('b0');
    const model = (await createBackend('wasm')).compile(plan, randomWeights(plan, 1)) as WasmCompiledModel;
    const all = model.ops.reduce((n, op) => n + 4 * sizeOf(plan.layers.find((l) => l.name === op.name)!.shape), 0);
    expect(model.memory.arenaBytes).toBeLessThan(all / 5);
    // at least the largest input + output pair must fit: 112² × 32 in, 112² × 32 out (block1a's depthwise)…
    expect(model.memory.arenaBytes).toBeGreaterThanOrEqual(4 * 2 * 112 * 112 * 32);
    // …but not block2a's 112² × 96 expanded map with its 56² × 96 output: that map lives only in strips
    expect(model.memory.arenaBytes).toBeLessThan(4 * (112 * 112 * 96 + 56 * 56 * 96));
    model.dispose?.();
  });
});

describe('a compiled wasm model', () => {
  const plan = buildPlan('b0', { resolution: 35 });
  const weights = randomWeights(plan, 3);

  it('allocates no linear memory per inference: at compile for one image, once more the first time a larger batch comes', async () => {
    const heap = await sharedHeap();
    const model = (await createBackend('wasm')).compile(plan, weights) as WasmCompiledModel;
    const before = heap.usage;
    model.run(randomInput([1, 35, 35, 3], 1));
    expect(heap.usage).toEqual(before);
    const oneImage = model.memory.arenaBytes;
    model.run(randomInput([3, 35, 35, 3], 2));
    const grown = heap.usage;
    expect(model.memory.arenaBytes).toBeGreaterThanOrEqual(3 * oneImage - 3 * 64 * model.ops.length);
    model.run(randomInput([3, 35, 35, 3], 3));
    model.run(randomInput([2, 35, 35, 3], 4));
    model.run(randomInput([1, 35, 35, 3], 5));
    expect(heap.usage).toEqual(grown);
    model.dispose?.();
    expect(heap.usage.bytes).toBeLessThan(before.bytes);
  });

  it('packs the weights once: a plan of another input size compiled with { share } adds only its arena', async () => {
    const heap = await sharedHeap();
    const backend = await createBackend('wasm');
    const first = backend.compile(plan, weights) as WasmCompiledModel;
    const before = heap.usage.bytes;
    const other = buildPlan('b0', { resolution: 47 });
    const second = backend.compile(other, weights, { share: first }) as WasmCompiledModel;
    expect(second.memory.weightBytes).toBe(first.memory.weightBytes);
    expect(heap.usage.bytes - before).toBeLessThan(second.memory.arenaBytes + second.memory.scratchBytes + 4096);
    // the shared weights outlive the first model, and go with the last
    first.dispose?.();
    const alone = backend.compile(other, weights) as WasmCompiledModel;
    const x = randomInput([1, 47, 47, 3], 6);
    expect(Array.from(second.run(x).data)).toEqual(Array.from(alone.run(x).data));
    alone.dispose?.();
    second.dispose?.();
    expect(heap.usage.bytes).toBeLessThan(before);
    expect(() => backend.compile(other, randomWeights(other, 9), { share: first })).toThrow(/other weights/);
  });

  it('runs a batch larger than one pass in passes of batchCapacity images, each image as alone', async () => {
    const model = (await createBackend('wasm')).compile(plan, weights) as WasmCompiledModel;
    const n = model.batchCapacity + 3;
    const x = randomInput([n, 35, 35, 3], 7);
    const all = model.run(x);
    const size = 35 * 35 * 3;
    for (const b of [0, n - 1]) {
      const alone = model.run(new Tensor([1, 35, 35, 3], x.data.slice(b * size, (b + 1) * size)));
      expect(Array.from(alone.data)).toEqual(Array.from(all.data.subarray(b * 1000, (b + 1) * 1000)));
    }
    model.dispose?.();
  });

  it('refuses an input that does not fit its plan, in one line', async () => {
    const model = (await createBackend('wasm')).compile(plan, weights);
    expect(() => model.run(randomInput([1, 36, 35, 3], 1))).toThrow(/^input \[1, 36, 35, 3\] does not fit the plan's \[N, 35, 35, 3\]$/);
    model.dispose?.();
    expect(() => model.run(randomInput([1, 35, 35, 3], 1))).toThrow(/disposed/);
  });

  it('refuses weights that do not fit the plan, naming them', async () => {
    const bad = new Map(weights);
    bad.delete('block2a_dwconv/depthwise_kernel');
    await expect(async () => (await createBackend('wasm')).compile(plan, bad)).rejects.toThrow(/missing block2a_dwconv\/depthwise_kernel/);
  });
});
