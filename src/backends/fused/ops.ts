// What a compiled backend runs: fused ops. A fused op is a run of Keras layers of the plan computed
// as one kernel call (a convolution with its batch norm, activation and residual add; the whole
// squeeze-excitation; or one layer alone), named after its last layer, the name its output is
// dumped under. This file is the whole vocabulary: for each kind, its fields (the description
// below), which layers it takes (its fusion rule, `match`), the weights it reads (`weights`) and
// what it equals when composed from the ops API (`reference`, the oracle every backend's kernel is
// tested against). A compiled backend (wasm, webgpu) supplies only a kernel per kind.
//
// Words used around it: a *step* is one fused op inside a compiled model, with its shapes and
// buffers; a backend's *kernel* is what runs a step; *packing* lays a step's weights out for that kernel.
import type { Ops } from '../backend.js';
import type { Activation } from '../../model/activations.js';
import { convOutputSize, type Conv2DLayer, type Layer, type Pads } from '../../model/layers.js';
import { Tensor } from '../../tensor/tensor.js';
import { isPointwise, singleLayer, type Matcher } from './match.js';
import { convWeights, type OpWeights, type WeightSource } from './weights.js';

export { isPointwise } from './match.js';
export type { OpWeights } from './weights.js';

/** [height, width] of a convolution's kernel. */
export type KernelSize = readonly [number, number];

interface Common {
  /** The Keras name of the op's last layer: its output's name. */
  name: string;
  /** Values it reads, by the layer that made them ('input' for the network's input). */
  inputs: readonly string[];
  /** The Keras layers it stands for, in order (none for a single call of the ops API). */
  layers: readonly Layer[];
}

/** A convolution's epilogue: its bias, its batch norm (folded into the weights when packed), its activation. */
interface Epilogue {
  activation: Activation;
  useBias: boolean;
  /** The batch-norm layer it absorbed, or null. */
  batchNorm: string | null;
}

export type FusedOp =
  | (Common & Epilogue & { kind: 'conv2d'; kernel: KernelSize; stride: number; pads: Pads; cin: number; cout: number })
  /** A 1×1 convolution, stride 1, no pads; a second input is the residual added in its store. */
  | (Common & Epilogue & { kind: 'pointwise'; cin: number; cout: number })
  | (Common & Epilogue & { kind: 'depthwiseConv2d'; kernel: KernelSize; stride: number; pads: Pads; c: number })
  /**
   * An MBConv block's expand then depthwise convolution as one op: its two parts, each as it would be
   * alone, the depthwise reading only the expand. Kernels compute it in strips of rows, so the
   * expanded tensor (6× the block's channels) never goes to memory whole. Optional: a backend
   * without a kernel for it runs the two parts (fusePlan's `kinds`).
   */
  | (Common & { kind: 'expandDepthwise'; expand: OpOf<'pointwise'>; depthwise: OpOf<'depthwiseConv2d'> })
  /**
   * A block's squeeze-excitation then its project 1×1 convolution as one op, its two parts as they
   * would be alone (the project's second input, a residual, is the op's): kernels scale the
   * channels a block of rows at a time where the GEMM reads them. Optional, as expandDepthwise.
   */
  | (Common & { kind: 'exciteProject'; squeezeExcite: OpOf<'squeezeExcite'>; project: OpOf<'pointwise'> })
  /** x · sigmoid(expand(swish(reduce(mean over h, w of x)))), per image and channel. */
  | (Common & { kind: 'squeezeExcite'; c: number; cse: number; reduce: string; expand: string; actReduce: Activation; actExpand: Activation })
  | (Common & { kind: 'batchNorm' })
  | (Common & { kind: 'activation'; activation: Activation })
  | (Common & { kind: 'globalAvgPool' })
  /** x [N, H, W, C] times a gate [N, C]. */
  | (Common & { kind: 'multiply' })
  | (Common & { kind: 'add' })
  | (Common & { kind: 'dense'; k: number; n: number; activation: Activation })
  /** Only as a single call of the ops API: no plan has one. */
  | (Common & { kind: 'softmax' });

