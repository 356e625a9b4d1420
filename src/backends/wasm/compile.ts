import type { CompiledModel, RunOptions, StepProfile } from '../backend.js';
import type { BatchNormLayer, Layer } from '../../model/layers.js';
import type { Plan } from '../../model/plan.js';
import { Tensor, sizeOf } from '../../tensor/tensor.js';
import { checkWeights, getWeight, type WeightMap } from '../../weights/weights.js';
import { planArena, type Interval } from './arena.js';
import { fusePlan, type FusedOp } from './fuse.js';
import { SLACK, align, type Heap } from './heap.js';
import { activationCode, seScratchFloats } from './ops.js';
import { batchNormAffine, foldBatchNorm, packAffine, packConv, packDense, packDepthwise, packPointwise, packSqueezeExcite, type BatchNormParams } from './pack.js';

/** A plan compiled for the wasm kernels; `memory` says what it holds in linear memory. */
export interface WasmCompiledModel extends CompiledModel {
  readonly ops: readonly FusedOp[];
  readonly memory: { weightBytes: number; arenaBytes: number; scratchBytes: number };
  /** Each fused op's fastest time over `repeats` runs of the first image of x, with its multiply-adds. */
  profile(x: Tensor, repeats?: number): (StepProfile & { kind: FusedOp['kind'] })[];
}

/**
 * Compiles a plan: fuses its layers into kernel calls (fuse.ts), folds batch norms and packs
 * every op's weights into one block, and places every intermediate value in an arena planned
 * from the values' lifetimes (arena.ts), so buffers are reused across layers. Images of a batch
 * run one after another through the same arena: after compile, running allocates nothing in
 * linear memory.
 */
export function compileWasm(heap: Heap, plan: Plan, weights: WeightMap): WasmCompiledModel {
  checkWeights(plan, weights);
  const { ops, aliases } = fusePlan(plan);
  const shapes = new Map<string, readonly number[]>([['input', plan.inputShape]]);
  for (const l of plan.layers) shapes.set(l.name, l.shape);

  // Weights: every op's packed weights back to back, each 64-byte aligned.
  const packed = ops.map((op) => packOp(op, weights));
  const weightAt: number[] = [];
  let weightBytes = 0;
  for (const p of packed) {
    weightAt.push(weightBytes);
    weightBytes += p ? align(p.length * 4) : 0;
  }

  // Values: each op's output gets a buffer, except squeeze-excite, which scales its input in
  // place when nothing reads that input afterwards.
  const lastRead = new Map<string, number>();
  ops.forEach((op, s) => op.inputs.forEach((name) => lastRead.set(name, s)));
  const output = aliases.get(plan.layers.at(-1)!.name) ?? plan.layers.at(-1)!.name;
  const buffers: Interval[] = [];
  const bufferOf = new Map<string, number>();
  const newBuffer = (name: string, first: number) => {
    bufferOf.set(name, buffers.length);
    buffers.push({ bytes: align(sizeOf(shapes.get(name)!) * 4 + SLACK), first, last: first });
  };
  newBuffer('input', -1);
  ops.forEach((op, s) => {
    for (const name of op.inputs) {
      const b = buffers[bufferOf.get(name)!]!;
      b.last = Math.max(b.last, s);
    }
    if (op.kind === 'squeezeExcite' && lastRead.get(op.inputs[0]) === s) bufferOf.set(op.name, bufferOf.get(op.inputs[0])!);
    else newBuffer(op.name, s);
  });
  buffers[bufferOf.get(output)!]!.last = ops.length;
  const arena = planArena(buffers);

  const scratchFloats = Math.max(0, ...ops.map((op) => (op.kind === 'squeezeExcite' ? seScratchFloats(op.c, op.cse) : 0)));
  const scratchBytes = align(scratchFloats * 4);
  const block = heap.alloc(weightBytes + arena.bytes + scratchBytes);
  packed.forEach((p, s) => p && heap.write(block + weightAt[s]!, p));
  const arenaBase = block + weightBytes;
  const scratch = arenaBase + arena.bytes;
  const at = (name: string) => arenaBase + arena.offsets[bufferOf.get(name)!]!;

  const steps = ops.map((op, s) => stepFor(heap, op, shapes, at, block + weightAt[s]!, scratch));
  const inputAt = at('input');
  const outputAt = at(output);
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

  return {
    ops,
    steps: ops.map((op) => ({ name: op.name, layers: op.layers.map((l) => l.name) })),
    memory: { weightBytes, arenaBytes: arena.bytes, scratchBytes },
    run(x: Tensor, options: RunOptions = {}): Tensor {
      check(x);
      const batch = x.shape[0]!;
      const wanted = options.dumpLayers && new Set(options.dumpLayers);
      const dumps = options.dump ? ops.map((op) => (!wanted || wanted.has(op.name) ? new Float32Array(batch * sizeOf(shapes.get(op.name)!)) : null)) : undefined;
      const out = new Float32Array(batch * outputSize);
      for (let b = 0; b < batch; b++) {
        heap.f32().set(x.data.subarray(b * inputSize, (b + 1) * inputSize), inputAt >> 2);
        for (let s = 0; s < steps.length; s++) {
          steps[s]!();
          if (dumps?.[s]) {
            const size = dumps[s]!.length / batch;
            dumps[s]!.set(heap.f32().subarray(at(ops[s]!.name) >> 2, (at(ops[s]!.name) >> 2) + size), b * size);
          }
        }
        out.set(heap.f32().subarray(outputAt >> 2, (outputAt >> 2) + outputSize), b * outputSize);
      }
      if (dumps) ops.forEach((op, s) => dumps[s] && options.dump!(op.name, new Tensor([batch, ...shapes.get(op.name)!], dumps[s])));
      return new Tensor([batch, ...outputShape], out);
    },
    profile(x: Tensor, repeats = 1) {
      check(x);
      const best = steps.map(() => Infinity);
      for (let r = 0; r < repeats; r++) {
        heap.f32().set(x.data.subarray(0, inputSize), inputAt >> 2);
        steps.forEach((step, s) => {
          const t0 = performance.now();
          step();
          best[s] = Math.min(best[s]!, performance.now() - t0);
        });
      }
      return ops.map((op, s) => ({ name: op.name, kind: op.kind, ms: best[s]!, macs: op.layers.reduce((m, l) => m + l.macs, 0) }));
    },
    dispose(): void {
      if (!disposed) heap.free(block);
      disposed = true;
    },
  };
}

