// Compound scaling (Tan & Le 2019, arXiv 1905.11946, §3.3, Eq. 3): one coefficient φ scales
// depth, width and resolution together, d = α^φ, w = β^φ, r = γ^φ, with α·β²·γ² ≈ 2 so that
// FLOPs grow by about 2^φ. Why all three: §3.2 and Figure 3 show each dimension alone saturates
// (Observation 1); §3.3 and Figure 4 that balancing them wins at equal FLOPs (Observation 2).
// α, β, γ come from a small grid search at φ = 1 (§4, step 1), which grid.ts re-runs for cost.

export const ALPHA = 1.2; // depth
export const BETA = 1.1; // width
export const GAMMA = 1.15; // resolution
export const BASE_RESOLUTION = 224;
/** Channel counts are whole multiples of this (Keras calls it depth_divisor: "depth" there means channels). */
export const CHANNEL_DIVISOR = 8;

export interface ScalingCoefficients {
  /** Name shown in summaries: `b0`…`b7` or `phi=X`. */
  name: string;
  width: number;
  depth: number;
  resolution: number;
  dropout: number;
}

export type VariantName = 'b0' | 'b1' | 'b2' | 'b3' | 'b4' | 'b5' | 'b6' | 'b7';
export type Variant = VariantName | { phi: number } | ScalingCoefficients;

// The shipped B1–B7 were set by hand in the official builder (efficientnet_params), not
// computed as α^φ: (width, depth, resolution, dropout).
export const VARIANTS: Readonly<Record<VariantName, ScalingCoefficients>> = {
  b0: { name: 'b0', width: 1.0, depth: 1.0, resolution: 224, dropout: 0.2 },
  b1: { name: 'b1', width: 1.0, depth: 1.1, resolution: 240, dropout: 0.2 },
  b2: { name: 'b2', width: 1.1, depth: 1.2, resolution: 260, dropout: 0.3 },
  b3: { name: 'b3', width: 1.2, depth: 1.4, resolution: 300, dropout: 0.3 },
  b4: { name: 'b4', width: 1.4, depth: 1.8, resolution: 380, dropout: 0.4 },
  b5: { name: 'b5', width: 1.6, depth: 2.2, resolution: 456, dropout: 0.4 },
  b6: { name: 'b6', width: 1.8, depth: 2.6, resolution: 528, dropout: 0.5 },
  b7: { name: 'b7', width: 2.0, depth: 3.1, resolution: 600, dropout: 0.5 },
};

export interface CompoundConstants {
  alpha: number;
  beta: number;
  gamma: number;
}

/** The paper's formulas (Eq. 3) for any φ; resolution rounded to a multiple of 8. Other
 *  constants than the paper's α, β, γ serve the grid search (grid.ts). */
export function compoundScaling(phi: number, constants: CompoundConstants = { alpha: ALPHA, beta: BETA, gamma: GAMMA }): ScalingCoefficients {
  if (!Number.isFinite(phi)) throw new Error(`phi must be a finite number, got ${phi}`);
  const depth = constants.alpha ** phi;
  const width = constants.beta ** phi;
  const resolution = Math.max(8, Math.round((BASE_RESOLUTION * constants.gamma ** phi) / 8) * 8);
  return { name: `phi=${phi}`, width, depth, resolution, dropout: 0.2 };
}

/** α·β²·γ²: the FLOPs growth per unit of φ that the grid search constrained to ≈ 2. FLOPs of a
 *  conv net grow as d·w²·r² (§3.3: doubling depth doubles FLOPs, doubling width or resolution
 *  quadruples them). */
export function flopsBase(): number {
  return ALPHA * BETA ** 2 * GAMMA ** 2;
}

export function resolveVariant(variant: Variant): ScalingCoefficients {
  if (typeof variant === 'string') {
    const v = VARIANTS[variant.toLowerCase() as VariantName];
    if (!v) throw new Error(`unknown variant '${variant}' (expected b0…b7 or phi=X)`);
    return v;
  }
  if ('phi' in variant) return compoundScaling(variant.phi);
  return variant;
}

/** Parses `b3`, `B3`, `phi=1.5` as the CLI and the web page accept them. */
export function parseVariant(text: string): Variant {
  const t = text.trim().toLowerCase();
  const m = /^phi=(-?\d+(\.\d+)?)$/.exec(t);
  if (m) return { phi: Number(m[1]) };
  if (t in VARIANTS) return t as VariantName;
  throw new Error(`unknown variant '${text}' (expected b0…b7 or phi=X, e.g. phi=1.5)`);
}

// Eq. 2 scales each stage's channels Ĉ_i by w; the official builder keeps them whole multiples
// of 8. Keras round_filters: scale, round to the nearest multiple of the divisor (at least the
// divisor), and never go more than 10% below the exact product.
export function roundFilters(filters: number, width: number, divisor = CHANNEL_DIVISOR): number {
  const scaled = filters * width;
  let rounded = Math.max(divisor, Math.floor((scaled + divisor / 2) / divisor) * divisor);
  if (rounded < 0.9 * scaled) rounded += divisor;
  return rounded;
}

// Eq. 2 scales each stage's layer count L̂_i by d; a stage holds whole blocks, so d·L is rounded
// up. Keras round_repeats: ceil(depth_coefficient · repeats).
export function roundRepeats(repeats: number, depth: number): number {
  return Math.ceil(depth * repeats);
}
