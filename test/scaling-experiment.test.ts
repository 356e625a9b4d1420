import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildPlan } from '../src/model/plan.js';
import { experimentConfigs } from '../scripts/train/scaling_configs.js';
import { ablationTable, plot, type ExperimentDoc, type Run } from '../scripts/train/scaling_plot.js';

// docs/scaling-experiment.json, written by scripts/train/scaling_experiment.py (torch), which
// trains the grid over several sittings: these tests check its shape, not its numbers. Every
// run's cost is effnet's plan of the network torch trained, and torch agrees; every run carries
// its learning curve, and the curve shows the stopping rule was followed; runs not yet trained
// are listed in the document itself, so an incomplete grid says so instead of failing CI.

const root = new URL('..', import.meta.url).pathname;
const doc = JSON.parse(readFileSync(`${root}docs/scaling-experiment.json`, 'utf8')) as ExperimentDoc & {
  producer: string; framework: string; device: string; dataset: string;
};
const configs = experimentConfigs();
const rule = doc.recipe.stoppingRule;
const allRuns: Run[] = [...doc.runs, ...doc.ablations];

/** The stopping rule, restated from its text: a plateau is an epoch after which the best test
 * count so far gained fewer than minGainImages over windowEpochs epochs, checked from the
 * firstCheckEpoch-th epoch of stage 0 and the stageMinEpochs-th of later stages; a plateau
 * divides the learning rate by 10 (next stage), the plateau of the last stage or maxEpochs ends
 * the run. Replays a curve: the stage of every epoch and how the run must end. */
function replay(correct: readonly number[]): { stages: number[]; end: number; stoppedBy: 'plateau' | 'max' | undefined } {
  const stages: number[] = [];
  let stage = 0;
  for (let e = 1; e <= correct.length; e++) {
    stages.push(stage);
    const inStage = stages.filter((s) => s === stage).length;
    const first = stage === 0 ? rule.firstCheckEpoch : rule.stageMinEpochs;
    const gain = Math.max(...correct.slice(0, e)) - Math.max(...correct.slice(0, e - rule.windowEpochs));
    if (inStage >= first && gain < rule.minGainImages) {
      if (stage === rule.lrDrops) return { stages, end: e, stoppedBy: 'plateau' };
      stage++;
    } else if (e >= rule.maxEpochs) return { stages, end: e, stoppedBy: 'max' };
  }
  return { stages, end: correct.length, stoppedBy: undefined };
}

