import { Tensor } from '../tensor/tensor.js';
import type { RgbImage } from './image.js';
import type { FloatRgbImage } from './resample.js';

export type Triple = readonly [number, number, number];

export const IMAGENET_MEAN: Triple = Object.freeze([0.485, 0.456, 0.406] as const);
export const IMAGENET_STD: Triple = Object.freeze([0.229, 0.224, 0.225] as const);

/**
 * (x / 255 − mean) / std per channel, into batch slot `index` of an NHWC tensor. Each step is
 * rounded to float32 as torchvision's ToTensor (float32 division by 255) and Normalize (sub_,
 * div_ by float32 mean and std) compute it, so 8-bit input gives bit-identical tensors.
 */
export function normalizeInto(out: Tensor, index: number, image: RgbImage | FloatRgbImage, mean: Triple, std: Triple): void {
  const [n, h, w, c] = out.shape;
  if (out.rank !== 4 || c !== 3 || h !== image.height || w !== image.width || index < 0 || index >= n!) {
    throw new Error(`a ${image.width}×${image.height} image does not fit slot ${index} of [${out.shape.join(', ')}]`);
  }
  const m = mean.map(Math.fround);
  const s = std.map(Math.fround);
  const offset = index * h * w * 3;
  const src = image.data;
  for (let i = 0; i < h * w * 3; i += 3) {
    for (let ch = 0; ch < 3; ch++) {
      out.data[offset + i + ch] = Math.fround(Math.fround(Math.fround(src[i + ch]! / 255) - m[ch]!) / s[ch]!);
    }
  }
}

/** One image as a [1, H, W, 3] tensor (see normalizeInto). */
export function normalize(image: RgbImage | FloatRgbImage, mean: Triple, std: Triple): Tensor {
  const out = new Tensor([1, image.height, image.width, 3]);
  normalizeInto(out, 0, image, mean, std);
  return out;
}
