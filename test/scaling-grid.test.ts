import { describe, expect, it } from 'vitest';
import { buildPlan } from '../src/model/plan.js';
import { formatGrid, gridSearch, gridTable, phiCost } from '../src/model/grid.js';
import { effnet } from './run-cli.js';

// The grid search's cost half (Tan & Le 2019, §4 step 1). Expected values: Keras's parameter
// counts (keras.io, less its 7 preprocessing values) and the grid's definition, enumerated here
// by brute force with no effnet code.

const grid = gridSearch();
const find = (a: number, b: number, g: number) => grid.candidates.find((c) => c.alpha === a && c.beta === b && c.gamma === g);

describe('gridSearch', () => {
  it('keeps exactly the grid points with α, β, γ ≥ 1 and |α·β²·γ² − 2| ≤ 0.1', () => {
    const expected: string[] = [];
    for (let i = 0; i <= 20; i++) for (let j = 0; j <= 8; j++) for (let k = 0; k <= 8; k++) {
      const [a, b, g] = [(100 + 5 * i) / 100, (100 + 5 * j) / 100, (100 + 5 * k) / 100];
      if (Math.abs(a * b * b * g * g - 2) <= 0.1 + 1e-12) expected.push(`${a} ${b} ${g}`);
    }
    expect(grid.candidates.map((c) => `${c.alpha} ${c.beta} ${c.gamma}`).sort()).toEqual(expected.sort());
    expect(grid.candidates.length).toBe(109);
  });

  it("marks the paper's α = 1.2, β = 1.1, γ = 1.15 (α·β²·γ² = 1.92), which is B2's width and depth at 256 px", () => {
    const paper = grid.candidates.filter((c) => c.paper);
    expect(paper).toHaveLength(1);
    expect(paper[0]).toMatchObject({ alpha: 1.2, beta: 1.1, gamma: 1.15, resolution: 256, blocks: 23 });
    expect(paper[0]!.flopsFactor).toBeCloseTo(1.92, 3);
    expect(paper[0]!.params).toBe(9_177_562); // Keras B2 (width 1.1, depth 1.2): resolution adds no weights
  });

  it('counts the cost of the network each candidate builds: resolution alone adds no parameters, depth 2 doubles the blocks', () => {
    expect(grid.b0).toEqual({ macs: 385_814_752, params: 5_330_564 });
    expect(find(1, 1, 1.4)).toMatchObject({ params: 5_330_564, blocks: 16, resolution: 312 });
    expect(find(2, 1, 1)).toMatchObject({ blocks: 32, resolution: 224 });
    expect(find(1.05, 1.1, 1.25)).toMatchObject({ params: 9_177_562, blocks: 23 }); // ⌈1.05·L⌉ = ⌈1.2·L⌉ for B0's L
    for (const c of grid.candidates) expect(c.macsRatio).toBeCloseTo(c.macs / 385_814_752, 12);
  });

  it('explains φ = 2: the formula says 3.69× B0, the rounded network costs 4.69×', () => {
    const cost = phiCost(2);
    expect(cost.ideal).toBeCloseTo(1.92 ** 2, 2);
    expect(cost.planned).toBeCloseTo(4.69, 2);
    const depth = cost.dimensions.find((d) => d.dimension === 'depth')!;
    expect(depth.rounding).toContain('26 blocks, not 23.04'); // ⌈1.44·(1,2,2,3,3,4,1)⌉ = (2,3,3,5,5,6,2)
    for (const d of cost.dimensions) expect(d.planned).toBeGreaterThan(d.ideal);
  });

  it('refuses a grid it cannot enumerate', () => {
    expect(() => gridSearch({ step: 0 })).toThrow(/step/);
    expect(() => gridSearch({ tolerance: Number.NaN })).toThrow(/tolerance/);
  });
});

describe('effnet scaling --grid', () => {
  it("--json gives each candidate the MACs and parameters of the plan built from (d = α, w = β, r = 224·γ rounded to 8)", async () => {
    const r = await effnet('scaling', '--grid', '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { candidates: { alpha: number; beta: number; gamma: number; macs: number; params: number }[]; table: { rows: string[][] } };
    expect(out.candidates).toHaveLength(109);
    for (const c of out.candidates) {
      const resolution = Math.round((224 * c.gamma) / 8) * 8;
      const plan = buildPlan({ name: 'check', width: c.beta, depth: c.alpha, resolution, dropout: 0.2 });
      expect([c.macs, c.params]).toEqual([plan.macs, plan.params]);
    }
    expect(out.table).toEqual(gridTable(grid));
  });

  it('prints the same rows as text, says which half it reproduces, and explains φ = 2', async () => {
    const r = await effnet('scaling', '--grid');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(formatGrid(grid));
    expect(r.stdout).toContain('Accuracy: not reproduced');
    expect(r.stdout).toMatch(/^1\.20 {2}1\.10 {2}1\.15 {4}1\.920 .* 859,853,760 {6}2\.23× {2}paper$/m);
    expect(r.stdout).toContain('Why φ = 2 costs 4.69× B0 and not (α·β²·γ²)^2 = 3.69×');
  });

  it('answers --help, and bad input with one line and a non-zero exit', async () => {
    expect((await effnet('scaling', '--help')).stdout).toMatch(/^Usage: effnet scaling --grid/);
    for (const args of [[], ['--grid', '--step', 'abc'], ['--grid', '--step', '0'], ['--grid', '--phi', '99'], ['--grid', 'x\u001b[31m']]) {
      const r = await effnet('scaling', ...args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr.split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).not.toContain('\u001b');
    }
  });
});
