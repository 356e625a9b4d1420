import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { listCases } from '../src/node/golden.js';

// What every golden case says about who made it, checked without running anything: CI never
// regenerates the goldens (no Python, no GPU), so the manifests are the record. The GPU cases of
// scripts/golden/tfjs-gpu.mjs also carry their measured spread from tfjs-cpu, and their tolerance
// must follow from it by the rule the README states.

const REPO = new URL('../', import.meta.url).pathname;
const ROOT = `${REPO}fixtures/golden/`;
const cases = existsSync(ROOT) ? listCases(ROOT) : [];
const GPU = /^tfjs-(webgl|webgpu)-(b\d-\d+)$/;

interface Manifest {
  case: string;
  producer: string;
  framework: string;
  framework_version: Record<string, string>;
  backend: string;
  device: string;
  seed?: number;
  input: { input_seed: number };
  tensors: Record<string, number[]>;
  tolerance: { relative_to_max_abs_golden: number };
  mirrors?: string;
  gpu?: { adapter: Record<string, unknown>; precision_flags: Record<string, unknown> };
  tfjs_cpu_difference?: { relative_to_max_golden: number; per_layer: Record<string, number> };
  cpu_difference?: { relative_to_max_golden: number };
}

const read = (c: string) => JSON.parse(readFileSync(`${ROOT}${c}/manifest.json`, 'utf8')) as Manifest;

describe.each(cases)('manifest of %s', (c) => {
  it('names its producer: generator script, framework with version, backend and device', () => {
    const m = read(c);
    expect(m.case).toBe(c);
    const script = /^scripts\/golden\/[\w.-]+\.(mjs|py)/.exec(m.producer)?.[0];
    expect(script, `producer '${m.producer}' names a generator under scripts/golden/`).toBeDefined();
    expect(existsSync(`${REPO}${script}`), `${script} exists`).toBe(true);
    const short = m.framework.replace(/^@[^/]+\//, '');
    expect(short.length).toBeGreaterThan(0);
    expect(m.framework_version[short], `framework_version names ${short}'s version`).toMatch(/^\d+\.\d+/);
    expect(m.backend.trim().length).toBeGreaterThan(0);
    expect(m.device.trim().length).toBeGreaterThan(0);
  });
});

const gpuCases = cases.filter((c) => GPU.test(c));
// Every golden that measured its distance from its framework's CPU result: tfjs webgl/webgpu,
// tfjs-node-gpu (tfjs.mjs --tfjs-node-gpu) and torch on CUDA (*-cuda).
const measured = cases.filter((c) => { const m = read(c); return m.tfjs_cpu_difference !== undefined || m.cpu_difference !== undefined; });

describe.each(measured)('measured GPU golden %s', (c) => {
  it('holds effnet to max(1e-4, 2 × its measured difference from the CPU), rounded up to 2 digits', () => {
    const m = read(c);
    const d = (m.tfjs_cpu_difference ?? m.cpu_difference)!.relative_to_max_golden;
    expect(d).toBeGreaterThan(0);
    const tol = m.tolerance.relative_to_max_abs_golden;
    const bound = Math.max(1e-4, 2 * d);
    expect(tol).toBeGreaterThanOrEqual(bound);
    expect(tol).toBeLessThanOrEqual(bound * 1.1);
  });
});

describe('GPU goldens', () => {
  it('exist for B0 @224 and B1–B7 @64 on tfjs webgl and webgpu', () => {
    const want = ['webgl', 'webgpu'].flatMap((b) => ['b0-224', ...[1, 2, 3, 4, 5, 6, 7].map((n) => `b${n}-64`)].map((v) => `tfjs-${b}-${v}`));
    expect(gpuCases).toEqual(expect.arrayContaining(want));
  });
});

describe.each(gpuCases)('GPU case %s', (c) => {
  const m = read(c);
  const [, backend, base] = GPU.exec(c)!;

  it('records the adapter, the precision flags and the GPU backend package version', () => {
    expect(m.backend).toBe(backend);
    expect(m.framework_version[`tfjs-backend-${backend}`]).toMatch(/^\d+\.\d+/);
    expect(m.framework_version.chromium).toMatch(/^\d+\./);
    expect(Object.keys(m.gpu!.adapter).length).toBeGreaterThan(0);
    if (backend === 'webgl') {
      expect(m.gpu!.precision_flags).toHaveProperty('WEBGL_RENDER_FLOAT32_ENABLED');
      expect(m.gpu!.precision_flags).toHaveProperty('WEBGL_PACK');
    } else {
      expect(Object.keys(m.gpu!.precision_flags).every((k) => k.startsWith('WEBGPU_'))).toBe(true);
    }
  });

  it('mirrors its CPU case: same seed, input and stored layers, weights not stored again', () => {
    const cpu = read(`tfjs-${base}`);
    expect(m.mirrors).toBe(`tfjs-${base}`);
    expect(m.seed).toBe(cpu.seed);
    expect(m.input.input_seed).toBe(cpu.input.input_seed);
    expect(Object.keys(m.tensors)).toEqual(Object.keys(cpu.tensors));
    expect(readFileSync(`${ROOT}${c}/input.npy`).equals(readFileSync(`${ROOT}tfjs-${base}/input.npy`))).toBe(true);
    expect(existsSync(`${ROOT}${c}/model.json`)).toBe(false);
  });

  it('measured its difference from tfjs-cpu on every stored layer', () => {
    const d = m.tfjs_cpu_difference!;
    expect(Object.keys(d.per_layer)).toEqual(Object.keys(m.tensors));
    expect(d.relative_to_max_golden).toBe(Math.max(...Object.values(d.per_layer)));
    expect(measured).toContain(c);
  });
});
