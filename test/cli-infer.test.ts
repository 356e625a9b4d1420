import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/main.js';
import { randomInput } from '../src/weights/random.js';
import { readNpy, writeNpy } from '../src/tensor/npy.js';
import { compareLayer } from './golden-compare.js';

const golden = (path: string) => new URL(`../fixtures/golden/${path}`, import.meta.url).pathname;
const npy = (path: string) => readNpy(new Uint8Array(readFileSync(path)), path);
const tmp = mkdtempSync(join(tmpdir(), 'effnet-infer-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs `effnet …` in-process: exit code and what it printed to stderr. */
async function effnet(...argv: string[]): Promise<{ code: number; stderr: string[] }> {
  const stderr: string[] = [];
  const spy = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void stderr.push(a.join(' ')));
  try {
    return { code: await main(argv), stderr };
  } finally {
    spy.mockRestore();
  }
}

describe('effnet infer', () => {
  it('runs a TF.js LayersModel on the golden input and writes the golden logits (default backend)', async () => {
    const out = join(tmp, 'tfjs-logits.npy');
    const r = await effnet('infer', '--weights', golden('tfjs-b0-224/model.json'), '--input', golden('tfjs-b0-224/input.npy'), '--output', out);
    expect(r.code, r.stderr.join('\n')).toBe(0);
    const c = compareLayer('predictions', npy(golden('tfjs-b0-224/predictions.npy')), npy(out), 1e-4);
    expect(c.message).toBe('');
  });

  it('dumps a torchvision checkpoint layer by layer under the Keras names the golden uses', async () => {
    const dir = join(tmp, 'dump');
    const out = join(tmp, 'torch-logits.npy');
    const r = await effnet('infer', '--weights', golden('torch-custom-32/model.safetensors'), '--input', golden('torch-custom-32/input.npy'), '--output', out, '--backend', 'reference', '--dump', dir);
    expect(r.code, r.stderr.join('\n')).toBe(0);
    const manifest = JSON.parse(readFileSync(golden('torch-custom-32/manifest.json'), 'utf8')) as { tensors: Record<string, number[]> };
    for (const layer of Object.keys(manifest.tensors)) {
      expect(existsSync(join(dir, `${layer}.npy`)), layer).toBe(true);
      expect(compareLayer(layer, npy(golden(`torch-custom-32/${layer}.npy`)), npy(join(dir, `${layer}.npy`)), 1e-4).message).toBe('');
    }
    expect(existsSync(join(dir, 'block1a_se_squeeze.npy'))).toBe(true);
    expect(r.stderr.join('\n')).toMatch(/from torchvision safetensors, symmetric padding, bn eps 0\.00001, reference backend/);
  });

  it('runs seeded weights when no checkpoint is given, on an [H, W, 3] input', async () => {
    const input = join(tmp, 'x.npy');
    writeFileSync(input, writeNpy(randomInput([32, 32, 3], 5)));
    const r = await effnet('infer', '--model', 'b0', '--input', input, '--output', join(tmp, 'seeded.npy'), '--seed', '3');
    expect(r.code, r.stderr.join('\n')).toBe(0);
    expect(npy(join(tmp, 'seeded.npy')).shape).toEqual([1, 1000]);
  });
});

describe('effnet infer refuses bad checkpoints with one line and exit code 1', () => {
  const input = golden('tfjs-b0-224/input.npy');
  let n = 0;
  /** A copy of the golden TF.js model, changed by `spoil`. */
  function spoiled(spoil: (dir: string, json: { weightsManifest: { paths: string[]; weights: { name: string; shape: number[] }[] }[] }) => void): string {
    const dir = join(tmp, `model-${n++}`);
    cpSync(golden('tfjs-b0-224'), dir, { recursive: true, filter: (src) => !src.endsWith('.npy') });
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    spoil(dir, json);
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    return join(dir, 'model.json');
  }
  const weightsOf = (json: Parameters<Parameters<typeof spoiled>[0]>[1], name: string) => json.weightsManifest[0]!.weights.find((w) => w.name === name)!;

  it.each([
    ['a missing shard', () => spoiled((dir) => unlinkSync(join(dir, 'group1-shard2of3.bin'))), /model\.json: shard 'group1-shard2of3\.bin' is missing \(no such file\)$/],
    ['a truncated shard', () => spoiled((dir) => truncateSync(join(dir, 'group1-shard3of3.bin'), 1000)), /model\.json: truncated shards: group1-shard1of3\.bin \+ group1-shard2of3\.bin \+ group1-shard3of3\.bin hold \d+ bytes, the manifest needs 10661128/],
    ['a wrong shape', () => spoiled((_, json) => (weightsOf(json, 'stem_conv/kernel').shape = [3, 3, 32, 3])), /the keras tensors fit no B0–B7 variant; the closest, b0 .*, has 1 problem\(s\): stem_conv\/kernel has shape \[3, 3, 32, 3\], expected \[3, 3, 3, 32\] \(give the variant/],
    ['an unknown name', () => spoiled((_, json) => (weightsOf(json, 'top_bn/gamma').name = 'top_bn/scale')), /checkpoint does not fit b0 .*: 2 problem\(s\): missing top_bn\/gamma \[1280\]; unexpected top_bn\/scale \[1280\]$/],
    ['a manifest path that leaves the folder', () => spoiled((_, json) => (json.weightsManifest[0]!.paths[0] = '../group1-shard1of3.bin')), /model\.json: weightsManifest path "\.\.\/group1-shard1of3\.bin" leaves the model's folder$/],
    ['a shard that is a symlink out of the folder', () => spoiled((dir) => {
      const outside = join(tmp, `outside-${n}.bin`);
      cpSync(join(dir, 'group1-shard1of3.bin'), outside);
      unlinkSync(join(dir, 'group1-shard1of3.bin'));
      symlinkSync(outside, join(dir, 'group1-shard1of3.bin'));
    }), /model\.json: shard 'group1-shard1of3\.bin' resolves to .*outside-\d+\.bin, outside the model's folder$/],
    ['a truncated safetensors file', () => {
      const path = join(tmp, 'cut.safetensors');
      writeFileSync(path, readFileSync(golden('torch-b0-224/model.safetensors')).subarray(0, 100_000));
      return path;
    }, /cut\.safetensors: truncated: the header describes 10\d+ data bytes, the file holds \d+$/],
    ['a checkpoint that does not exist', () => join(tmp, 'nowhere.safetensors'), /nowhere\.safetensors: no such file$/],
  ])('%s', async (_, make, message) => {
    const r = await effnet('infer', '--weights', make(), '--input', input, '--output', join(tmp, 'never.npy'));
    expect(r.code).toBe(1);
    expect(r.stderr).toHaveLength(1);
    expect(r.stderr[0]).toMatch(/^effnet infer: /);
    expect(r.stderr[0]).toMatch(message);
    expect(existsSync(join(tmp, 'never.npy'))).toBe(false);
  });

  it('a bad option is a usage error (exit code 2)', async () => {
    const r = await effnet('infer', '--weights', 'x', '--input', input, '--output', 'y', '--backend', 'gpu');
    expect(r.code).toBe(2);
    expect(r.stderr[0]).toMatch(/--backend must be wasm, reference or webgpu, got 'gpu'/);
  });
});
