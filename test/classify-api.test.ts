import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Classifier, DEFAULT_MODEL_FILE, type RgbImage } from '../src/index.js';
import { readImage } from '../src/node/decode.js';
import { defaultModelPath } from '../src/node/default-model.js';

const root = new URL('../', import.meta.url);
const sample = (name: string) => readImage(new URL(`fixtures/images/${name}`, root).pathname);

describe('Classifier: the edge API, from bytes the caller provides', () => {
  it('DEFAULT_MODEL_FILE is where the package ships the default model', () => {
    expect(defaultModelPath()).toBe(new URL(DEFAULT_MODEL_FILE, root).pathname);
  });

  it("takes the checkpoint's classes and pipeline from its metadata", async () => {
    const bytes = new Uint8Array(readFileSync(new URL(DEFAULT_MODEL_FILE, root)));
    const classifier = await Classifier.load({ format: 'safetensors', bytes, name: DEFAULT_MODEL_FILE }, { backend: 'reference' });
    expect(classifier.labels).toHaveLength(10);
    expect(classifier.labels).toContain('Ankle boot');
    expect(classifier.pipeline).toMatchObject({ family: 'torchvision', size: 32, resize: 32, interpolation: 'bilinear' });
  });

  it('an ImageData (RGBA) and the same pixels as RGB get the same answer; options override the pipeline', async () => {
    const bytes = new Uint8Array(readFileSync(new URL(DEFAULT_MODEL_FILE, root)));
    const classifier = await Classifier.load({ format: 'safetensors', bytes }, { backend: 'reference', pipeline: { interpolation: 'bicubic' } });
    expect(classifier.pipeline.interpolation).toBe('bicubic');
    const rgb: RgbImage = await sample('ankle-boot-112.png');
    const rgba = new Uint8ClampedArray(rgb.width * rgb.height * 4).map((_, i) => (i % 4 === 3 ? 255 : rgb.data[(i >> 2) * 3 + (i % 4)]!));
    const [a, b] = classifier.classify([rgb, { width: rgb.width, height: rgb.height, data: rgba }], { top: 3 });
    expect(b).toEqual(a);
    expect(a).toHaveLength(3);
  });
});
