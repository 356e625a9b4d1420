import { withAwaitedCalls, type CompileOptions, type CompiledModel, type RunOptions, type StepProfile } from '../backend.js';
import type { Plan } from '../../model/plan.js';
import { Tensor, sizeOf } from '../../tensor/tensor.js';
import { checkWeights, type WeightMap } from '../../weights/weights.js';
import { planArena, type Interval } from '../arena.js';
import { fusePlan } from '../fused/fuse.js';
import type { FusedOp } from '../fused/ops.js';
import { SLACK, align, type Heap } from './heap.js';
import type { Geometry, Operands } from './kernels/kernel.js';
import { kernelFor, runStep } from './kernels/table.js';
import { PackedWeights } from './packed-weights.js';
import type { ThreadPool } from './threads/pool.js';

/** A plan compiled for the wasm kernels; `memory` says what it holds in linear memory. */
export interface WasmCompiledModel extends CompiledModel {
  readonly ops: readonly FusedOp[];
  /** Packed weights (shared with every plan compiled from this one), the arena and scratch, in bytes. */
  readonly memory: { weightBytes: number; arenaBytes: number; scratchBytes: number };
  /** Images a run puts through the kernels at once (the arena holds that many). */
  readonly batchCapacity: number;
  /** Each fused op's fastest time over `repeats` runs of the first image of x, with its multiply-adds. */
  profile(x: Tensor, repeats?: number): (StepProfile & { kind: FusedOp['kind'] })[];
  /** The same weights, packed once, for a plan of another input size. */
  readonly packed: PackedWeights;
}

/** The arena's budget when a batch is folded into the kernels: images per pass = this ÷ one image's arena. */
const BATCH_ARENA_BYTES = 128 * 2 ** 20;
/** Images per pass at most: beyond 8 the GEMMs' rows no longer help. */
const MAX_BATCH = 8;

/**
 * Compiles a plan: fuses its layers into kernel calls (fuse.ts), packs every op's weights once
 * (packed-weights.ts, through the op table), and places every intermediate value in an arena planned from
 * the values' lifetimes (arena.ts), so buffers are reused across layers. A batch goes through the
 * kernels as one: each step runs on every image of a pass (a 1×1 convolution is one GEMM over
 * N·H·W rows), with as many images per pass as the arena budget allows. With a thread pool,
 * each large step is split across its threads (threads/), each thread computing whole rows or
 * chunks exactly as one thread would.
 */
