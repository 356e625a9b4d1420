// A fused op's weights as the checkpoint stores them (TF layouts), by role, and the one transform
// every compiled backend applies before packing: the batch norm folded into the convolution.
import type { BatchNormLayer } from '../../model/layers.js';
import type { Plan } from '../../model/plan.js';
import { getWeight, type WeightMap } from '../../weights/weights.js';

/** Batch norm statistics of one layer, per channel. */
export interface BatchNormParams {
  gamma: Float32Array;
  beta: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
  epsilon: number;
}

/** The unpacked weights of one op, by role. */
export interface OpWeights {
  kernel?: Float32Array;
  bias?: Float32Array | null;
  /** Folded into the kernel at pack time. */
  batchNorm?: BatchNormParams | null;
  /** Squeeze-excitation's second 1×1 convolution. */
  expandKernel?: Float32Array;
  expandBias?: Float32Array;
  /** A composite op's weights: each of its part ops' own, in order (ops.ts, expandDepthwise). */
  parts?: readonly OpWeights[];
}

/** Where a fused op's definition reads its weights: `<layer>/<role>` of a plan's weight map. */
export interface WeightSource {
  get(layer: string, role: string): Float32Array;
  batchNorm(layer: string): BatchNormParams;
}

export function weightSource(plan: Plan, weights: WeightMap): WeightSource {
  const layers = new Map(plan.layers.map((l) => [l.name, l]));
  const get = (layer: string, role: string) => getWeight(weights, `${layer}/${role}`).data;
  return {
    get,
    batchNorm: (layer) => ({
      gamma: get(layer, 'gamma'), beta: get(layer, 'beta'), mean: get(layer, 'moving_mean'), variance: get(layer, 'moving_variance'),
      epsilon: (layers.get(layer) as BatchNormLayer).epsilon,
    }),
  };
}

/**
 * What an op's packed weights depend on, as a key: its kind and its layers' weights, which a plan of
 * another input size names alike; not the pads, stride or shapes that size brings. Backends pack
 * once per key, so every plan of a model shares its packed weights.
 */
export function packingKey(op: { kind: string; layers: readonly { name: string }[] }): string {
  return `${op.kind}:${op.layers.map((l) => l.name).join(',')}`;
}

/** A convolution's weights: its kernel (stored under `role`), its bias if it has one, its batch norm. */
export function convWeights(
  op: { layers: readonly { name: string }[]; batchNorm: string | null; useBias: boolean }, role: 'kernel' | 'depthwise_kernel', source: WeightSource,
): OpWeights {
  const layer = op.layers[0]!.name;
  return { kernel: source.get(layer, role), bias: op.useBias ? source.get(layer, 'bias') : null, batchNorm: op.batchNorm ? source.batchNorm(op.batchNorm) : null };
}

/** y = x·scale + shift with scale = γ/√(var + ε), shift = β − mean·scale, in float64. */
export function batchNormAffine(bn: BatchNormParams): { scale: Float64Array; shift: Float64Array } {
  const c = bn.gamma.length;
  const scale = new Float64Array(c), shift = new Float64Array(c);
  for (let i = 0; i < c; i++) {
    scale[i] = bn.gamma[i]! / Math.sqrt(bn.variance[i]! + bn.epsilon);
    shift[i] = bn.beta[i]! - bn.mean[i]! * scale[i]!;
  }
  return { scale, shift };
}

/**
 * bn(conv(x) + b) = conv'(x) + b' with conv' = conv·scale per output channel and
 * b' = b·scale + shift. The output channel is the kernel's fastest axis in every TF layout
 * we fold into (HWIO conv, [kh, kw, C, 1] depthwise), so it is index % channels.
 */
export function foldBatchNorm(kernel: Float32Array, bias: Float32Array | null, bn: BatchNormParams): { kernel: Float32Array; bias: Float32Array } {
  const { scale, shift } = batchNormAffine(bn);
  const c = scale.length;
  const folded = new Float32Array(kernel.length);
  for (let i = 0; i < kernel.length; i++) folded[i] = kernel[i]! * scale[i % c]!;
  const b = new Float32Array(c);
  for (let i = 0; i < c; i++) b[i] = (bias ? bias[i]! : 0) * scale[i]! + shift[i]!;
  return { kernel: folded, bias: b };
}

/** The kernel and bias with the batch norm folded in (foldBatchNorm), or as they are without one. */
export function folded(w: OpWeights): { kernel: Float32Array; bias: Float32Array | null } {
  return w.batchNorm ? foldBatchNorm(w.kernel!, w.bias ?? null, w.batchNorm) : { kernel: w.kernel!, bias: w.bias ?? null };
}
