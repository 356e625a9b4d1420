import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { rgbImage } from '../src/image/image.js';
import { makePipeline, preprocess } from '../src/image/pipeline.js';
import { resizeRgbFloat, type Interpolation } from '../src/image/resample.js';
import { readImage } from '../src/node/decode.js';
import { readNpy } from '../src/tensor/npy.js';
import { Tensor } from '../src/tensor/tensor.js';
import { compareAbsolute } from './golden-compare.js';

// Oracle: scripts/golden/preprocess_torch.py runs torchvision's own transforms (Resize → PIL,
// CenterCrop, ToTensor, Normalize) on the same files; see fixtures/preprocess/manifest.json.
const dir = new URL('../fixtures/preprocess/', import.meta.url);
const path = (name: string) => new URL(name, dir).pathname;
const npy = (name: string) => readNpy(new Uint8Array(readFileSync(path(name))), name);
const manifest = JSON.parse(readFileSync(path('manifest.json'), 'utf8')) as {
  versions: Record<string, string>;
  tensors: { file: string; image: string; resize: number; crop: number; interpolation: Interpolation }[];
  float_resizes: { file: string; source: string; interpolation: Interpolation; size: [number, number] }[];
};

/** compareAbsolute against torchvision's tensor, asserted; the mean absolute difference beside it. */
function expectWithin(file: string, ours: Tensor, golden: Tensor, tolerance: number): number {
  const cmp = compareAbsolute(file, golden, ours, tolerance);
  expect(cmp.ok, cmp.message).toBe(true);
  return ours.data.reduce((sum, v, i) => sum + Math.abs(v - golden.data[i]!), 0) / golden.size;
}

const pipelineOf = (t: (typeof manifest.tensors)[number]) =>
  makePipeline({ family: 'torchvision', size: t.crop, resize: t.resize, interpolation: t.interpolation });

describe(`torchvision transforms parity (torchvision ${manifest.versions.torchvision}, Pillow ${manifest.versions.pillow})`, () => {
  const png = manifest.tensors.filter((t) => t.image.endsWith('.png'));
  const jpeg = manifest.tensors.filter((t) => t.image.endsWith('.jpg'));

  // Bit-identical: the resize reproduces PIL's fixed-point arithmetic and each float32 step of
  // ToTensor/Normalize is rounded as torch rounds it.
  it.each(png.map((t) => [t.file, t]))('%s is bit-identical', async (_file, t) => {
    expectWithin(t.file, preprocess(await readImage(path(t.image)), pipelineOf(t)), npy(t.file), 0);
  });

  it.each(jpeg.map((t) => [t.file, t]))('%s is bit-identical from the pixels PIL decodes', async (_file, t) => {
    expectWithin(t.file, preprocess(await readImage(path(`${t.image}.pil.png`)), pipelineOf(t)), npy(t.file), 0);
  });

  // From our own JPEG decode: within 3 levels of PIL's pixels (test/image-decode), so within
  // 5 levels after the resize (the bicubic lobes and each pass's rounding add up to 2):
  // 5 / 255 / 0.224 ≈ 0.0875 in normalised units. Measured: 0.035 (bilinear), 0.052 (bicubic).
  it.each(jpeg.map((t) => [t.file, t]))('%s is within 5 levels from our own JPEG decode', async (_file, t) => {
    const mean = expectWithin(t.file, preprocess(await readImage(path(t.image)), pipelineOf(t)), npy(t.file), 5 / 255 / 0.224);
    expect(mean).toBeLessThan(0.005);
  });
});

describe('float resampling (the keras pipeline) against PIL mode "F" resizes', () => {
  const source = npy('float-source-100x80.npy');
  const [h, w] = source.shape as [number, number];
  const image = { width: w, height: h, data: new Float32Array(w * h * 3) };
  for (let i = 0; i < w * h; i++) image.data.fill(source.data[i]!, i * 3, i * 3 + 3);

  it.each(manifest.float_resizes.map((f) => [f.file, f]))('%s (antialiased as PIL) matches to 1e-4', (_file, f) => {
    const [ow, oh] = f.size;
    const ours = resizeRgbFloat(image, ow, oh, f.interpolation, true);
    const golden = npy(f.file);
    const red = Tensor.from(golden.shape, ours.data.filter((_, i) => i % 3 === 0)); // the three channels are equal
    const cmp = compareAbsolute(f.file, golden, red, 1e-4);
    expect(cmp.ok, cmp.message).toBe(true);
  });

  it('without antialiasing a 2× bilinear shrink averages pixel pairs (tf.image.resize, half-pixel centres)', () => {
    const row = rgbImage(4, 1, Uint8Array.from([0, 0, 0, 10, 10, 10, 20, 20, 20, 40, 40, 40]));
    expect(Array.from(resizeRgbFloat(row, 2, 1, 'bilinear', false).data)).toEqual([5, 5, 5, 30, 30, 30]);
  });
});
