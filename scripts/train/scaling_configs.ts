// Chooses the configurations of the scaling experiment (scaling_experiment.py) from effnet's
// own plan: a small baseline, then width only, depth only, resolution only and compound
// (the paper's α, β, γ) each scaled to 2×, 4× and 8× the baseline's multiply-adds.
// Usage: npx tsx scripts/train/scaling_configs.ts > /tmp/scaling-configs.json
import { buildPlan } from '../../src/model/plan.js';
import { HEAD_FILTERS } from '../../src/model/blocks.js';
import { ALPHA, BETA, GAMMA, roundFilters } from '../../src/model/scaling.js';

export interface ExperimentConfig {
  name: string;
  family: 'baseline' | 'width' | 'depth' | 'resolution' | 'compound';
  budget: number;
  width: number;
  depth: number;
  resolution: number;
  /** Head conv width, round_filters(1280, w): the trainer builds torch's model with it. */
  head: number;
  macs: number;
  params: number;
  blocks: number;
}

// The shipped Fashion-MNIST model is torchvision's B0 configuration, so its plan uses
// symmetric padding, 10 classes and trainable parameters (what torch's parameters() counts).
export const BASE = { width: 0.25, depth: 0.25, resolution: 16 };
export const BUDGETS = [2, 4, 8];

export function cost(width: number, depth: number, resolution: number): { macs: number; params: number; blocks: number } {
  const plan = buildPlan({ name: 'x', width, depth, resolution, dropout: 0.2 }, { numClasses: 10, padding: 'symmetric', epsilon: 1e-5 });
  return { macs: plan.macs, params: plan.trainableParams, blocks: plan.blocks };
}

function config(name: string, family: ExperimentConfig['family'], budget: number, width: number, depth: number, resolution: number): ExperimentConfig {
  const round = (x: number) => Math.round(x * 1e4) / 1e4;
  return { name, family, budget, width: round(width), depth: round(depth), resolution, head: roundFilters(HEAD_FILTERS, round(width)), ...cost(round(width), round(depth), resolution) };
}

// Channels and repeats are rounded, so MACs move in steps: take the multiplier on a fine grid
// whose MACs land closest (in log ratio) to the target.
function closest(target: number, candidates: readonly number[], make: (m: number) => ExperimentConfig): ExperimentConfig {
  let best: ExperimentConfig | undefined;
  for (const m of candidates) {
    const c = make(m);
    if (!best || Math.abs(Math.log(c.macs / target)) < Math.abs(Math.log(best.macs / target))) best = c;
  }
  return best!;
}

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let x = from; x <= to + 1e-9; x += step) out.push(x);
  return out;
}

export function experimentConfigs(): ExperimentConfig[] {
  const { width: w0, depth: d0, resolution: r0 } = BASE;
  const base = config('baseline', 'baseline', 1, w0, d0, r0);
  const out = [base];
  for (const k of BUDGETS) {
    const t = k * base.macs;
    out.push(closest(t, range(1, 8, 0.005), (m) => config(`width-${k}x`, 'width', k, w0 * m, d0, r0)));
    out.push(closest(t, range(1, 24, 0.01), (m) => config(`depth-${k}x`, 'depth', k, w0, d0 * m, r0)));
    out.push(closest(t, range(r0, 8 * r0, 1), (r) => config(`resolution-${k}x`, 'resolution', k, w0, d0, r)));
    out.push(closest(t, range(0, 8, 0.01), (phi) =>
      config(`compound-${k}x`, 'compound', k, w0 * BETA ** phi, d0 * ALPHA ** phi, Math.round(r0 * GAMMA ** phi))));
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(experimentConfigs(), null, 1));
