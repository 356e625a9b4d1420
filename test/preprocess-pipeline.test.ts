import { describe, expect, it } from 'vitest';
import { centerCrop, centralSquare } from '../src/image/crop.js';
import { rgbImage } from '../src/image/image.js';
import { IMAGENET_CLASSES } from '../src/image/imagenet-classes.js';
import { labelsFor, parseLabels, topK } from '../src/image/labels.js';
import { pipelineFromMetadata, classesFromMetadata } from '../src/image/metadata.js';
import { describePipeline, makePipeline, resized } from '../src/image/pipeline.js';
import { Tensor } from '../src/tensor/tensor.js';

const grid = (w: number, h: number) => rgbImage(w, h, Uint8Array.from({ length: w * h * 3 }, (_, i) => Math.floor(i / 3) % 251));

describe('pipelines per family', () => {
  it('torchvision at 224 resizes the shorter side to 256 with bicubic (the B0 weights transform)', () => {
    expect(makePipeline({ family: 'torchvision', size: 224 })).toMatchObject({ resize: 256, cropPct: 0.875, interpolation: 'bicubic' });
  });

  it("torchvision at its weights' crop sizes uses their own transforms (240: resize 255 bilinear; 300: 320)", () => {
    expect(makePipeline({ family: 'torchvision', size: 240 })).toMatchObject({ resize: 255, interpolation: 'bilinear' });
    expect(makePipeline({ family: 'torchvision', size: 300 })).toMatchObject({ resize: 320, interpolation: 'bicubic' });
    expect(makePipeline({ family: 'torchvision', size: 32, cropPct: 1, interpolation: 'bilinear' })).toMatchObject({ resize: 32 });
  });

  it('timm takes ⌊size / crop_pct⌋ as timm computes it (300 at 0.904 → 331)', () => {
    expect(makePipeline({ family: 'timm', size: 300, cropPct: 0.904 }).resize).toBe(331);
    expect(makePipeline({ family: 'timm', size: 240 }).resize).toBe(274);
  });

  it('timm_tf and keras keep size/(size+32): 240 → 272 for timm_tf', () => {
    expect(makePipeline({ family: 'timm_tf', size: 240 }).resize).toBe(272);
    expect(makePipeline({ family: 'keras', size: 224 }).cropPct).toBe(224 / 256);
  });

  it('an explicit resize wins and sets crop_pct to size/resize; keras has no resize', () => {
    expect(makePipeline({ family: 'torchvision', size: 224, resize: 232 })).toMatchObject({ resize: 232, cropPct: 224 / 232 });
    expect(() => makePipeline({ family: 'keras', resize: 256 })).toThrow(/resize does not apply to the keras pipeline/);
    expect(() => makePipeline({ cropPct: 1.5 })).toThrow(/crop_pct must be in \(0, 1\]/);
  });

  it('the longer side is truncated: 317×251 at resize 128 becomes 161×128, then the crop', () => {
    const p = makePipeline({ family: 'torchvision', size: 112, resize: 128, interpolation: 'bilinear' });
    expect(resized(grid(317, 251), p)).toMatchObject({ width: 112, height: 112 });
    expect(describePipeline(p)).toBe('torchvision: shorter side to 128 (bilinear, PIL), centre crop 112×112, (x/255 − [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225]');
  });
});

describe('crops', () => {
  const at = (img: ReturnType<typeof grid>) => img.data[0]!; // value = source pixel index % 251
  it("centre crop offsets use Python's round half to even: 161 → 112 starts at 24, 163 → 112 at 26", () => {
    expect(at(centerCrop(grid(161, 1), 1, 112))).toBe(24);
    expect(at(centerCrop(grid(163, 1), 1, 112))).toBe(26);
  });

  it('a crop larger than the image pads with black, the odd pixel right/bottom (torchvision)', () => {
    const img = centerCrop(rgbImage(1, 1, Uint8Array.from([9, 9, 9])), 2, 4);
    // padding left (4−1)//2 = 1, right 2; top (2−1)//2 = 0, bottom 1
    expect(Array.from(img.data).filter((_, i) => i % 3 === 0)).toEqual([0, 9, 0, 0, 0, 0, 0, 0]);
  });

  it('the TF crop keeps ⌊fraction·min(H, W)⌋ with the odd margin pixel top/left', () => {
    // 251 · 0.875 = 219.6 → 219; top (251 − 219 + 1) // 2 = 16, left (317 − 219 + 1) // 2 = 49
    const img = centralSquare(grid(317, 251), 224 / 256);
    expect([img.width, img.height, at(img)]).toEqual([219, 219, (16 * 317 + 49) % 251]);
  });
});

describe('checkpoint metadata', () => {
  const fashion = {
    family: 'torchvision', resolution: '32', crop_pct: '1.0', interpolation: 'bilinear',
    mean: '[0.286, 0.286, 0.286]', std: '[0.353, 0.353, 0.353]', classes: '["T-shirt/top", "Trouser"]',
  };

  it('gives the pipeline the checkpoint was trained with', () => {
    const p = makePipeline(pipelineFromMetadata(fashion, 'f.safetensors'));
    expect(p).toMatchObject({ family: 'torchvision', size: 32, resize: 32, cropPct: 1, interpolation: 'bilinear', mean: [0.286, 0.286, 0.286] });
    expect(classesFromMetadata(fashion, 'f.safetensors')).toEqual(['T-shirt/top', 'Trouser']);
  });

  it('a malformed value is an error naming the file and the key', () => {
    expect(() => pipelineFromMetadata({ mean: '[1, 2]' }, 'f.safetensors')).toThrow("f.safetensors: metadata 'mean' must hold three numbers");
    expect(() => pipelineFromMetadata({ interpolation: 'lanczos' }, 'f.safetensors')).toThrow(/metadata 'interpolation' is not bilinear or bicubic/);
    expect(() => classesFromMetadata({ classes: 'T-shirt' }, 'f.safetensors')).toThrow(/metadata 'classes' must be a JSON array of strings/);
  });
});

describe('labels and top-k', () => {
  it('1000 classes get the ImageNet names torchvision lists (0 tench, 999 toilet tissue)', () => {
    const names = labelsFor(1000, undefined, 'm');
    expect([names[0], names[207], names[999]]).toEqual(['tench', 'golden retriever', 'toilet tissue']);
    expect(IMAGENET_CLASSES).toHaveLength(1000);
  });

  it('a labels file is one name a line or a JSON array, and must match the class count', () => {
    expect(parseLabels('cat\r\ndog\n\n', 'l.txt')).toEqual(['cat', 'dog']);
    expect(parseLabels('["cat", "dog"]', 'l.json')).toEqual(['cat', 'dog']);
    expect(() => labelsFor(3, ['cat', 'dog'], 'l.txt')).toThrow('l.txt: 2 labels but the model has 3 classes');
    expect(() => parseLabels('[1, 2]', 'l.json')).toThrow('l.json: the JSON must be an array of strings');
  });

  it('probabilities are the softmax of the logits, best first, k clamped to the class count', () => {
    const logits = Tensor.from([1, 3], [0, Math.log(3), -Infinity]); // float32: ln 3 to 7 digits
    const [top] = topK(logits, ['a', 'b', 'c'], 10);
    expect(top!.map((p) => p.label)).toEqual(['b', 'a', 'c']);
    expect(top![0]!.probability).toBeCloseTo(0.75, 6);
    expect(top![1]!.probability).toBeCloseTo(0.25, 6);
    expect(top![2]!.probability).toBe(0);
  });
});
