import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '../src/weights/safetensors.js';
import { readNpy } from '../src/tensor/npy.js';
import { effnet } from './run-cli.js';

const root = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'effnet-embed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const IMAGES = ['fixtures/images/trouser.png', 'fixtures/images/pullover.jpg'].map((f) => root + f);

describe('effnet embed', () => {
  it('writes one 640-wide row per image whose classifier output is what classify reports', async () => {
    const out = join(dir, 'emb.npy');
    const r = await effnet('embed', ...IMAGES, '--output', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')).toEqual(IMAGES);
    const emb = readNpy(new Uint8Array(readFileSync(out)));
    expect(emb.shape).toEqual([2, 640]); // the shipped model's head: roundFilters(1280, 0.5)
    // The embedding is the classifier's input: torchvision's classifier.1 (Linear 640 → 10) on
    // it, then softmax, gives classify's probabilities.
    const { tensors } = readSafetensors(new Uint8Array(readFileSync(`${root}fixtures/models/fashion-effnet.safetensors`)), 'model');
    const w = tensors.get('classifier.1.weight')!.data!;
    const b = tensors.get('classifier.1.bias')!.data!;
    const c = await effnet('classify', ...IMAGES, '--json', '--top', '1');
    const tops = JSON.parse(c.stdout) as { top: { index: number; probability: number }[] }[];
    for (let i = 0; i < 2; i++) {
      const row = emb.data.subarray(i * 640, (i + 1) * 640);
      const logits = Array.from({ length: 10 }, (_, k) => b[k]! + row.reduce((s, v, j) => s + v * w[k * 640 + j]!, 0));
      const z = logits.reduce((s, v) => s + Math.exp(v - Math.max(...logits)), 0);
      const { index, probability } = tops[i]!.top[0]!;
      expect(Math.exp(logits[index]! - Math.max(...logits)) / z).toBeCloseTo(probability, 5);
    }
  });

  it('--json gives {file, embedding} per image', async () => {
    const r = await effnet('embed', IMAGES[0]!, '--json');
    expect(r.code, r.stderr).toBe(0);
    const [row] = JSON.parse(r.stdout) as { file: string; embedding: number[] }[];
    expect(row!.file).toBe(IMAGES[0]);
    expect(row!.embedding).toHaveLength(640);
  });

  it('a bad image gets its line, the others are still embedded, and the exit code is 1', async () => {
    const bad = join(dir, 'bad.png');
    writeFileSync(bad, 'not a png');
    const out = join(dir, 'some.npy');
    const r = await effnet('embed', bad, IMAGES[0]!, '--output', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.png/);
    expect(r.stdout).toBe(IMAGES[0]);
    expect(readNpy(new Uint8Array(readFileSync(out))).shape).toEqual([1, 640]);
  });

  it('needs exactly one of --output and --json', async () => {
    expect((await effnet('embed', IMAGES[0]!)).code).toBe(2);
    expect((await effnet('embed', IMAGES[0]!, '--json', '--output', join(dir, 'x.npy'))).code).toBe(2);
  });
});
