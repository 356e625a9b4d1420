import type { CompileOptions, CompiledModel, RunOptions, StepProfile } from '../backend.js';
import { planArena } from '../arena.js';
import { fusePlan } from '../fused/fuse.js';
import type { FusedOp } from '../fused/ops.js';
import type { Plan } from '../../model/plan.js';
import { Tensor, sizeOf } from '../../tensor/tensor.js';
import { checkWeights, type WeightMap } from '../../weights/weights.js';
import { alive, guarded, MAP_READ, settled, USAGE, type GpuContext } from './device.js';
import type { Geometry } from './kernels/kernel.js';
import { GPU_KINDS, gpuKernelFor } from './kernels/table.js';
import { buildProgram, encodeSteps, uploadable, type Program } from './program.js';
import { profileSteps } from './profile.js';
import { GpuWeights, mib } from './resources.js';

export interface WebGpuCompileOptions extends CompileOptions {
  /**
   * Bytes one pass's arena may take, below the device's own limit (maxStorageBufferBindingSize,
   * maxBufferSize): a lower value makes smaller passes (tests force a batch split with it).
   */
  maxArenaBytes?: number;
}

/** A plan compiled for the GPU. */
export interface WebGpuCompiledModel extends CompiledModel {
  readonly ops: readonly FusedOp[];
  /** Images one pass holds (the arena fits that many within the adapter's binding limit). */
  readonly batchCapacity: number;
  /** Packed weights (shared with plans of other input sizes), the arena as now sized, and an arena of one image, in bytes. */
  readonly memory: { weightBytes: number; arenaBytes: number; arenaBytesPerImage: number };
  /** Where profileAsync's times come from: GPU timestamp queries, or one submit a step timed on the CPU. */
  readonly profileSource: 'timestamp-query' | 'submit-per-step';
  /** Dispatches one pass encodes (a run of N images has ⌈N / batchCapacity⌉ passes). */
  readonly dispatchesPerPass: number;
  readonly weights: GpuWeights;
  /** Settles when the weights are uploaded and every shader compiled; rejects with what the GPU refused. */
  readonly ready: Promise<void>;
  /** Each fused op's fastest time over `repeats` runs of the first image of x, with its multiply-adds. */
  profileAsync(x: Tensor, repeats?: number): Promise<(StepProfile & { kind: FusedOp['kind'] })[]>;
}

/** Images per pass at most, as on wasm: beyond 8 the GEMMs' rows no longer help. */
const MAX_IMAGES = 8;
/** Bytes: an arena value starts where a copy and a binding may (WebGPU's offset alignments). */
const ALIGN = 256;
const aligned = (floats: number) => Math.ceil((floats * 4) / ALIGN) * ALIGN;

/**
 * Compiles a plan for the GPU: the same fused ops as wasm (fusePlan), each run by its entry of the
 * webgpu op table; weights packed and uploaded once; every value of a pass in one arena buffer
 * planned from the values' lifetimes (arena.ts); parameters and bind groups made once per pass
 * size. A run is one command encoder, one submit and one mapAsync: the batch is written once, each
 * pass of up to batchCapacity images copies its images into the arena, runs every dispatch and
 * copies its output (and any dumped steps) into one staging buffer, read back once.
 */
