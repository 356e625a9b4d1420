import type { Layer } from '../model/layers.js';
import type { Plan } from '../model/plan.js';
import { CheckpointError } from './source.js';
import type { WeightMap } from './weights.js';

const F32_MAX = 3.4028234663852886e38;

/**
 * Refuses weights that can only make outputs NaN or infinite, before anything is compiled: a
 * non-finite value anywhere, a negative batch-norm variance, an epsilon that is not positive, or
 * batch-norm statistics whose folding into the preceding convolution (as the wasm backend folds
 * them, in float32) overflows. One line names `source` (the file) and the tensor, as `label`
 * spells it (the checkpoint's own name beside the Keras one). Missing weights are checkWeights'.
 */
export function checkWeightValues(plan: Plan, weights: WeightMap, source = 'weights', label: (name: string) => string = (n) => n): void {
  const fail = (why: string): never => {
    throw new CheckpointError(`${source}: ${why}`);
  };
  if (!(plan.epsilon > 0 && plan.epsilon < Infinity)) fail(`batch norm epsilon ${plan.epsilon} must be a positive number (metadata bn_eps or the epsilon option)`);
  const layers = new Map<string, Layer>(plan.layers.map((l) => [l.name, l]));
  for (const layer of plan.layers) {
    for (const spec of layer.weights) {
      const t = weights.get(spec.name);
      if (!t) continue;
      const first = firstNonFinite(t.data);
      if (first < 0) continue;
      let count = 0;
      for (const v of t.data) if (v - v !== 0) count++;
      fail(`${label(spec.name)} has ${count} non-finite value${count === 1 ? '' : 's'}, the first ${t.data[first]} at [${indexIn(first, t.shape)}] of [${t.shape.join(', ')}]`);
    }
    if (layer.kind !== 'batchNorm') continue;
    const eps = layer.epsilon;
    const get = (role: string) => weights.get(`${layer.name}/${role}`)?.data;
    const [gamma, beta, mean, variance] = [get('gamma'), get('beta'), get('moving_mean'), get('moving_variance')];
    if (!gamma || !beta || !mean || !variance) continue;
    const negative = variance.findIndex((v) => v < 0);
    if (negative >= 0) fail(`${label(`${layer.name}/moving_variance`)} has a negative variance ${show(variance[negative]!)} at channel ${negative}`);
    const conv = layers.get(layer.inputs[0]!);
    const kernel = conv?.kind === 'conv2d' ? weights.get(`${conv.name}/kernel`)?.data : conv?.kind === 'depthwiseConv2d' ? weights.get(`${conv.name}/depthwise_kernel`)?.data : undefined;
    const bias = conv?.kind === 'conv2d' && conv.useBias ? weights.get(`${conv.name}/bias`)?.data : undefined;
    const c = gamma.length;
    const largest = new Float64Array(c);
    let widest = 0;
    for (let ch = 0; ch < c; ch++) widest = Math.max(widest, Math.abs(gamma[ch]! / Math.sqrt(variance[ch]! + eps)));
    // a finite kernel times a scale of at most 1 cannot overflow: most layers skip the scan
    if (kernel && !(widest <= 1)) {
      for (let row = 0; row < kernel.length; row += c) {
        for (let ch = 0; ch < c; ch++) {
          const v = Math.abs(kernel[row + ch]!);
          if (v > largest[ch]!) largest[ch] = v;
        }
      }
    }
    for (let ch = 0; ch < c; ch++) {
      const scale = gamma[ch]! / Math.sqrt(variance[ch]! + eps);
      const shift = (bias ? bias[ch]! * scale : 0) + beta[ch]! - mean[ch]! * scale;
      if (Math.abs(scale) <= F32_MAX && Math.abs(shift) <= F32_MAX && largest[ch]! * Math.abs(scale) <= F32_MAX) continue;
      fail(
        `${layer.name} scales channel ${ch} by ${scale.toPrecision(3)} (gamma ${show(gamma[ch]!)} / √(variance ${show(variance[ch]!)} + epsilon ${eps}), mean ${show(mean[ch]!)}, beta ${show(beta[ch]!)})` +
          `, which overflows float32${kernel ? ` folded into ${conv!.name}` : ''}`,
      );
    }
  }
}

// The shortest decimal that reads back as the same float32.
function show(v: number): string {
  for (let digits = 1; digits < 9; digits++) {
    const text = String(Number(v.toPrecision(digits)));
    if (Math.fround(Number(text)) === v) return text;
  }
  return String(v);
}

// v·0 is 0 for every finite v and NaN for NaN and ±Infinity, so the sums stay 0 until one is
// met; four of them keep the adds independent (twice as fast as a compare per value).
function firstNonFinite(data: Float32Array): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  const n = data.length & ~3;
  for (let i = 0; i < n; i += 4) {
    s0 += data[i]! * 0;
    s1 += data[i + 1]! * 0;
    s2 += data[i + 2]! * 0;
    s3 += data[i + 3]! * 0;
  }
  for (let i = n; i < data.length; i++) s0 += data[i]! * 0;
  if (s0 + s1 + s2 + s3 === 0) return -1;
  for (let i = 0; i < data.length; i++) if (data[i]! - data[i]! !== 0) return i;
  return -1;
}

function indexIn(flat: number, shape: readonly number[]): string {
  const index: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    index.unshift(flat % shape[d]!);
    flat = Math.floor(flat / shape[d]!);
  }
  return index.join(', ');
}