export function compileWasm(heap: Heap, plan: Plan, weights: WeightMap, options: CompileOptions = {}, pool?: ThreadPool): WasmCompiledModel {
  checkWeights(plan, weights);
  const { ops, aliases } = fusePlan(plan);
  const shapes = new Map<string, readonly number[]>([['input', plan.inputShape]]);
  for (const l of plan.layers) shapes.set(l.name, l.shape);
  const shared = (options.share as Partial<WasmCompiledModel> | undefined)?.packed;
  if (shared && shared.weights !== weights) throw new Error('share: that model was compiled from other weights');
  const packed = shared ?? new PackedWeights(heap, weights);
  const weightAt = packed.acquire(plan, ops);

  // Values: each op's output gets a buffer, except where its kernel may write over its input
  // (Kernel.inPlace) and nothing reads that input afterwards.
  const lastRead = new Map<string, number>();
  ops.forEach((op, s) => op.inputs.forEach((name) => lastRead.set(name, s)));
  const output = aliases.get(plan.layers.at(-1)!.name) ?? plan.layers.at(-1)!.name;
  const buffers: (Interval & { floats: number })[] = [];
  const bufferOf = new Map<string, number>();
  const threads = pool?.threads ?? 1;
  const inPlace = (op: FusedOp) => {
    const rule = kernelFor(op.kind).inPlace;
    return typeof rule === 'function' ? rule(threads) : rule === true;
  };
  const newBuffer = (name: string, first: number) => {
    bufferOf.set(name, buffers.length);
    buffers.push({ floats: sizeOf(shapes.get(name)!), bytes: 0, first, last: first });
  };
  newBuffer('input', -1);
  ops.forEach((op, s) => {
    for (const name of op.inputs) {
      const b = buffers[bufferOf.get(name)!]!;
      b.last = Math.max(b.last, s);
    }
    if (inPlace(op) && lastRead.get(op.inputs[0]!) === s) bufferOf.set(op.name, bufferOf.get(op.inputs[0]!)!);
    else newBuffer(op.name, s);
  });
  buffers[bufferOf.get(output)!]!.last = ops.length;
  const geometry = ops.map((op) => ({ input: shapes.get(op.layers[0]!.inputs[0]!)!, output: shapes.get(op.name)! }));
  // one scratch per thread, back to back
  const scratchBytes = align(Math.max(0, ...ops.map((op, s) => kernelFor(op.kind).scratchFloats?.(op, geometry[s]!) ?? 0)) * 4);

  // The arena for `images` images, placed once per capacity.
  let arena = { block: 0, bytes: 0, images: 0, operands: [] as Operands[] };
  let offsets: number[] = [];
  const at = (name: string) => arena.block + offsets[bufferOf.get(name)!]!;
  const placeArena = (images: number) => {
    const planned = planArena(buffers.map((b) => ({ ...b, bytes: align(b.floats * 4 * images + SLACK) })));
    // the new block first: if memory cannot grow to it, the model keeps its old arena and still runs
    const block = heap.alloc(planned.bytes + scratchBytes * threads);
    if (arena.block) heap.free(arena.block);
    offsets = planned.offsets;
    arena = { block, bytes: planned.bytes, images, operands: [] };
    const scratch = block + planned.bytes;
    arena.operands = ops.map((op, s) => ({ x: at(op.inputs[0]!), y: op.inputs[1] ? at(op.inputs[1]) : 0, out: at(op.name), w: weightAt[s]!, scratch }));
    if (pool) program = pool.load(ops, geometry, arena.operands, scratchBytes, program || undefined);
  };
  let program = 0;
  placeArena(1);
  const oneImageBytes = arena.bytes;
  const batchCapacity = Math.max(1, Math.min(MAX_BATCH, Math.floor(BATCH_ARENA_BYTES / oneImageBytes)));

  const step = (s: number, batch: number) => {
    const op = ops[s]!;
    const g: Geometry = { batch, ...geometry[s]! };
    if (pool) pool.step(heap.kernels, op, g, arena.operands[s]!);
    else runStep(heap.kernels, op, g, arena.operands[s]!);
  };
  // every step of a pass, in order: with a pool, the workers follow (pool.begin); an error anywhere
  // in the pass (a kernel, a dump callback) abandons it with every worker out of it (pool.abort)
  const pass = (batch: number, after?: (s: number) => void) => {
    pool?.begin(program, batch);
    try {
      for (let s = 0; s < ops.length; s++) {
        step(s, batch);
        after?.(s);
      }
    } catch (e) {
      pool?.abort();
      throw e;
    }
    pool?.end();
  };

  const inputSize = sizeOf(plan.inputShape);
  const outputShape = shapes.get(plan.layers.at(-1)!.name)!;
  const outputSize = sizeOf(outputShape);
  let disposed = false;
  const check = (x: Tensor) => {
    if (disposed) throw new Error('this compiled model was disposed');
    const [, h, w, c] = x.shape;
    const [ph, pw, pc] = plan.inputShape;
    if (x.rank !== 4 || h !== ph || w !== pw || c !== pc) {
      throw new Error(`input [${x.shape.join(', ')}] does not fit the plan's [N, ${plan.inputShape.join(', ')}]`);
    }
  };

  return withAwaitedCalls({
    ops,
    packed,
    batchCapacity,
    steps: ops.map((op) => {
      const inner = kernelFor(op.kind).inner?.(op).map((v) => v.name);
      return { name: op.name, layers: op.layers.map((l) => l.name), ...(inner ? { inner } : {}) };
    }),
    get memory() {
      return { weightBytes: packed.bytes, arenaBytes: arena.bytes, scratchBytes };
    },
    run(x: Tensor, options: RunOptions = {}): Tensor {
      check(x);
      const batch = x.shape[0]!;
      const wanted = options.dumpLayers && new Set(options.dumpLayers);
      const dumpOf = (name: string) => (options.dump && (!wanted || wanted.has(name)) ? new Float32Array(batch * sizeOf(shapes.get(name)!)) : null);
      const dumps = options.dump ? ops.map((op) => dumpOf(op.name)) : undefined;
      // values inside a step (Step.inner), computed apart after it while its input is still there
      const inner = options.dump ? ops.map((op) => (kernelFor(op.kind).inner?.(op) ?? []).map((v) => ({ ...v, dump: dumpOf(v.name) }))) : undefined;
      const out = new Float32Array(batch * outputSize);
      const images = Math.min(batch, batchCapacity);
      if (arena.images < images) placeArena(images);
      for (let b0 = 0; b0 < batch; b0 += images) {
        const n = Math.min(images, batch - b0);
        heap.f32().set(x.data.subarray(b0 * inputSize, (b0 + n) * inputSize), at('input') >> 2);
        pass(n, (s) => {
          for (const v of inner?.[s] ?? []) {
            if (!v.dump) continue;
            const size = v.dump.length / batch;
            const block = heap.alloc(n * size * 4 + SLACK);
            try {
              v.run(heap.kernels, { batch: n, ...geometry[s]! }, arena.operands[s]!, block);
              v.dump.set(heap.f32().subarray(block >> 2, (block >> 2) + n * size), b0 * size);
            } finally {
              heap.free(block);
            }
          }
          const dump = dumps?.[s];
          if (dump) {
            const size = dump.length / batch;
            const from = at(ops[s]!.name) >> 2;
            dump.set(heap.f32().subarray(from, from + n * size), b0 * size);
          }
        });
        const from = at(output) >> 2;
        out.set(heap.f32().subarray(from, from + n * outputSize), b0 * outputSize);
      }
      const report = (name: string, dump: Float32Array | null) => dump && options.dump!(name, new Tensor([batch, ...shapes.get(name)!], dump));
      ops.forEach((op, s) => {
        for (const v of inner?.[s] ?? []) report(v.name, v.dump);
        if (dumps) report(op.name, dumps[s]!);
      });
      return new Tensor([batch, ...outputShape], out);
    },
    profile(x: Tensor, repeats = 1) {
      check(x);
      const best = ops.map(() => Infinity);
      for (let r = 0; r < repeats; r++) {
        heap.f32().set(x.data.subarray(0, inputSize), at('input') >> 2);
        let t0 = performance.now();
        pass(1, (s) => {
          const t = performance.now();
          best[s] = Math.min(best[s]!, t - t0);
          t0 = t;
        });
      }
      return ops.map((op, s) => ({ name: op.name, kind: op.kind, ms: best[s]!, macs: op.layers.reduce((m, l) => m + l.macs, 0) }));
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      heap.free(arena.block);
      packed.release();
      pool?.forget(program);
    },
  });
}