export function compileWebGpu(context: GpuContext, plan: Plan, weightMap: WeightMap, options: WebGpuCompileOptions = {}): WebGpuCompiledModel {
  checkWeights(plan, weightMap);
  alive(context);
  const { device, limits } = context;
  const { ops, aliases } = fusePlan(plan, GPU_KINDS);
  const shapes = new Map<string, readonly number[]>([['input', plan.inputShape]]);
  for (const l of plan.layers) shapes.set(l.name, l.shape);
  const last = plan.layers.at(-1)!.name;
  const output = aliases.get(last) ?? last;
  const outputShape = shapes.get(last)!;
  const inputFloats = sizeOf(plan.inputShape), outputFloats = sizeOf(outputShape);
  const floatsOf = (name: string) => sizeOf(shapes.get(name)!);
  const geometry = (op: FusedOp, images: number): Geometry => ({ images, input: shapes.get(op.inputs[0]!)!, output: shapes.get(op.name)! });

  // Values: each op's output gets a place, except where its kernel may write over its input
  // (inPlace) and nothing reads that input afterwards; a step's scratch lives for that step.
  const lastRead = new Map<string, number>();
  ops.forEach((op, s) => op.inputs.forEach((name) => lastRead.set(name, s)));
  const values: { name: string; first: number; last: number; floats: (images: number) => number }[] = [];
  const valueOf = new Map<string, number>();
  const place = (name: string, first: number, floats: (images: number) => number) => valueOf.set(name, values.push({ name, first, last: first, floats }) - 1);
  place('input', -1, (n) => n * inputFloats);
  ops.forEach((op, s) => {
    for (const name of op.inputs) values[valueOf.get(name)!]!.last = s;
    const kernel = gpuKernelFor(op.kind);
    if (kernel.inPlace && lastRead.get(op.inputs[0]!) === s) valueOf.set(op.name, valueOf.get(op.inputs[0]!)!);
    else place(op.name, s, (n) => n * floatsOf(op.name));
    if (kernel.scratchFloats) place(`${op.name}#scratch`, s, (n) => kernel.scratchFloats!(op, geometry(op, n)));
  });
  values[valueOf.get(output)!]!.last = ops.length;
  /** Each value's float offset in the arena of a pass of `images` images, and the arena's bytes. */
  const arenaFor = (images: number) => {
    const planned = planArena(values.map((v) => ({ bytes: aligned(v.floats(images)), first: v.first, last: v.last })), ALIGN);
    return { at: (name: string) => planned.offsets[valueOf.get(name)!]! / 4, bytes: Math.max(ALIGN, planned.bytes) };
  };

  const deviceLimit = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const arenaLimit = Math.min(deviceLimit, options.maxArenaBytes ?? Infinity);
  const oneImage = arenaFor(1).bytes;
  if (oneImage > arenaLimit) {
    const which = arenaLimit < deviceLimit ? 'maxArenaBytes' : limits.maxStorageBufferBindingSize <= limits.maxBufferSize ? 'maxStorageBufferBindingSize' : 'maxBufferSize';
    throw new Error(`${plan.coefficients.name} at ${plan.resolution}×${plan.resolution} needs ${mib(oneImage)} of activations for one image; this GPU binds at most ${mib(arenaLimit)} (${which})`);
  }
  let batchCapacity = 1;
  while (batchCapacity < MAX_IMAGES && arenaFor(batchCapacity + 1).bytes <= arenaLimit) batchCapacity++;

  const shared = (options.share as Partial<WebGpuCompiledModel> | undefined)?.weights;
  if (shared && shared.map !== weightMap) throw new Error('share: that model was compiled from other weights');
  const weights = shared ?? new GpuWeights(context, weightMap);

  // The weights and the one-image program are made now, in error scopes: what the GPU refuses
  // (memory, a shader) rejects `ready`, which every run awaits first.
  let arena: { buffer: GPUBuffer; images: number } | undefined;
  const programs = new Map<number, { program: Program; at: (name: string) => number }>();
  let blocks: ReturnType<GpuWeights['acquire']> | undefined;
  const forget = () => {
    for (const p of programs.values()) p.program.destroy();
    programs.clear();
    arena?.buffer.destroy();
    arena = undefined;
  };
  /** The program for passes of `images` images; the arena grows (and programs are remade) when it must. */
  const programFor = (images: number) => {
    let made = programs.get(images);
    if (made) return made;
    if (!arena || arena.images < images) {
      const { bytes } = arenaFor(images);
      const buffer = device.createBuffer({ size: bytes, usage: USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST });
      forget();
      arena = { buffer, images };
    }
    // offsets as planned for the arena's capacity: a smaller pass uses the start of each place
    const { at } = arenaFor(arena.images);
    const program = buildProgram(context, arena.buffer, ops.map((op, s) => ({
      op,
      geometry: geometry(op, images),
      at: { x: at(op.inputs[0]!), y: op.inputs[1] ? at(op.inputs[1]) : 0, out: at(op.name), scratch: valueOf.has(`${op.name}#scratch`) ? at(`${op.name}#scratch`) : 0 },
      weights: blocks?.[s] ?? null,
    })));
    programs.set(images, (made = { program, at }));
    return made;
  };
  const ready = guarded(context, `compiling ${plan.coefficients.name} for the GPU`, () => {
    blocks = weights.acquire(plan, ops);
    return programFor(1).program.dispatches;
  });
  ready.catch(() => {});

  let input: GPUBuffer | undefined;
  let disposed = false;
  const check = (x: Tensor) => {
    if (disposed) throw new Error('this compiled model was disposed');
    alive(context);
    const [, h, w, c] = x.shape;
    const [ph, pw, pc] = plan.inputShape;
    if (x.rank !== 4 || h !== ph || w !== pw || c !== pc) throw new Error(`input [${x.shape.join(', ')}] does not fit the plan's [N, ${plan.inputShape.join(', ')}]`);
  };
  /** The batch in the input buffer (made larger when it must be). */
  const upload = (x: Tensor) => {
    if (!input || input.size < x.data.byteLength) {
      input?.destroy();
      input = device.createBuffer({ size: Math.max(ALIGN, x.data.byteLength), usage: USAGE.COPY_SRC | USAGE.COPY_DST });
    }
    device.queue.writeBuffer(input, 0, uploadable(x.data));
    return input;
  };
  const fits = (bytes: number, what: string) => {
    if (bytes > limits.maxBufferSize) throw new Error(`${what} needs a buffer of ${mib(bytes)}; this GPU's maxBufferSize is ${mib(limits.maxBufferSize)}: pass fewer images`);
  };

  const predict = async (x: Tensor, options: RunOptions = {}): Promise<Tensor> => {
    check(x);
    await ready;
    const batch = x.shape[0]!;
    const wanted = options.dumpLayers && new Set(options.dumpLayers);
    const dumped = ops.map((op) => options.dump !== undefined && (!wanted || wanted.has(op.name)));
    // the staging buffer: the output of every image, then each dumped step's output of every image
    const dumpAt: number[] = [];
    let floats = batch * outputFloats;
    ops.forEach((op, s) => {
      dumpAt.push(floats);
      if (dumped[s]) floats += batch * floatsOf(op.name);
    });
    if (batch === 0) return new Tensor([0, ...outputShape]);
    fits(x.data.byteLength, `a batch of ${batch} images`);
    fits(floats * 4, options.dump ? `a batch of ${batch} images with its dumped steps` : `a batch of ${batch} images' output`);
    let staging: GPUBuffer | undefined;
    // (the map's promise goes back wrapped: guarded would await a bare one)
    const { mapped } = await guarded(context, 'running the model on the GPU', () => {
      const source = upload(x);
      staging = device.createBuffer({ size: Math.max(ALIGN, floats * 4), usage: USAGE.MAP_READ | USAGE.COPY_DST });
      const encoder = device.createCommandEncoder();
      for (let b0 = 0; b0 < batch; b0 += batchCapacity) {
        const images = Math.min(batchCapacity, batch - b0);
        const { program, at } = programFor(images);
        const arenaBuffer = arena!.buffer;
        encoder.copyBufferToBuffer(source, b0 * inputFloats * 4, arenaBuffer, at('input') * 4, images * inputFloats * 4);
        let pass = encoder.beginComputePass();
        for (let s = 0; s < ops.length; s++) {
          encodeSteps(pass, program, s, s + 1);
          if (!dumped[s]) continue;
          // a value's place is reused by later steps: copy it out as soon as it is made
          pass.end();
          const size = floatsOf(ops[s]!.name);
          encoder.copyBufferToBuffer(arenaBuffer, at(ops[s]!.name) * 4, staging!, (dumpAt[s]! + b0 * size) * 4, images * size * 4);
          pass = encoder.beginComputePass();
        }
        pass.end();
        encoder.copyBufferToBuffer(arenaBuffer, at(output) * 4, staging!, b0 * outputFloats * 4, images * outputFloats * 4);
      }
      device.queue.submit([encoder.finish()]);
      const mapped = staging!.mapAsync(MAP_READ);
      mapped.catch(() => {});
      return { mapped };
    }).catch((e: unknown) => {
      // a run the GPU refused leaves nothing behind: the next one makes its arena and programs anew
      staging?.destroy();
      forget();
      throw e;
    });
    let data: Float32Array;
    try {
      await settled(context, mapped);
      data = new Float32Array(staging!.getMappedRange().slice(0, floats * 4));
      staging!.unmap();
    } finally {
      staging!.destroy();
    }
    poisonNonFinite(x, data, batch, inputFloats, [{ at: 0, size: outputFloats }, ...ops.flatMap((op, s) => (dumped[s] ? [{ at: dumpAt[s]!, size: floatsOf(op.name) }] : []))]);
    ops.forEach((op, s) => {
      if (dumped[s]) options.dump!(op.name, new Tensor([batch, ...shapes.get(op.name)!], data.subarray(dumpAt[s]!, dumpAt[s]! + batch * floatsOf(op.name))));
    });
    return new Tensor([batch, ...outputShape], data.subarray(0, batch * outputFloats));
  };

  const model: WebGpuCompiledModel = {
    ops,
    weights,
    batchCapacity,
    ready: ready.then(() => undefined),
    profileSource: context.timestamps ? 'timestamp-query' : 'submit-per-step',
    dispatchesPerPass: ops.reduce((n, op) => n + gpuKernelFor(op.kind).dispatches(op, geometry(op, 1), { x: 0, y: 0, out: 0, scratch: 0 }, context.target).length, 0),
    steps: ops.map((op) => ({ name: op.name, layers: op.layers.map((l) => l.name) })),
    get memory() {
      return { weightBytes: weights.bytes, arenaBytes: arena?.buffer.size ?? 0, arenaBytesPerImage: oneImage };
    },
    run(): Tensor {
      throw new Error('the webgpu backend runs asynchronously: use await model.predict(x)');
    },
    predict,
    profile(): StepProfile[] {
      throw new Error('the webgpu backend runs asynchronously: use await model.profileAsync(x)');
    },
    async profileAsync(x: Tensor, repeats = 1) {
      check(x);
      await ready;
      const one = new Tensor([1, ...plan.inputShape], x.data.subarray(0, inputFloats));
      const best = ops.map(() => Infinity);
      for (let r = 0; r < repeats; r++) {
        const times = await profileSteps(context, `profiling ${plan.coefficients.name} on the GPU`, ops.length, (encoder) => {
          const { program, at } = programFor(1);
          encoder.copyBufferToBuffer(upload(one), 0, arena!.buffer, at('input') * 4, inputFloats * 4);
          return program;
        });
        times.forEach((ms, s) => (best[s] = Math.min(best[s]!, ms)));
      }
      return ops.map((op, s) => ({ name: op.name, kind: op.kind, ms: best[s]!, macs: op.layers.reduce((m, l) => m + l.macs, 0) }));
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      forget();
      input?.destroy();
      if (blocks) weights.release();
    },
  };
  return model;
}

/**
 * WGSL lets a GPU assume no NaN or infinity reaches its arithmetic (max and exp may drop a NaN),
 * so an image whose input is not finite gets NaN for every value it returns, as the arithmetic
 * would give it through the squeeze-excitations' means: never a finite answer from a NaN. A
 * finite input whose values overflow on the way keeps what the GPU computed.
 */
function poisonNonFinite(x: Tensor, data: Float32Array, batch: number, inputFloats: number, regions: { at: number; size: number }[]): void {
  for (let b = 0; b < batch; b++) {
    const image = x.data.subarray(b * inputFloats, (b + 1) * inputFloats);
    let finite = true;
    for (let i = 0; i < image.length && finite; i++) finite = Number.isFinite(image[i]!);
    if (finite) continue;
    for (const r of regions) data.fill(NaN, r.at + b * r.size, r.at + (b + 1) * r.size);
  }
}
