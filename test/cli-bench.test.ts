import { describe, expect, it } from 'vitest';
import { buildPlan } from '../src/model/plan.js';
import { effnet } from './run-cli.js';

interface Report {
  model: string; resolution: number; batch: number; backend: string; macs: number;
  latency: { median: number; min: number; max: number; runs: number; warmup: number };
  families: { family: string; steps: number; macs: number; ms: number }[];
  steps: { name: string; ms: number; macs: number }[];
  memory: { maxRssBytes: number; wasmMemoryBytes?: number; weightBytes?: number; arenaBytes?: number };
}

describe('effnet bench', () => {
  it('b0 @64 on wasm: a positive median over 3 runs and a per-family breakdown whose MACs sum to the plan', async () => {
    const r = await effnet('bench', '--model', 'b0', '--resolution', '64', '--runs', '3', '--json');
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    const plan = buildPlan('b0', { resolution: 64 });
    expect(report).toMatchObject({ model: 'b0', resolution: 64, batch: 1, backend: 'wasm', macs: plan.macs });
    expect(report.latency.runs).toBe(3);
    expect(report.latency.median).toBeGreaterThan(0);
    expect(report.latency.min).toBeLessThanOrEqual(report.latency.median);
    expect(report.latency.median).toBeLessThanOrEqual(report.latency.max);
    expect(report.families.reduce((m, f) => m + f.macs, 0)).toBe(plan.macs);
    expect(report.families.reduce((n, f) => n + f.steps, 0)).toBe(report.steps.length);
    expect(report.families.map((f) => f.family)).toEqual(expect.arrayContaining(['pointwise conv 1×1', 'conv 3×3/2', 'depthwise 3×3/1', 'depthwise 5×5/2', 'squeeze-excite', 'dense']));
    expect(report.memory.maxRssBytes).toBeGreaterThan(0);
    expect(report.memory.wasmMemoryBytes).toBeGreaterThanOrEqual(report.memory.weightBytes! + report.memory.arenaBytes!);
    expect(r.stderr).toMatch(/3 warm-up runs, then 3 timed/);
  });

  it('the reference backend, batch 2, prints latency, the family table, memory and where the peers are', async () => {
    const r = await effnet('bench', '--model', 'phi=-1', '--resolution', '32', '--batch', '2', '--runs', '1', '--warmup', '0', '--backend', 'reference');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^effnet bench: phi=-1 @32, batch 2, reference backend, seeded weights/);
    expect(r.stdout).toMatch(/latency: median [\d.]+ ms, min [\d.]+, max [\d.]+ over 1 runs after 0 warm-up/);
    expect(r.stdout).toMatch(/^kernel family +steps +MACs +ms +share +GFLOP\/s$/m);
    expect(r.stdout).toMatch(/^batchNorm +\d+ /m);
    expect(r.stdout).toMatch(/memory: peak RSS [\d.]+ MiB\n/);
    expect(r.stdout).toMatch(/npm run bench/);
  });

  it.each([
    [['--model', 'b9'], /--model: unknown variant 'b9'/],
    [['--runs', '0'], /--runs must be a positive integer, got '0'/],
    [['--warmup=1.5'], /--warmup must be a whole number, got '1.5'/],
    [['--batch', 'two'], /--batch must be a positive integer, got 'two'/],
    [['--backend', 'gpu'], /--backend must be wasm, reference or webgpu, got 'gpu'/],
    [['b0'], /unexpected argument 'b0'/],
  ])('refuses %j with a usage error', async (args, message) => {
    const r = await effnet('bench', ...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('--help prints the usage and exits 0', async () => {
    const r = await effnet('bench', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: effnet bench/);
  });
});