export type Kind = FusedOp['kind'];
export type OpOf<K extends Kind> = Extract<FusedOp, { kind: K }>;

export interface FusedOpDefinition<K extends Kind> {
  /** The fusion rule: the op that starts at a layer, with the layers it takes (match.ts). */
  match?: Matcher<OpOf<K>>;
  /** Its output's shape for one image, from its first input's (both without the batch dimension). */
  outputShape(op: OpOf<K>, input: readonly number[]): number[];
  /** Its weights by role, as the checkpoint stores them (TF layouts), batch norm unfolded. */
  weights?(op: OpOf<K>, source: WeightSource): OpWeights;
  /** The op composed from the ops API, layer by layer: what its kernels must compute. */
  reference(ops: Ops, op: OpOf<K>, inputs: readonly Tensor[], w: OpWeights): Tensor;
}

const UNIT = { strides: 1, pads: [0, 0, 0, 0] as Pads };

/** [oh, ow] of a window of `kernel` sliding with `stride` over input [h, w, …] padded by `pads`. */
function windowOutput(op: { kernel: KernelSize; stride: number; pads: Pads }, [h, w]: readonly number[]): [number, number] {
  const [top, left, bottom, right] = op.pads;
  return [convOutputSize(h!, op.kernel[0], op.stride, top, bottom), convOutputSize(w!, op.kernel[1], op.stride, left, right)];
}
const same = (_op: unknown, input: readonly number[]) => [...input];

const vector = (values: Float32Array) => new Tensor([values.length], values);
const optional = (values: Float32Array | null | undefined) => (values ? vector(values) : null);

/** conv → batch norm → activation (→ residual add), each layer by its reference op. */
function epilogue(ops: Ops, op: Epilogue, y: Tensor, w: OpWeights, residual?: Tensor): Tensor {
  const bn = w.batchNorm;
  if (bn) y = ops.batchNorm(y, vector(bn.gamma), vector(bn.beta), vector(bn.mean), vector(bn.variance), bn.epsilon);
  if (op.activation !== 'none') y = ops.activation(y, op.activation);
  return residual ? ops.add(y, residual) : y;
}

/**
 * conv → batch norm → activation, the batch norm folded into the conv's weights when packed; a
 * pointwise conv also takes [dropout →] add(this, residual), the residual joining its store. A layer
 * joins only when it is its predecessor's sole reader, so every value another layer needs stays whole.
 */
function convMatcher<K extends 'conv2d' | 'pointwise' | 'depthwiseConv2d'>(kind: K): Matcher<OpOf<K>> {
  return (ctx, i) => {
    const l = ctx.layers[i]!;
    if (l.kind !== 'conv2d' && l.kind !== 'depthwiseConv2d') return undefined;
    if ((kind === 'depthwiseConv2d') !== (l.kind === 'depthwiseConv2d')) return undefined;
    const pointwise = l.kind === 'conv2d' && isPointwise(l.kernel, l.stride, l.pads);
    if (kind !== 'depthwiseConv2d' && pointwise !== (kind === 'pointwise')) return undefined;
    const group: Layer[] = [l];
    let activation: Activation = l.kind === 'conv2d' ? l.activation : 'none';
    let batchNorm: string | null = null;
    let next = ctx.follows(i + 1, l.name);
    if (next?.kind === 'batchNorm' && activation === 'none') {
      batchNorm = next.name;
      group.push(next);
      next = ctx.follows(i + group.length, next.name);
    }
    if (next?.kind === 'activation' && activation === 'none') {
      activation = next.activation;
      group.push(next);
    }
    const inputs = [ctx.resolve(l.inputs[0]!)];
    if (pointwise) {
      let last = group.at(-1)!.name;
      let j = i + group.length;
      const drop = ctx.follows(j, last);
      if (drop?.kind === 'dropout') {
        last = drop.name;
        j++;
      }
      const add = ctx.layers[j];
      if (add?.kind === 'add' && add.inputs.length === 2 && add.inputs.includes(last) && ctx.readers(last) === 1) {
        if (drop) group.push(drop);
        group.push(add);
        inputs.push(ctx.resolve(add.inputs[0] === last ? add.inputs[1]! : add.inputs[0]!));
      }
    }
    const channels = ctx.shapeOf(l.inputs[0]!)[2]!;
    const common = { name: group.at(-1)!.name, inputs, layers: group, activation, batchNorm };
    const kernel = [l.kernel, l.kernel] as const;
    const op = l.kind === 'depthwiseConv2d'
      ? { kind: 'depthwiseConv2d' as const, ...common, kernel, stride: l.stride, pads: l.pads, c: channels, useBias: false }
      : pointwise
        ? { kind: 'pointwise' as const, ...common, cin: channels, cout: l.filters, useBias: l.useBias }
        : { kind: 'conv2d' as const, ...common, kernel, stride: l.stride, pads: l.pads, cin: channels, cout: l.filters, useBias: l.useBias };
    return { op: op as OpOf<K>, taken: group.length };
  };
}