function batchNormOf(layer: Layer | undefined, weights: WeightMap): BatchNormParams {
  const bn = layer as BatchNormLayer;
  const w = (role: string) => getWeight(weights, `${bn.name}/${role}`).data;
  return { gamma: w('gamma'), beta: w('beta'), mean: w('moving_mean'), variance: w('moving_variance'), epsilon: bn.epsilon };
}

function packOp(op: FusedOp, weights: WeightMap): Float32Array | null {
  const w = (name: string) => getWeight(weights, name).data;
  switch (op.kind) {
    case 'conv2d': {
      const conv = op.layers[0]!.name;
      let kernel = w(`${conv}/kernel`);
      let bias = op.useBias ? w(`${conv}/bias`) : null;
      if (op.batchNorm) ({ kernel, bias } = foldBatchNorm(kernel, bias, batchNormOf(op.layers[1], weights)));
      return isPointwise(op)
        ? packPointwise(kernel, bias, op.cin, op.cout)
        : packConv(kernel, bias, op.kernel, op.kernel, op.cin, op.cout);
    }
    case 'depthwiseConv2d': {
      let kernel = w(`${op.layers[0]!.name}/depthwise_kernel`);
      let bias: Float32Array | null = null;
      if (op.batchNorm) ({ kernel, bias } = foldBatchNorm(kernel, bias, batchNormOf(op.layers[1], weights)));
      return packDepthwise(kernel, bias, op.kernel, op.kernel, op.c);
    }
    case 'squeezeExcite':
      return packSqueezeExcite(w(`${op.reduce}/kernel`), w(`${op.reduce}/bias`), w(`${op.expand}/kernel`), w(`${op.expand}/bias`), op.c, op.cse);
    case 'batchNorm': {
      const { scale, shift } = batchNormAffine(batchNormOf(op.layers[0], weights));
      return packAffine(scale, shift);
    }
    case 'dense':
      return packDense(w(`${op.name}/kernel`), w(`${op.name}/bias`), op.layers[0]!.weights[0]!.shape[0]!, op.layers[0]!.shape[0]!);
    default:
      return null;
  }
}

function isPointwise(op: FusedOp & { kind: 'conv2d' }): boolean {
  return op.kernel === 1 && op.stride === 1 && op.pads.every((p) => p === 0);
}

// One closure per op with its addresses bound, so a run is a plain loop of kernel calls.
function stepFor(
  heap: Heap, op: FusedOp, shapes: Map<string, readonly number[]>, at: (name: string) => number, wp: number, scratch: number,
): () => void {
  const k = heap.kernels;
  const inShape = shapes.get(op.layers[0]!.inputs[0]!)!;
  const [h = 1, w = 1] = inShape.length === 3 ? inShape : [1, 1];
  const c = inShape.at(-1)!;
  const x = at(op.inputs[0]!), out = at(op.name);
  const size = sizeOf(shapes.get(op.name)!);
  switch (op.kind) {
    case 'conv2d': {
      const act = activationCode(op.activation);
      if (isPointwise(op)) {
        const residual = op.inputs[1] ? at(op.inputs[1]) : 0;
        return () => k.pointwise(x, h * w, op.cin, wp, op.cout, out, act, residual);
      }
      const [oh, ow] = shapes.get(op.layers[0]!.name)!;
      return () => k.conv2d(x, h, w, op.cin, wp, op.cout, op.kernel, op.kernel, op.stride, op.pads[0], op.pads[1], out, oh!, ow!, act, 0, oh!);
    }
    case 'depthwiseConv2d': {
      const act = activationCode(op.activation);
      const [oh, ow] = shapes.get(op.name)!;
      return () => k.depthwiseConv2d(x, h, w, op.c, wp, op.kernel, op.kernel, op.stride, op.pads[0], op.pads[1], out, oh!, ow!, act, 0, oh!);
    }
    case 'squeezeExcite': {
      const ar = activationCode(op.actReduce), ae = activationCode(op.actExpand);
      return () => k.squeezeExcite(x, h * w, op.c, wp, op.cse, out, scratch, ar, ae);
    }
    case 'batchNorm': {
      const c4 = Math.ceil(c / 4) * 4;
      return () => k.affine(x, size / c, c, wp, wp + c4 * 4, out);
    }
    case 'activation': {
      const act = activationCode(op.activation);
      return () => k.activate(x, out, size, act);
    }
    case 'globalAvgPool':
      return () => k.channelMeans(x, h * w, c, out);
    case 'multiply': {
      const s = at(op.inputs[1]!);
      return () => k.scaleChannels(x, h * w, c, s, out);
    }
    case 'add': {
      const y = at(op.inputs[1]!);
      return () => k.add(x, y, out, size);
    }
    case 'dense': {
      const act = activationCode(op.activation);
      const units = shapes.get(op.name)![0]!;
      return () => k.dense(x, 1, c, wp, units, out, act);
    }
  }
}