describe('the scaling experiment (docs/scaling-experiment.json)', () => {
  it('names its producer, framework, device and format 2 (runs trained to a plateau)', () => {
    expect(doc.format).toBe(2);
    expect(doc.producer).toBe('scripts/train/scaling_experiment.py');
    expect(doc.framework).toMatch(/^torch \d/);
    expect(doc.device).toMatch(/CPU|GPU/);
    expect(doc.dataset).toMatch(/Fashion-MNIST/);
  });

  it('trains on all 60,000 training images under the stated rule: plateau = gain < 0.2 points over 2 epochs; lr / 10 twice; at most 40 epochs', () => {
    expect(doc.recipe.trainImages).toBe(60000);
    expect(rule).toMatchObject({ firstCheckEpoch: 5, stageMinEpochs: 3, windowEpochs: 2, minGainImages: 20, lrDrops: 2, dropFactor: 0.1, maxEpochs: 40 });
    expect(rule.text).toContain('0.2 points');
    expect(rule.text).toContain('epoch 40');
  });

  it('is the grid of scaling_configs.ts × seeds 0, 1, 2, and lists exactly the runs it still lacks', () => {
    expect(configs).toHaveLength(13);
    expect(doc.grid).toEqual({ configs: configs.map((c) => c.name), seeds: [0, 1, 2] });
    const key = (r: { name: string; seed: number }) => `${r.name} seed ${r.seed}`;
    const trained = doc.runs.map(key);
    expect(new Set(trained).size, 'each (configuration, seed) once').toBe(trained.length);
    const lacking = doc.grid.seeds.flatMap((seed) => configs.map((c) => ({ name: c.name, seed }))).filter((r) => !trained.includes(key(r)));
    expect(doc.missing.map(key).sort()).toEqual(lacking.map(key).sort());
    expect(doc.complete).toBe(lacking.length === 0);
    expect(trained.length + doc.missing.length).toBe(13 * 3);
  });

  it('trained each configuration as scaling_configs.ts defines it', () => {
    for (const r of doc.runs) {
      const c = configs.find((c) => c.name === r.name)!;
      expect(r).toMatchObject({ family: c.family, budget: c.budget, width: c.width, depth: c.depth, resolution: c.resolution, head: c.head, macs: c.macs, params: c.params });
    }
    for (const r of doc.ablations) {
      expect(doc.ablation.configs, r.name).toContain(r.name);
      const base = configs.find((c) => c.name === r.name)!;
      expect(r).toMatchObject({ name: base.name, width: base.width, depth: base.depth, resolution: base.resolution, macs: base.macs, params: base.params });
      expect(doc.ablation.variants[r.variant!], r.variant).toEqual(r.changes);
    }
  });

  it("records the plan's MACs and trainable parameters for each run, and torch counted the same", () => {
    for (const r of allRuns) {
      const plan = buildPlan({ name: r.name, width: r.width, depth: r.depth, resolution: r.resolution, dropout: 0.2 }, { numClasses: 10, padding: 'symmetric', epsilon: 1e-5 });
      expect([r.macs, r.params, r.blocks], r.name).toEqual([plan.macs, plan.trainableParams, plan.blocks]);
      expect([r.torchMacs, r.torchParams], r.name).toEqual([plan.macs, plan.trainableParams]);
    }
  });

  it('keeps each run\'s learning curve: per epoch the stage, learning rate, train loss, test accuracy and seconds', () => {
    for (const r of allRuns) {
      const id = `${r.name} seed ${r.seed} ${r.variant ?? ''}`;
      expect(r.curve.map((c) => c.epoch), id).toEqual(Array.from({ length: r.epochs }, (_, i) => i + 1));
      for (const c of r.curve) {
        expect(c.lr, id).toBeCloseTo(Number(r.changes?.lr ?? 3e-3) * rule.dropFactor ** c.stage, 12);
        expect(Number.isFinite(c.trainLoss) && c.trainLoss > 0, id).toBe(true);
        expect(Number.isInteger(Math.round(c.testAccuracy * 10000)) && c.testAccuracy >= 0 && c.testAccuracy <= 1, id).toBe(true);
        expect(c.seconds > 0 && c.cpuSeconds > 0, id).toBe(true);
      }
      expect(r.testAccuracy, id).toBe(r.curve.at(-1)!.testAccuracy);
      expect(r.cpuSeconds, id).toBeCloseTo(r.curve.reduce((t, c) => t + c.cpuSeconds, 0), 0);
    }
  });

  it('says where every epoch of a run that records devices ran, and the run and the header name those devices', () => {
    for (const r of allRuns.filter((r) => r.device !== undefined)) {
      const id = `${r.name} seed ${r.seed} ${r.variant ?? ''}`;
      for (const c of r.curve) {
        expect(c.device, id).toMatch(/^(CPU|GPU)/);
        expect(r.device, id).toContain(c.device);
        expect(doc.device, id).toContain(c.device);
      }
    }
  });

  it('stopped every run by the rule: the replayed curve drops the learning rate where the run did and ends where it ended', () => {
    for (const r of allRuns) {
      const id = `${r.name} seed ${r.seed} ${r.variant ?? ''}`;
      const { stages, end, stoppedBy } = replay(r.curve.map((c) => Math.round(c.testAccuracy * 10000)));
      expect(stoppedBy, id).toBe(r.stoppedBy);
      expect(end, id).toBe(r.epochs);
      expect(r.curve.map((c) => c.stage), id).toEqual(stages);
    }
  });

  it('matches the budgets: each scaled network costs its multiple of the baseline within 25%, and scales only its own dimension', () => {
    const base = configs.find((c) => c.family === 'baseline')!;
    for (const r of doc.runs) {
      expect(r.macs / base.macs / r.budget, r.name).toBeGreaterThan(0.8);
      expect(r.macs / base.macs / r.budget, r.name).toBeLessThan(1.25);
      if (r.family === 'width') expect([r.depth, r.resolution]).toEqual([base.depth, base.resolution]);
      if (r.family === 'depth') expect([r.width, r.resolution]).toEqual([base.width, base.resolution]);
      if (r.family === 'resolution') expect([r.width, r.depth]).toEqual([base.width, base.depth]);
    }
  });

  it('docs/scaling-experiment.svg is drawn from this JSON: one dot per run, one learning curve per run, a ring per fully seeded ablation variant', () => {
    const svg = readFileSync(`${root}docs/scaling-experiment.svg`, 'utf8');
    expect(svg).toBe(plot(doc));
    expect(svg.match(/<circle cx[^>]*fill-opacity/g)!.length).toBe(doc.runs.length);
    const seeded = doc.ablation.configs.flatMap((name) => Object.keys(doc.ablation.variants).map((v) => `${name}, ${v}`))
      .filter((nv) => doc.ablations.filter((r) => `${r.name}, ${r.variant}` === nv).length >= doc.grid.seeds.length);
    for (const nv of seeded) expect(svg, nv).toContain(`${nv} (ablation): mean`);
    const legend = new Set(seeded.map((nv) => nv.split(', ')[1])).size;
    expect(svg.match(/<circle cx[^>]*fill="#fff"/g)?.length ?? 0).toBe(seeded.length + legend); // a ring per point, one legend entry per variant
    expect(svg.match(/<polyline[^>]*><title>/g)?.length ?? 0).toBe(doc.runs.filter((r) => r.family !== 'baseline').length + 3 * doc.runs.filter((r) => r.family === 'baseline').length);
  });

  it('keeps the ablations of two configurations apart, in the figure and in the table', () => {
    // depth-4x's zero-init runs, restated as if they were depth-8x's: two varied configurations.
    const four = doc.ablations.filter((r) => r.name === 'depth-4x');
    const d8 = configs.find((c) => c.name === 'depth-8x')!;
    const eight = four.filter((r) => r.variant === 'zero-init-residual').map((r) => ({ ...r, name: d8.name, macs: d8.macs }));
    const two: ExperimentDoc = { ...doc, ablation: { ...doc.ablation, configs: ['depth-4x', 'depth-8x'] }, ablations: [...four, ...eight] };
    const svg = plot(two);
    expect(svg).toContain('depth-4x, zero-init-residual (ablation): mean');
    expect(svg).toContain('depth-8x, zero-init-residual (ablation): mean');
    expect(svg.match(/<circle cx[^>]*fill="#fff"/g)?.length).toBe(3); // two points, one legend entry for the variant
    const grey = [...svg.matchAll(/<text [^>]*fill="#5d6675">([^<]*)<\/text>/g)].map((m) => m[1]).join(' ');
    expect(grey).toContain('(ablation of depth-4x, depth-8x; 3\u00a0seeds each: mean and range)');
    const cells = ablationTable(two).split('\n').slice(2).map((row) => row.split(' | '));
    const names = cells.map((c) => `${c[0]!.slice(2)} ${c[1]}`);
    const first8 = names.findIndex((n) => n.startsWith('depth-8x'));
    expect(names.slice(0, first8).every((n) => n.startsWith('depth-4x'))).toBe(true);
    expect(names.slice(first8).every((n) => n.startsWith('depth-8x'))).toBe(true);
    expect(names.slice(first8, first8 + 3)).toEqual(Array(3).fill('depth-8x standard recipe'));
    const seeds = cells.slice(first8, first8 + 3).map((c) => Number(c[3]));
    expect(seeds).toEqual([...seeds].sort((a, b) => a - b)); // each configuration's runs by seed
    expect(names.slice(first8 + 3)).toEqual(Array(eight.length).fill('depth-8x zero-init-residual'));
  });
});
