import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { BackendName } from '../src/backends/backend.js';
import { cropRect, type RgbImage } from '../src/image/image.js';
import { resizeRgb } from '../src/image/resample.js';
import { readImage } from '../src/node/decode.js';
import { checkFashion } from '../src/node/fashion.js';

// Oracle: scripts/train/train_fashion.py ran the trained model in PyTorch on these 1,000
// Fashion-MNIST test images (the first 100 of each class) through torchvision's eval pipeline
// and wrote its logits and top-1 (fixtures/fashion/test-1000.json names producer and versions).
const dir = new URL('../fixtures/fashion/', import.meta.url);
const doc = JSON.parse(readFileSync(new URL('test-1000.json', dir), 'utf8')) as {
  tile: number;
  columns: number;
  count: number;
  torch_version: string;
  items: { label: number; torch_top1: number }[];
};
const tiles = async (sprite: string, size: number): Promise<RgbImage[]> => {
  const image = await readImage(new URL(sprite, dir).pathname);
  return Array.from({ length: doc.count }, (_, i) => cropRect(image, (i % doc.columns) * size, Math.floor(i / doc.columns) * size, size, size));
};
const torchAccuracy = doc.items.filter((it) => it.torch_top1 === it.label).length / doc.count;

describe(`the shipped Fashion-MNIST model against PyTorch ${doc.torch_version} on 1,000 test images`, () => {
  it("the 28→32 bilinear resize gives PIL's own bytes for every tile", async () => {
    const [small, resized] = await Promise.all([tiles('test-1000.png', doc.tile), tiles('test-1000-resized32.png', 32)]);
    const differing = small.filter((t, i) => !resizeRgb(t, 32, 32, 'bilinear').data.every((v, j) => v === resized[i]!.data[j]));
    expect(differing).toHaveLength(0);
  });

  it.each(['reference', 'wasm'] as BackendName[])(
    '%s: the same top-1 as PyTorch on at least 995 of 1,000, accuracy within 0.5 points, logits within 1e-4 × max |logit|',
    async (backend) => {
      const r = await checkFashion(fileURLToPath(new URL('../fixtures/', import.meta.url)), backend);
      const report = `${backend}: agreement ${r.agree}/${r.count}, accuracy ${r.accuracy.toFixed(4)} (PyTorch ${r.torchAccuracy.toFixed(4)}), max |Δlogit| ${r.maxError.toExponential(2)} of ${r.maxLogit.toFixed(2)}`;
      expect(r.count).toBe(1000);
      expect(r.torchAccuracy).toBe(torchAccuracy);
      expect(r.agree / r.count, report).toBeGreaterThanOrEqual(0.995);
      expect(Math.abs(r.accuracy - r.torchAccuracy), report).toBeLessThanOrEqual(0.005);
      expect(r.maxError, report).toBeLessThanOrEqual(1e-4 * r.maxLogit);
      expect(r.ok, r.failures.join('; ')).toBe(true);
    },
  );
});
