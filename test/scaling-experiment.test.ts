import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildPlan } from '../src/model/plan.js';
import { experimentConfigs } from '../scripts/train/scaling_configs.js';
import { plot } from '../scripts/train/scaling_plot.js';

// docs/scaling-experiment.json, written by scripts/train/scaling_experiment.py (torch): every
// run's cost is effnet's plan of the network torch trained, and torch agrees (its parameter
// count, and multiply-adds counted by forward hooks on the shapes it actually produced).

const root = new URL('..', import.meta.url).pathname;
const doc = JSON.parse(readFileSync(`${root}docs/scaling-experiment.json`, 'utf8')) as {
  producer: string; framework: string; device: string; dataset: string; recipe: { epochs: number; trainImages: number };
  runs: { name: string; family: string; budget: number; width: number; depth: number; resolution: number; head: number; blocks: number;
    macs: number; params: number; torchMacs: number; torchParams: number; seed: number; testAccuracy: number; seconds: number }[];
};

describe('the scaling experiment (docs/scaling-experiment.json)', () => {
  it('names its producer, framework and device', () => {
    expect(doc.producer).toBe('scripts/train/scaling_experiment.py');
    expect(doc.framework).toMatch(/^torch \d/);
    expect(doc.device).toMatch(/CPU/);
    expect(doc.dataset).toMatch(/Fashion-MNIST/);
  });

  it('has every configuration of scaling_configs.ts trained at least once, the same config each time', () => {
    const configs = experimentConfigs();
    expect(configs).toHaveLength(13);
    for (const c of configs) {
      const runs = doc.runs.filter((r) => r.name === c.name);
      expect(runs.length, c.name).toBeGreaterThanOrEqual(1);
      for (const r of runs) expect(r).toMatchObject({ width: c.width, depth: c.depth, resolution: c.resolution, head: c.head, macs: c.macs, params: c.params });
    }
  });

  it("records the plan's MACs and trainable parameters for each run, and torch counted the same", () => {
    for (const r of doc.runs) {
      const plan = buildPlan({ name: r.name, width: r.width, depth: r.depth, resolution: r.resolution, dropout: 0.2 }, { numClasses: 10, padding: 'symmetric', epsilon: 1e-5 });
      expect([r.macs, r.params, r.blocks], r.name).toEqual([plan.macs, plan.trainableParams, plan.blocks]);
      expect([r.torchMacs, r.torchParams], r.name).toEqual([plan.macs, plan.trainableParams]);
    }
  });

  it('matches the budgets: each scaled network costs its multiple of the baseline within 25%, and scales only its own dimension', () => {
    const base = doc.runs.find((r) => r.family === 'baseline')!;
    for (const r of doc.runs) {
      expect(r.macs / base.macs / r.budget, r.name).toBeGreaterThan(0.8);
      expect(r.macs / base.macs / r.budget, r.name).toBeLessThan(1.25);
      if (r.family === 'width') expect([r.depth, r.resolution]).toEqual([base.depth, base.resolution]);
      if (r.family === 'depth') expect([r.width, r.resolution]).toEqual([base.width, base.resolution]);
      if (r.family === 'resolution') expect([r.width, r.depth]).toEqual([base.width, base.depth]);
      if (r.family === 'compound' || r.family === 'baseline') continue;
      expect(r.testAccuracy).toBeGreaterThan(0.1); // better than chance: the runs trained
    }
  });

  it('docs/scaling-experiment.svg is drawn from this JSON, one dot per run', () => {
    const svg = readFileSync(`${root}docs/scaling-experiment.svg`, 'utf8');
    expect(svg).toBe(plot(doc));
    expect(svg.match(/<circle cx/g)!.length).toBe(doc.runs.length + 1); // + the legend's baseline dot
  });
});
