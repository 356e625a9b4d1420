import type { Plan } from '../model/plan.js';
import type { WeightSpec } from '../model/layers.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * mulberry32: a 32-bit seeded generator, small enough to re-implement anywhere (the TF.js
 * golden generator does) so that both sides draw the identical stream.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The seeded weight scheme. Weights are drawn in the plan's (= Keras's) weight order, each
 * tensor's values in row-major order of its TF layout, from u = 2·next() − 1 ∈ [−1, 1):
 *   kernel, depthwise_kernel  u · √(7 / fanIn)  (fanIn = kh·kw·cin, kh·kw, or in)
 *   bias, beta, moving_mean   0.02 · u
 *   gamma                     (1 + 0.25 · u), times 0.35 in a residual block's project_bn
 *   moving_variance           1 + 0.5 · u
 * Batch norms here do not normalise (their statistics are drawn, not measured), so each
 * residual add would multiply the signal by about (1 + branch gain): damping the branches, as
 * zero-init-residual recipes do, keeps B7's 55 blocks from exploding for any seed, while the
 * kernel gain keeps B0's 16 from fading, so every layer stays finite, non-trivial and
 * input-dependent.
 */
export function randomValue(spec: WeightSpec, u: number, residualBranch = false): number {
  switch (spec.role) {
    case 'kernel':
    case 'depthwise_kernel':
      return u * Math.sqrt(7 / fanIn(spec));
    case 'bias':
    case 'beta':
    case 'moving_mean':
      return 0.02 * u;
    case 'gamma':
      return (1 + 0.25 * u) * (residualBranch ? RESIDUAL_DAMPING : 1);
    case 'moving_variance':
      return 1 + 0.5 * u;
  }
}

const RESIDUAL_DAMPING = 0.35;

function fanIn(spec: WeightSpec): number {
  const s = spec.shape;
  if (spec.role === 'depthwise_kernel') return s[0]! * s[1]!;
  return s.slice(0, -1).reduce((a, b) => a * b, 1);
}

/** Deterministic weights for every tensor of the plan, keyed by Keras name. */
export function randomWeights(plan: Plan, seed: number): Map<string, Tensor> {
  const next = mulberry32(seed);
  const weights = new Map<string, Tensor>();
  const residualBranches = new Set(plan.layers.filter((l) => l.kind === 'add').map((l) => l.name.replace(/_add$/, '_project_bn')));
  for (const layer of plan.layers) {
    const damped = residualBranches.has(layer.name);
    for (const spec of layer.weights) {
      const t = Tensor.zeros(spec.shape);
      for (let i = 0; i < t.size; i++) t.data[i] = randomValue(spec, 2 * next() - 1, damped);
      weights.set(spec.name, t);
    }
  }
  return weights;
}

/** A seeded input in [−1, 1), NHWC. */
export function randomInput(shape: readonly number[], seed: number): Tensor {
  const next = mulberry32(seed);
  const t = Tensor.zeros(shape);
  for (let i = 0; i < t.size; i++) t.data[i] = 2 * next() - 1;
  return t;
}