/**
 * Expanded tensors of fewer rows than this stay two ops: they fit in cache as they are, and a
 * strip split across threads would recompute a kernel's height of expanded rows at each seam, a
 * large share of a small image (28 rows, B0's 28×28 blocks, is the smallest that pays).
 */
export const EXPAND_DEPTHWISE_MIN_ROWS = 28;

/** A 1×1 expand (no residual) whose only reader is a depthwise conv: both, as one op. */
const expandDepthwiseMatcher: Matcher<OpOf<'expandDepthwise'>> = (ctx, i) => {
  const expand = FUSED_OPS.pointwise.match!(ctx, i);
  if (!expand || expand.op.inputs.length !== 1 || ctx.shapeOf(expand.op.name)[0]! < EXPAND_DEPTHWISE_MIN_ROWS) return undefined;
  const depthwise = ctx.readers(expand.op.name) === 1 ? FUSED_OPS.depthwiseConv2d.match!(ctx, i + expand.taken) : undefined;
  if (!depthwise || depthwise.op.inputs[0] !== expand.op.name) return undefined;
  const layers = [...expand.op.layers, ...depthwise.op.layers];
  return {
    op: { kind: 'expandDepthwise', name: depthwise.op.name, inputs: expand.op.inputs, layers, expand: expand.op, depthwise: depthwise.op },
    taken: expand.taken + depthwise.taken,
  };
};

/**
 * Maps of fewer pixels than this keep the squeeze-excitation and the project apart: there the
 * project GEMM splits across threads by output channels (few rows, many weights), which a fold
 * done a block of rows at a time cannot follow (B0 @224: blocks 1a–3b are folded).
 */
export const EXCITE_PROJECT_MIN_PIXELS = 256;

/** A squeeze-excitation whose only reader is a 1×1 project conv: both, as one op. */
const exciteProjectMatcher: Matcher<OpOf<'exciteProject'>> = (ctx, i) => {
  const se = FUSED_OPS.squeezeExcite.match!(ctx, i);
  if (!se) return undefined;
  const [h, w] = ctx.shapeOf(se.op.name);
  if (h! * w! < EXCITE_PROJECT_MIN_PIXELS || ctx.readers(se.op.name) !== 1) return undefined;
  const project = FUSED_OPS.pointwise.match!(ctx, i + se.taken);
  if (!project || project.op.inputs[0] !== se.op.name) return undefined;
  return {
    op: {
      kind: 'exciteProject', name: project.op.name, inputs: [...se.op.inputs, ...project.op.inputs.slice(1)],
      layers: [...se.op.layers, ...project.op.layers], squeezeExcite: se.op, project: project.op,
    },
    taken: se.taken + project.taken,
  };
};

