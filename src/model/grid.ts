// The paper's grid search (Tan & Le 2019, §4, step 1), the half of it that runs without
// ImageNet: fix φ = 1, enumerate α, β, γ ≥ 1 on a grid under α·β²·γ² ≈ 2, and count the exact
// cost of each candidate network from its plan. The paper then trained every candidate and kept
// the most accurate, α = 1.2, β = 1.1, γ = 1.15; that half needs ImageNet and is not done here.
import { buildPlan } from './plan.js';
import { ALPHA, BASE_RESOLUTION, BETA, compoundScaling, GAMMA, roundFilters, roundRepeats, type CompoundConstants } from './scaling.js';
import { B0_STAGES, HEAD_FILTERS, STEM_FILTERS } from './blocks.js';

export interface GridOptions {
  /** Grid spacing of α, β and γ (default 0.05). */
  step?: number;
  /** The FLOPs growth the constraint aims at (default 2, "twice more resources"). */
  target?: number;
  /** Candidates keep |α·β²·γ² − target| ≤ tolerance (default 0.1). */
  tolerance?: number;
  /** Largest α searched (default 2); β and γ go up to √2, since β² and γ² alone may reach 2. */
  maxAlpha?: number;
}

export interface GridCandidate extends CompoundConstants {
  /** α·β²·γ²: the cost growth the formula promises. */
  flopsFactor: number;
  width: number;
  depth: number;
  resolution: number;
  blocks: number;
  macs: number;
  params: number;
  /** MACs of this network over B0's, counted from the plan. */
  macsRatio: number;
  paper: boolean;
}

export interface GridResult {
  options: Required<GridOptions>;
  b0: { macs: number; params: number };
  candidates: GridCandidate[];
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));

export function gridSearch(options: GridOptions = {}): GridResult {
  const o: Required<GridOptions> = { step: options.step ?? 0.05, target: options.target ?? 2, tolerance: options.tolerance ?? 0.1, maxAlpha: options.maxAlpha ?? 2 };
  if (!(o.step >= 0.01 && o.step <= 1)) throw new Error(`grid step must be between 0.01 and 1, got ${o.step}`);
  if (!(o.target > 1 && o.target <= 8)) throw new Error(`grid target must be in (1, 8], got ${o.target}`);
  if (!(o.tolerance >= 0 && o.tolerance <= 1)) throw new Error(`grid tolerance must be in [0, 1], got ${o.tolerance}`);
  if (!(o.maxAlpha >= 1 && o.maxAlpha <= 8)) throw new Error(`grid maxAlpha must be in [1, 8], got ${o.maxAlpha}`);
  const b0 = buildPlan('b0');
  const values = (max: number) => {
    const out: number[] = [];
    for (let i = 0; 1 + i * o.step <= max + 1e-9; i++) out.push(round(1 + i * o.step, 6));
    return out;
  };
  const candidates: GridCandidate[] = [];
  for (const alpha of values(o.maxAlpha)) {
    for (const beta of values(Math.SQRT2)) {
      for (const gamma of values(Math.SQRT2)) {
        const flopsFactor = alpha * beta ** 2 * gamma ** 2;
        if (Math.abs(flopsFactor - o.target) > o.tolerance + 1e-12) continue;
        const c = compoundScaling(1, { alpha, beta, gamma });
        const plan = buildPlan({ ...c, name: `α=${alpha} β=${beta} γ=${gamma}` });
        candidates.push({
          alpha, beta, gamma, flopsFactor, width: c.width, depth: c.depth, resolution: c.resolution,
          blocks: plan.blocks, macs: plan.macs, params: plan.params, macsRatio: plan.macs / b0.macs,
          paper: alpha === ALPHA && beta === BETA && gamma === GAMMA,
        });
      }
    }
  }
  return { options: o, b0: { macs: b0.macs, params: b0.params }, candidates };
}

/** The one table the CLI prints and the page shows: header and rows of display strings. */
export function gridTable(result: GridResult): { header: string[]; rows: string[][] } {
  const header = ['α', 'β', 'γ', 'α·β²·γ²', 'resolution', 'blocks', 'params', 'MACs', 'MACs / B0', ''];
  const rows = result.candidates.map((c) => [
    c.alpha.toFixed(2), c.beta.toFixed(2), c.gamma.toFixed(2), c.flopsFactor.toFixed(3), String(c.resolution),
    String(c.blocks), grouped(c.params), grouped(c.macs), `${c.macsRatio.toFixed(2)}×`, c.paper ? 'paper' : '',
  ]);
  return { header, rows };
}

