import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readNpy, writeNpy } from '../src/tensor/npy.js';
import { effnet } from './run-cli.js';

const GOLDEN = new URL('../fixtures/golden/', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'effnet-verify-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface JsonResult { case: string; producer: string; backend: string; compared: number; stored: number; worstLayer: string; worstRelative: number; tolerance: number; result: string; failures: string[] }

describe('effnet verify', () => {
  it('passes tfjs-b1-64 on wasm with its worst layer below the manifest tolerance (--json)', async () => {
    const r = await effnet('verify', '--case', 'tfjs-b1-64', '--backend', 'wasm', '--json');
    expect(r.code, r.stderr).toBe(0);
    const results = JSON.parse(r.stdout) as JsonResult[];
    expect(results).toHaveLength(1);
    const [c] = results;
    expect(c).toMatchObject({ case: 'tfjs-b1-64', backend: 'wasm', producer: 'tfjs-layers 4.22.0, cpu', result: 'PASS', failures: [], tolerance: 1e-4 });
    expect(c!.compared).toBeGreaterThanOrEqual(Math.ceil(c!.stored / 2));
    expect(c!.worstRelative).toBeGreaterThan(0);
    expect(c!.worstRelative).toBeLessThan(c!.tolerance);
  });

  it('prints a table row per case and backend with producer, layers, worst layer, tolerance and PASS', async () => {
    const r = await effnet('verify', '--case', 'torch-custom-32,tfjs-b1-64');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^case +producer +backend +layers +worst layer +error \/ max\|golden\| +golden vs cpu +tolerance +time +result$/);
    expect(lines.filter((l) => / PASS$/.test(l))).toHaveLength(4);
    expect(r.stdout).toMatch(/torch-custom-32 +torchvision 0\.14\.1a0, torch cpu \(eval, float32\) +reference +17\/17 +\S+ +\d\.\d\de-\d+ +- +1e-4 /);
    expect(r.stdout).toMatch(/4 of 4 checks passed/);
  });

  it('shows a GPU golden\'s measured distance from tfjs-cpu and holds it to its manifest\'s tolerance', async () => {
    const r = await effnet('verify', '--case', 'tfjs-webgpu-b1-64', '--backend', 'wasm', '--json');
    expect(r.code, r.stderr).toBe(0);
    const [c] = JSON.parse(r.stdout) as (JsonResult & { goldenVsCpu: number })[];
    const m = JSON.parse(readFileSync(join(GOLDEN, 'tfjs-webgpu-b1-64', 'manifest.json'), 'utf8'));
    expect(c).toMatchObject({ producer: 'tfjs-layers 4.22.0, webgpu', result: 'PASS', goldenVsCpu: m.tfjs_cpu_difference.relative_to_max_golden, tolerance: m.tolerance.relative_to_max_abs_golden });
    expect(c!.goldenVsCpu).toBeGreaterThan(0);
  });

  it('uses the tolerance a GPU manifest states: an error of 3e-4 × max|golden| passes at 1e-3, fails at 1e-4', async () => {
    const run = async (tolerance: number) => {
      const dir = join(tmp, `gpu-${tolerance}`);
      cpSync(join(GOLDEN, 'tfjs-webgl-b1-64'), join(dir, 'tfjs-webgl-b1-64'), { recursive: true });
      const file = join(dir, 'tfjs-webgl-b1-64', 'block5d_add.npy');
      const t = readNpy(new Uint8Array(readFileSync(file)), file);
      const max = t.data.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
      t.data[3] = t.data[3]! + 3e-4 * max;
      writeFileSync(file, writeNpy(t));
      const manifest = join(dir, 'tfjs-webgl-b1-64', 'manifest.json');
      const m = JSON.parse(readFileSync(manifest, 'utf8'));
      m.tolerance.relative_to_max_abs_golden = tolerance;
      writeFileSync(manifest, JSON.stringify(m));
      return effnet('verify', '--fixtures', dir, '--backend', 'wasm');
    };
    const loose = await run(1e-3);
    expect(loose.code, loose.stdout).toBe(0);
    expect(loose.stdout).toMatch(/tfjs-webgl-b1-64 +tfjs-layers 4\.22\.0, webgl +wasm +8\/8 .* \d\.\d\de-\d +1e-3 .* PASS/);
    const tight = await run(1e-4);
    expect(tight.code).toBe(1);
    expect(tight.stdout).toMatch(/FAIL tfjs-webgl-b1-64 on wasm: block5d_add: max error/);
  });

  it('fails a case whose golden was altered, exit code 1, naming the layer', async () => {
    const dir = join(tmp, 'corrupt');
    cpSync(join(GOLDEN, 'tfjs-b1-64'), join(dir, 'tfjs-b1-64'), { recursive: true });
    const file = join(dir, 'tfjs-b1-64', 'block5d_add.npy');
    const t = readNpy(new Uint8Array(readFileSync(file)), file);
    t.data[7] = t.data[7]! + 1;
    writeFileSync(file, writeNpy(t));
    const r = await effnet('verify', '--fixtures', dir, '--backend', 'wasm');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/tfjs-b1-64 .* wasm +8\/8 +block5d_add .* FAIL/);
    expect(r.stdout).toMatch(/FAIL tfjs-b1-64 on wasm: block5d_add: max error 1\.0\d\de\+0 = .* at index 7 \[0, 0, 0, 7\]: ours .*, golden .*; first values ours \[/);
    expect(r.stderr.split('\n').at(-1)).toBe('effnet verify: 1 of 1 checks failed');
  });

  it('refuses a manifest without a tolerance in one line', async () => {
    const dir = join(tmp, 'no-tolerance');
    cpSync(join(GOLDEN, 'tfjs-b1-64'), join(dir, 'tfjs-b1-64'), { recursive: true });
    const manifest = join(dir, 'tfjs-b1-64', 'manifest.json');
    const m = JSON.parse(readFileSync(manifest, 'utf8')) as Record<string, unknown>;
    delete m.tolerance;
    writeFileSync(manifest, JSON.stringify(m));
    const r = await effnet('verify', '--fixtures', dir);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').at(-1)).toBe(`effnet verify: ${manifest}: 'tolerance.relative_to_max_abs_golden' must be a positive number`);
  });

  it.each([
    [['--backend', 'gpu'], /--backend must be wasm, reference, webgpu or both, got 'gpu'/],
    [['--case', 'tfjs-b9-64'], /unknown case 'tfjs-b9-64' \(\d+ cases in .*: tfjs-b0-224, .*fashion-1000\)/],
    [['--fixtures', '/no/such/dir'], /--fixtures \/no\/such\/dir: not a folder/],
    [['extra'], /unexpected argument 'extra'/],
  ])('refuses %j with a usage error', async (args, message) => {
    const r = await effnet('verify', ...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('--help prints the usage and exits 0', async () => {
    const r = await effnet('verify', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: effnet verify/);
  });
});