/** se_squeeze(X) → se_reshape → se_reduce (1×1, bias) → se_expand (1×1, bias) → se_excite(X, expand). */
const squeezeExciteMatcher: Matcher<OpOf<'squeezeExcite'>> = (ctx, i) => {
  const squeeze = ctx.layers[i]!;
  if (squeeze.kind !== 'globalAvgPool') return undefined;
  const x = squeeze.inputs[0]!;
  const reshape = ctx.follows(i + 1, squeeze.name);
  const reduce = reshape && ctx.follows(i + 2, reshape.name);
  const expand = reduce && ctx.follows(i + 3, reduce.name);
  const excite = ctx.layers[i + 4];
  const unitConv = (l: Layer | undefined): l is Conv2DLayer => l?.kind === 'conv2d' && isPointwise(l.kernel, l.stride, l.pads) && l.useBias;
  if (reshape?.kind !== 'reshape' || !unitConv(reduce) || !unitConv(expand) || excite?.kind !== 'multiply') return undefined;
  if (excite.inputs[0] !== x || excite.inputs[1] !== expand.name) return undefined;
  const layers = [squeeze, reshape, reduce, expand, excite];
  return {
    op: { kind: 'squeezeExcite', name: excite.name, inputs: [ctx.resolve(x)], layers, c: expand.filters, cse: reduce.filters,
      reduce: reduce.name, expand: expand.name, actReduce: reduce.activation, actExpand: expand.activation },
    taken: layers.length,
  };
};

/**
 * Every kind, in the order its fusion rule is tried at each layer: the fused patterns first, then
 * the single layers. A new fused op is its variant above and one entry here.
 */
