import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { BackendName } from '../src/backends/backend.js';
import { Classifier } from '../src/image/classifier.js';
import { cropRect, type RgbImage } from '../src/image/image.js';
import { resizeRgb } from '../src/image/resample.js';
import { loadCheckpointFile } from '../src/node/checkpoint.js';
import { readImage } from '../src/node/decode.js';
import { defaultModelPath } from '../src/node/default-model.js';
import { readNpy } from '../src/tensor/npy.js';

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
const torchLogits = readNpy(new Uint8Array(readFileSync(new URL('test-1000-logits.npy', dir))), 'test-1000-logits.npy');
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
      const classifier = Classifier.fromModel(await loadCheckpointFile(defaultModelPath(), { backend }));
      const images = await tiles('test-1000.png', doc.tile);
      const logits = classifier.model.run(classifier.preprocess(images));
      const classes = logits.shape[1]!;
      expect(logits.shape).toEqual(torchLogits.shape);
      let agree = 0, correct = 0, maxDiff = 0, maxLogit = 0;
      for (let i = 0; i < doc.count; i++) {
        const row = logits.data.subarray(i * classes, (i + 1) * classes);
        const top1 = row.indexOf(Math.max(...row));
        if (top1 === doc.items[i]!.torch_top1) agree++;
        if (top1 === doc.items[i]!.label) correct++;
        for (let c = 0; c < classes; c++) {
          maxDiff = Math.max(maxDiff, Math.abs(row[c]! - torchLogits.data[i * classes + c]!));
          maxLogit = Math.max(maxLogit, Math.abs(torchLogits.data[i * classes + c]!));
        }
      }
      const report = `${backend}: agreement ${agree}/${doc.count}, accuracy ${(correct / doc.count).toFixed(4)} (PyTorch ${torchAccuracy.toFixed(4)}), max |Δlogit| ${maxDiff.toExponential(2)} of ${maxLogit.toFixed(2)}`;
      expect(agree / doc.count, report).toBeGreaterThanOrEqual(0.995);
      expect(Math.abs(correct / doc.count - torchAccuracy), report).toBeLessThanOrEqual(0.005);
      expect(maxDiff, report).toBeLessThanOrEqual(1e-4 * maxLogit);
    },
  );
});