export interface DimensionCost {
  dimension: 'depth' | 'width' | 'resolution';
  /** The multiplier the formula gives (α^φ, β^φ or γ^φ). */
  multiplier: number;
  /** What the formula expects that dimension alone to cost: α^φ, β^2φ or γ^2φ. */
  ideal: number;
  /** What the plan counts when only that dimension is scaled, rounding included. */
  planned: number;
  /** What is rounded, in words: repeats, channels or pixels. */
  rounding: string;
}

export interface PhiCost {
  phi: number;
  /** (α·β²·γ²)^φ: the formula's cost. */
  ideal: number;
  /** MACs over B0's, counted from the plan of compoundScaling(φ). */
  planned: number;
  dimensions: DimensionCost[];
}

// Why φ = 2 costs 4.69× B0, not 1.92² = 3.69×: the formula counts fractional channels, layers and
// pixels, the network has whole ones. Scaling one dimension at a time shows where each rounding
// adds cost (the three together multiply to about the joint figure).
export function phiCost(phi: number): PhiCost {
  const c = compoundScaling(phi);
  const b0 = buildPlan('b0').macs;
  const ratio = (width: number, depth: number, resolution: number) =>
    buildPlan({ name: 'x', width, depth, resolution, dropout: 0.2 }).macs / b0;
  const b0Blocks = B0_STAGES.reduce((n, s) => n + s.repeats, 0);
  const blocks = B0_STAGES.reduce((n, s) => n + roundRepeats(s.repeats, c.depth), 0);
  // The channel count rounding inflates most, to name it: e.g. 16·1.21 = 19.4 becomes 24.
  const widest = [STEM_FILTERS, ...B0_STAGES.map((s) => s.filtersOut), HEAD_FILTERS]
    .map((f) => ({ exact: f * c.width, rounded: roundFilters(f, c.width) }))
    .reduce((a, b) => (b.rounded / b.exact > a.rounded / a.exact ? b : a));
  return {
    phi,
    ideal: (ALPHA * BETA ** 2 * GAMMA ** 2) ** phi,
    planned: buildPlan(c).macs / b0,
    dimensions: [
      { dimension: 'depth', multiplier: c.depth, ideal: c.depth, planned: ratio(1, c.depth, BASE_RESOLUTION),
        rounding: `${blocks} blocks, not ${(b0Blocks * c.depth).toFixed(2)}: each stage rounds d·L up` },
      { dimension: 'width', multiplier: c.width, ideal: c.width ** 2, planned: ratio(c.width, 1, BASE_RESOLUTION),
        rounding: `channels to multiples of 8, up to ${widest.rounded}, not ${widest.exact.toFixed(1)}` },
      { dimension: 'resolution', multiplier: GAMMA ** phi, ideal: GAMMA ** (2 * phi), planned: ratio(1, 1, c.resolution),
        rounding: `${c.resolution} px, not ${(BASE_RESOLUTION * GAMMA ** phi).toFixed(1)}; stride-2 layers round odd sides up` },
    ],
  };
}

export function formatGrid(result: GridResult, cost: PhiCost = phiCost(2)): string {
  const { header, rows } = gridTable(result);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 3 && i < 9 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const o = result.options;
  return [
    `Grid search at φ = 1 (Tan & Le 2019, §4 step 1): α, β, γ from 1 in steps of ${o.step}, kept where |α·β²·γ² − ${o.target}| ≤ ${o.tolerance}.`,
    `Cost: exact, from each candidate's plan (B0: ${grouped(result.b0.macs)} MACs, ${grouped(result.b0.params)} params).`,
    'Accuracy: not reproduced. The paper trained each candidate on ImageNet and kept α = 1.2, β = 1.1, γ = 1.15;',
    'the miniature on Fashion-MNIST in docs/scaling-experiment.json is what this machine can measure.',
    '',
    line(header),
    ...rows.map(line),
    '',
    `Why φ = ${cost.phi} costs ${cost.planned.toFixed(2)}× B0 and not (α·β²·γ²)^${cost.phi} = ${cost.ideal.toFixed(2)}×: each dimension alone, formula vs plan:`,
    ...cost.dimensions.map((d) => `  ${d.dimension.padEnd(10)}  ${d.ideal.toFixed(2)}× → ${d.planned.toFixed(2)}×  (${d.rounding})`),
    `  product of the three: ${cost.dimensions.reduce((p, d) => p * d.planned, 1).toFixed(2)}×; the network with all three: ${cost.planned.toFixed(2)}×`,
  ].join('\n');
}

const grouped = (n: number) => Math.round(n).toLocaleString('en-US');
