import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { BackendName } from '../src/backends/backend.js';
import { checkCase, listCases, readCase } from '../src/node/golden.js';
import type { WeightMap } from '../src/weights/weights.js';

// Every case under fixtures/golden/ (written by scripts/golden/tfjs.mjs, tfjs-gpu.mjs and
// torchvision_golden.py) on both backends: each layer the golden stores and our dump has must
// agree to the manifest's tolerance × max |golden| (for a GPU golden, max(1e-4, 2 × its measured
// distance from the framework's CPU result), checked in golden-manifests.test.ts). The check itself is
// src/node/golden.ts's checkCase, the one `effnet verify` runs.

const ROOT = new URL('../fixtures/golden/', import.meta.url).pathname;
const BACKENDS: BackendName[] = ['reference', 'wasm'];

const cases = existsSync(ROOT) ? listCases(ROOT) : [];

// Seeded weights of the big variants take seconds to draw: drawn once a case, shared by the backends.
const seeded = new Map<string, WeightMap>();

describe('golden cases exist', () => {
  it('fixtures/golden holds the tfjs B0 @224, torchvision B0 @224 and width-0.25 @32, and B1–B7 @64 cases, tfjs on cpu, webgl and webgpu', () => {
    const tfjs = ['b0-224', ...[1, 2, 3, 4, 5, 6, 7].map((n) => `b${n}-64`)];
    expect(cases).toEqual(expect.arrayContaining(['torch-b0-224', 'torch-custom-32', ...['tfjs', 'tfjs-webgl', 'tfjs-webgpu'].flatMap((p) => tfjs.map((v) => `${p}-${v}`))]));
  });
});

describe.each(cases)('golden parity: %s', (c) => {
  it.each(BACKENDS)('every stored layer within tolerance × max |golden| on the %s backend', async (backend) => {
    const golden = readCase(ROOT, c);
    const m = golden.manifest;
    const r = await checkCase(golden, backend, seeded);
    const layerFailures = r.layers.filter((l) => !l.ok);
    const spread = r.spread === undefined ? '' : `, golden vs cpu ${r.spread.toExponential(2)}, tolerance ${r.tolerance}`;
    console.log(`${c} on ${backend}: ${r.layers.length}/${r.stored} layers compared against ${m.framework} (${m.backend}); worst ${r.worst?.layer} ${r.worst?.relative.toExponential(2)} × max|golden|${spread}`);
    expect(layerFailures.map((f) => f.message), `${c} on ${backend} vs ${m.producer}`).toEqual([]);
    expect(r.layers.some((l) => l.layer === 'predictions')).toBe(true);
    // Every stored layer that ends one of this backend's steps is compared (all of them on the
    // reference backend, which runs one layer a step), and at least half on a fused backend.
    expect(r.layers.length, `${c} on ${backend}: layers in both the dump and the golden`).toBe(r.needed);
    expect(r.layers.length).toBeGreaterThanOrEqual(backend === 'reference' ? r.stored : Math.ceil(r.stored / 2));
    expect(r.failures).toEqual([]);
    if (backend === BACKENDS[BACKENDS.length - 1]) seeded.delete(c);
  });
});
