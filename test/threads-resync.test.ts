import { afterEach, describe, expect, it } from 'vitest';
// The package as Node resolves it (dist/src/index.node.js), and beside it, from the same files (so
// the same module instances), the op table whose kernels the caller's thread runs.
import { buildPlan, createBackend, randomInput, randomWeights } from 'effnet';
import { KERNELS, kernelFor } from '../dist/src/backends/wasm/kernels/table.js';
import { isParallel } from '../dist/src/backends/wasm/threads/protocol.js';
import type { WasmCompiledModel } from '../dist/src/backends/wasm/index.js';

// An error anywhere in a pass on threads (a kernel on the caller's thread, in a step split across
// threads or not; the user's dump callback) must not leave the workers inside that pass: the next
// run must equal one thread's, bit for bit. Before the pass was abandoned with every worker out of
// it, a throw in a step the caller ran alone (squeeze-excite) left the workers a step behind and the
// next run returned finite, wrong logits; a throw in the caller's share of a split step broke the pool.

// 64 pixels, 2 images: depthwise steps both split and not, and every kind of step present
// (block2a's expand and depthwise are one expandDepthwise at 32 rows; the squeeze-excitations of the
// 32² and 16² maps ride on their projects, exciteProject)
const plan = buildPlan('b0', { resolution: 64 });
const weights = randomWeights(plan, 3);
const x = randomInput([2, 64, 64, 3], 5);

const original = new Map(Object.entries(KERNELS).map(([kind, k]) => [kind, k.run]));
function restore(): void {
  for (const [kind, run] of original) (KERNELS as Record<string, { run: unknown }>)[kind]!.run = run;
}
afterEach(restore);

/** Makes the caller's `target`-th kernel call of the next pass throw (workers run their own copies). */
function throwAtCall(target: number): void {
  let calls = 0;
  for (const [kind, run] of original) {
    (KERNELS as Record<string, { run: unknown }>)[kind]!.run = function (this: unknown, ...args: unknown[]) {
      if (calls++ === target) throw new Error(`injected at call ${target}`);
      return (run as (...a: unknown[]) => void).apply(this, args);
    };
  }
}

describe('the wasm backend on threads, after an error in a pass', async () => {
  const expected = Array.from((await createBackend('wasm')).compile(plan, weights).run(x).data);
  const backend = await createBackend('wasm', { threads: 2 });
  const model = backend.compile(plan, weights) as WasmCompiledModel;
  const shapes = new Map<string, readonly number[]>([['input', plan.inputShape], ...plan.layers.map((l) => [l.name, l.shape] as const)]);
  const split = model.ops.map((op) => {
    const g = { batch: 2, input: shapes.get(op.inputs[0]!)!, output: shapes.get(op.name)! };
    const kernel = kernelFor(op.kind);
    return isParallel(kernel, op, g, kernel.units(op, g), 2);
  });
  const steps = (parallel: boolean) => model.ops.flatMap((op, s) => (split[s] === parallel ? [s] : []));

  /** Throws at step s (the caller runs one kernel per step), then runs again clean. */
  function throwThenRun(s: number): void {
    const name = `step ${s} (${model.ops[s]!.name}, ${model.ops[s]!.kind})`;
    throwAtCall(s);
    expect(() => model.run(x), name).toThrow(`injected at call ${s}`);
    restore();
    expect(Array.from(model.run(x).data), `the run after a throw at ${name}`).toEqual(expected);
  }

  it('covers steps split across the threads and steps run by the caller alone, of every kind', () => {
    const kinds = (parallel: boolean) => new Set(steps(parallel).map((s) => model.ops[s]!.kind));
    // (a squeeze-excite splits from 131,072 floats, more than any of this model's; threads.test.ts splits one)
    expect(kinds(true)).toEqual(new Set(['conv2d', 'depthwiseConv2d', 'pointwise', 'expandDepthwise', 'exciteProject', 'dense']));
    expect(kinds(false)).toEqual(new Set(['depthwiseConv2d', 'squeezeExcite', 'globalAvgPool']));
  });

  it('a throw at any step the caller runs alone leaves the next run equal to one thread, bit for bit', () => {
    for (const s of steps(false)) throwThenRun(s);
  });

  it("a throw in the caller's share of any split step leaves the next run equal to one thread, bit for bit", () => {
    for (const s of steps(true)) throwThenRun(s);
  });

  // The wasm model calls `dump` after its last pass, so this holds that order rather than the abort.
  it("a throw in the user's dump callback leaves the next run equal to one thread, bit for bit", () => {
    for (const op of [model.ops[1]!, model.ops.find((o) => o.kind === 'squeezeExcite')!, model.ops.at(-2)!]) {
      expect(() => model.run(x, { dump: (name) => {
        if (name === op.name) throw new Error(`dump of ${name} failed`);
      } })).toThrow(`dump of ${op.name} failed`);
      expect(Array.from(model.run(x).data), `the run after a throwing dump at ${op.name}`).toEqual(expected);
    }
  });
});
