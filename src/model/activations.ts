// The activations a layer or a fused op may apply: each one's formula (what the reference backend
// computes, and so the oracle of every kernel) and the code the compiled kernels know it by
// (assembly/math.ts `activate4`, the WebGPU kernels' `activate`). A new activation is one entry
// here and its case beside each compiled backend's kernels.

export function sigmoidOf(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

export const ACTIVATIONS = {
  none: { code: 0, apply: (v: number) => v },
  swish: { code: 1, apply: (v: number) => v * sigmoidOf(v) },
  sigmoid: { code: 2, apply: sigmoidOf },
  // NaN fails the comparison and passes through, as in IEEE max and PyTorch's relu
  relu: { code: 3, apply: (v: number) => (v < 0 ? 0 : v) },
} as const satisfies Record<string, { code: number; apply: (v: number) => number }>;

export type Activation = keyof typeof ACTIVATIONS;

const names = Object.keys(ACTIVATIONS) as Activation[];

/** The activation's entry, or one line naming the ones there are. */
export function activationOf(activation: Activation = 'none'): (typeof ACTIVATIONS)[Activation] {
  const entry = Object.hasOwn(ACTIVATIONS, activation) ? ACTIVATIONS[activation] : undefined;
  if (!entry) throw new Error(`unknown activation '${String(activation)}' (expected ${names.join(', ')})`);
  return entry;
}

export function activate(v: number, activation: Activation = 'none'): number {
  return ACTIVATIONS[activation].apply(v);
}
