import { mkdirSync, writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { browser, bun, deno, node, root, versions, workerd, type EdgeResult } from './edge/runtimes.js';

// examples/edge/ in each real runtime: the sample JPEG classified with the shipped model and B0
// with seeded weights must equal what Node computes (top-3 and probabilities; logits to 1e-6).
// Each test adds its row to test-output/edge-runtimes.json, the table the README quotes.

let reference: EdgeResult;
const rows: Record<string, unknown>[] = [];

beforeAll(async () => {
  reference = await node();
  rows.push(row('node', reference));
});

function maxDelta(a: readonly number[], b: readonly number[]): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

function row(name: string, result: EdgeResult) {
  return {
    runtime: name,
    top1: result.top[0]!.label,
    top1SameAsNode: result.top[0]!.label === reference.top[0]!.label,
    maxProbabilityDelta: maxDelta(result.top.map((p) => p.probability), reference.top.map((p) => p.probability)),
    b0MaxLogitDelta: maxDelta(result.b0.logits, reference.b0.logits),
    b0MedianMs: result.b0.medianMs === null ? null : Number(result.b0.medianMs.toFixed(1)),
  };
}

function expectSameAsNode(name: string, result: EdgeResult) {
  expect(result.top.map((p) => p.label)).toEqual(reference.top.map((p) => p.label));
  expect(maxDelta(result.top.map((p) => p.probability), reference.top.map((p) => p.probability))).toBeLessThanOrEqual(1e-6);
  expect(result.b0.logits).toHaveLength(1000);
  expect(maxDelta(result.b0.logits, reference.b0.logits)).toBeLessThanOrEqual(1e-6);
  rows.push(row(name, result));
  mkdirSync(`${root}test-output`, { recursive: true });
  writeFileSync(`${root}test-output/edge-runtimes.json`, JSON.stringify({ rows }, null, 2));
}

describe('examples/edge in the real runtimes', () => {
  it('node classifies the sample as a pullover, and its seeded B0 logits vary', () => {
    expect(reference.top[0]!.label).toBe('Pullover');
    expect(reference.top[0]!.probability).toBeGreaterThan(0.8);
    expect(Math.max(...reference.b0.logits) - Math.min(...reference.b0.logits)).toBeGreaterThan(0.01);
  });

  it('bun gives what node gives', async () => expectSameAsNode('bun', await bun()));

  it('deno gives what node gives', async () => expectSameAsNode('deno', await deno()));

  it('workerd (Cloudflare Workers) gives what node gives, from the precompiled effnet/effnet.wasm', async () => {
    const result = await workerd();
    expectSameAsNode('workerd', result);
    // Without the module, each backend says in one line why it cannot start and what to use.
    expect(result.probe.wasmFromBytes).toMatch(/forbids compiling WebAssembly from bytes.*effnet\/effnet\.wasm.*wasmModule/);
    expect(result.probe.reference).toMatch(/^the reference backend cannot run here: .*code generation.*wasm backend/);
  });

  it('chromium gives what node gives', async () => expectSameAsNode('chromium', await browser()));

  it('names the version of every runtime it ran', async () => {
    const v = await versions();
    for (const name of ['bun', 'deno', 'workerd', 'chromium']) expect(v[name]).toMatch(/^\d+[.-]\d+/);
    writeFileSync(`${root}test-output/edge-runtimes.json`, JSON.stringify({ versions: v, rows }, null, 2));
  });
});