export const FUSED_OPS: { readonly [K in Kind]: FusedOpDefinition<K> } = {
  expandDepthwise: {
    match: expandDepthwiseMatcher,
    outputShape: (op, input) => FUSED_OPS.depthwiseConv2d.outputShape(op.depthwise, FUSED_OPS.pointwise.outputShape(op.expand, input)),
    weights: (op, source) => ({ parts: [FUSED_OPS.pointwise.weights!(op.expand, source), FUSED_OPS.depthwiseConv2d.weights!(op.depthwise, source)] }),
    reference: (ops, op, [x], w) => {
      const expanded = FUSED_OPS.pointwise.reference(ops, op.expand, [x!], w.parts![0]!);
      return FUSED_OPS.depthwiseConv2d.reference(ops, op.depthwise, [expanded], w.parts![1]!);
    },
  },
  pointwise: {
    match: convMatcher('pointwise'),
    outputShape: (op, [h, w]) => [h!, w!, op.cout],
    weights: (op, source) => convWeights(op, 'kernel', source),
    reference: (ops, op, [x, residual], w) =>
      epilogue(ops, op, ops.conv2d(x!, new Tensor([1, 1, op.cin, op.cout], w.kernel!), optional(w.bias), UNIT), w, residual),
  },
  conv2d: {
    match: convMatcher('conv2d'),
    outputShape: (op, input) => [...windowOutput(op, input), op.cout],
    weights: (op, source) => convWeights(op, 'kernel', source),
    reference: (ops, op, [x], w) =>
      epilogue(ops, op, ops.conv2d(x!, new Tensor([...op.kernel, op.cin, op.cout], w.kernel!), optional(w.bias), { strides: op.stride, pads: op.pads }), w),
  },
  depthwiseConv2d: {
    match: convMatcher('depthwiseConv2d'),
    outputShape: (op, input) => [...windowOutput(op, input), op.c],
    weights: (op, source) => convWeights(op, 'depthwise_kernel', source),
    reference: (ops, op, [x], w) =>
      epilogue(ops, op, ops.depthwiseConv2d(x!, new Tensor([...op.kernel, op.c, 1], w.kernel!), optional(w.bias), { strides: op.stride, pads: op.pads }), w),
  },
  exciteProject: {
    match: exciteProjectMatcher,
    outputShape: (op, input) => FUSED_OPS.pointwise.outputShape(op.project, input),
    weights: (op, source) => ({ parts: [FUSED_OPS.squeezeExcite.weights!(op.squeezeExcite, source), FUSED_OPS.pointwise.weights!(op.project, source)] }),
    reference: (ops, op, [x, residual], w) => {
      const excited = FUSED_OPS.squeezeExcite.reference(ops, op.squeezeExcite, [x!], w.parts![0]!);
      return FUSED_OPS.pointwise.reference(ops, op.project, residual ? [excited, residual] : [excited], w.parts![1]!);
    },
  },
  squeezeExcite: {
    match: squeezeExciteMatcher,
    outputShape: same,
    weights: (op, { get }) => ({
      kernel: get(op.reduce, 'kernel'), bias: get(op.reduce, 'bias'), expandKernel: get(op.expand, 'kernel'), expandBias: get(op.expand, 'bias'),
    }),
    // se_squeeze → se_reshape → se_reduce (1×1, bias) → se_expand (1×1, bias) → se_excite
    reference: (ops, op, [x], w) => {
      const n = x!.shape[0]!;
      const squeezed = ops.globalAvgPool(x!).reshape([n, 1, 1, op.c]);
      const reduced = ops.conv2d(squeezed, new Tensor([1, 1, op.c, op.cse], w.kernel!), vector(w.bias!), { ...UNIT, activation: op.actReduce });
      const gate = ops.conv2d(reduced, new Tensor([1, 1, op.cse, op.c], w.expandKernel!), vector(w.expandBias!), { ...UNIT, activation: op.actExpand });
      return ops.mul(x!, gate);
    },
  },
  batchNorm: {
    outputShape: same,
    match: singleLayer<OpOf<'batchNorm'>>('batchNorm', (l) => (l.kind === 'batchNorm' ? {} : undefined)),
    weights: (op, { batchNorm }) => ({ batchNorm: batchNorm(op.layers[0]!.name) }),
    reference: (ops, _op, [x], w) => {
      const bn = w.batchNorm!;
      return ops.batchNorm(x!, vector(bn.gamma), vector(bn.beta), vector(bn.mean), vector(bn.variance), bn.epsilon);
    },
  },
  activation: {
    outputShape: same,
    match: singleLayer<OpOf<'activation'>>('activation', (l) => (l.kind === 'activation' ? { activation: l.activation } : undefined)),
    reference: (ops, op, [x]) => ops.activation(x!, op.activation),
  },
  globalAvgPool: {
    outputShape: (_op, input) => [input.at(-1)!],
    match: singleLayer<OpOf<'globalAvgPool'>>('globalAvgPool', (l) => (l.kind === 'globalAvgPool' ? {} : undefined)),
    reference: (ops, _op, [x]) => ops.globalAvgPool(x!),
  },
  multiply: {
    outputShape: same,
    match: singleLayer<OpOf<'multiply'>>('multiply', (l) => (l.kind === 'multiply' ? {} : undefined)),
    reference: (ops, _op, [x, gate]) => ops.mul(x!, gate!),
  },
  add: {
    outputShape: same,
    match: singleLayer<OpOf<'add'>>('add', (l) => (l.kind === 'add' ? {} : undefined)),
    reference: (ops, _op, [a, b]) => ops.add(a!, b!),
  },
  dense: {
    outputShape: (op) => [op.n],
    match: singleLayer<OpOf<'dense'>>('dense', (l, shapeOf) => (l.kind === 'dense' ? { k: shapeOf(l.inputs[0]!).at(-1)!, n: l.units, activation: l.activation } : undefined)),
    weights: (op, { get }) => ({ kernel: get(op.name, 'kernel'), bias: get(op.name, 'bias') }),
    reference: (ops, op, [x], w) => {
      const y = ops.dense(x!, new Tensor([op.k, op.n], w.kernel!), optional(w.bias));
      return op.activation === 'none' ? y : ops.activation(y, op.activation);
    },
  },
  softmax: {
    outputShape: same,
    reference: (ops, _op, [x]) => ops.softmax(x!),
  },
};

/** The definition of an op's kind, typed by it. */
export function definitionOf<K extends Kind>(kind: K): FusedOpDefinition<K> {
  return FUSED_OPS[kind];
}

/** The fused op composed from the ops API: each of its layers by its reference op, in order. */
export function referenceOf(ops: Ops, op: FusedOp, inputs: readonly Tensor[], w: OpWeights): Tensor {
  return definitionOf(op.kind).reference(ops, op, inputs, w);
}
