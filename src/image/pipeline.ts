import { checkAtMost, limits } from '../limits.js';
import { Tensor } from '../tensor/tensor.js';
import { FAMILIES, type Family } from '../weights/names/index.js';
import { centerCrop, centralSquare } from './crop.js';
import type { RgbImage } from './image.js';
import { IMAGENET_MEAN, IMAGENET_STD, normalizeInto, type Triple } from './normalize.js';
import { isInterpolation, resizeRgb, resizeRgbFloat, type FloatRgbImage, type Interpolation } from './resample.js';

/**
 * How a checkpoint's authors turned a photo into the network's input, by the checkpoint's family
 * (the same names as the weight readers'). Every family ends in
 * (x/255 − mean)/std per channel (the Keras model does that inside itself; our model.run takes
 * its input already normalised).
 *
 * - `keras`: the TF EfficientNet eval transform. Crop the centred square of side
 *   size/(size+32) × the shorter side (cropPct), then resize it to size×size with
 *   tf.image.resize's bicubic (Keys a = −0.5, half-pixel centres, no antialiasing), in float
 *   without rounding to 8 bits.
 * - `torchvision`: Resize(resize) of the shorter side with PIL (8-bit, antialiased when shrinking),
 *   the longer side int(resize·long/short), then CenterCrop(size), ToTensor, Normalize. At the
 *   crop sizes of torchvision's EfficientNet weights, their own resize and interpolation
 *   (TORCHVISION_EVAL); elsewhere ⌊size / 0.875⌋, bicubic.
 * - `timm`: the same steps; resize = ⌊size / cropPct⌋ (crop_pct 0.875 unless the checkpoint says).
 * - `timm_tf`: timm's pipeline for the tf_ ports: crop_pct size/(size+32), bicubic.
 */
export interface Pipeline {
  readonly family: Family;
  /** Side of the square the network sees. */
  readonly size: number;
  /** torchvision/timm: the shorter side after the resize, before the crop. */
  readonly resize: number;
  /** The share of the (resized, or for keras original) shorter side the crop keeps. */
  readonly cropPct: number;
  readonly interpolation: Interpolation;
  readonly mean: Triple;
  readonly std: Triple;
}

export interface PipelineOptions {
  family?: Family;
  size?: number;
  resize?: number;
  cropPct?: number;
  interpolation?: Interpolation;
  mean?: Triple;
  std?: Triple;
}

/**
 * torchvision's EfficientNet weights' eval transforms (`weights.transforms()`, torchvision 0.14),
 * by crop size: [resize, interpolation]. B1's are its default IMAGENET1K_V2 weights'.
 */
export const TORCHVISION_EVAL: Readonly<Record<number, readonly [number, Interpolation]>> = {
  224: [256, 'bicubic'], 240: [255, 'bilinear'], 288: [288, 'bicubic'], 300: [320, 'bicubic'],
  380: [384, 'bicubic'], 456: [456, 'bicubic'], 528: [528, 'bicubic'], 600: [600, 'bicubic'],
};

export function isFamily(name: string): name is Family {
  return (FAMILIES as readonly string[]).includes(name);
}

/**
 * A pipeline with each family's defaults filled in. An explicit `resize` wins over `cropPct`
 * (and cropPct is then size/resize); `cropPct` gives resize = ⌊size / cropPct⌋ as timm computes it.
 */
export function makePipeline(options: PipelineOptions = {}): Pipeline {
  const family = options.family ?? 'torchvision';
  const size = options.size ?? 224;
  positiveInteger(size, 'size');
  const maxResize = limits().maxResize;
  checkAtMost(size, maxResize, 'size', 'maxResize', 'pixels of crop side');
  const padded = size / (size + 32);
  const torchvision = family === 'torchvision' ? TORCHVISION_EVAL[size] : undefined;
  const defaultPct = family === 'keras' || family === 'timm_tf' ? padded : torchvision ? size / torchvision[0] : 0.875;
  let cropPct = options.cropPct ?? defaultPct;
  if (!(cropPct > 0 && cropPct <= 1)) throw new Error(`crop_pct must be in (0, 1], got ${cropPct}`);
  let resize: number;
  if (options.resize !== undefined) {
    positiveInteger(options.resize, 'resize');
    checkAtMost(options.resize, maxResize, 'resize', 'maxResize', 'pixels of shorter side');
    if (family === 'keras') throw new Error('resize does not apply to the keras pipeline (it crops, then resizes to size); use crop_pct');
    resize = options.resize;
    if (options.cropPct === undefined) cropPct = size / resize;
  } else if (options.cropPct !== undefined) {
    resize = Math.floor(size / cropPct);
    checkAtMost(resize, maxResize, `crop_pct ${cropPct}`, 'maxResize', 'pixels of shorter side');
  } else {
    // The padded fraction means size + 32 exactly (dividing by it can give 271.999…).
    resize = torchvision?.[0] ?? (cropPct === padded ? size + 32 : Math.floor(size / cropPct));
  }
  const interpolation = options.interpolation ?? torchvision?.[1] ?? 'bicubic';
  if (!isInterpolation(interpolation)) throw new Error(`interpolation must be bilinear or bicubic, got '${String(interpolation)}'`);
  return Object.freeze({
    family, size, resize, cropPct, interpolation,
    mean: triple(options.mean ?? IMAGENET_MEAN, 'mean'),
    std: triple(options.std ?? IMAGENET_STD, 'std'),
  });
}

/** One line saying what happens to an image, in order. */
export function describePipeline(p: Pipeline): string {
  const norm = `(x/255 − [${p.mean.join(', ')}]) / [${p.std.join(', ')}]`;
  if (p.family === 'keras') {
    return `keras: centre square ${round(p.cropPct)} of the shorter side, ${p.interpolation} (TF, float) to ${p.size}×${p.size}, ${norm}`;
  }
  return `${p.family}: shorter side to ${p.resize} (${p.interpolation}, PIL), centre crop ${p.size}×${p.size}, ${norm}`;
}

/** The network input for one decoded image: a [1, size, size, 3] NHWC float32 tensor. */
export function preprocess(image: RgbImage, p: Pipeline): Tensor {
  return preprocessBatch([image], p);
}

/** Several images as one [N, size, size, 3] batch. */
export function preprocessBatch(images: readonly RgbImage[], p: Pipeline): Tensor {
  const out = new Tensor([images.length, p.size, p.size, 3]);
  images.forEach((image, i) => normalizeInto(out, i, resized(image, p), p.mean, p.std));
  return out;
}

/** The image after the pipeline's geometry (resize and crop), before normalisation. */
export function resized(image: RgbImage, p: Pipeline): RgbImage | FloatRgbImage {
  if (p.family === 'keras') return resizeRgbFloat(centralSquare(image, p.cropPct), p.size, p.size, p.interpolation, false);
  const [rw, rh] = checkResizable(image, p);
  return centerCrop(resizeRgb(image, rw, rh, p.interpolation), p.size, p.size);
}

/**
 * The size the pipeline resizes an image to before its crop, refused (a LimitError naming the
 * image's size) when it passes maxPixels: a 1×20000 strip would become 256×5,120,000.
 */
export function checkResizable(image: { width: number; height: number }, p: Pipeline): [number, number] {
  const { width: w, height: h } = image;
  if (p.family === 'keras') return [p.size, p.size];
  // torchvision's _compute_resized_output_size: the longer side is truncated, not rounded.
  const [rw, rh] = w <= h ? [p.resize, Math.trunc((p.resize * h) / w)] : [Math.trunc((p.resize * w) / h), p.resize];
  checkAtMost(rw * rh, limits().maxPixels, `image ${w}×${h}`, 'maxPixels', `pixels after resizing to ${rw}×${rh}`);
  return [rw, rh];
}

function positiveInteger(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`${what} must be a positive integer, got ${n}`);
}

function triple(v: readonly number[], what: string): Triple {
  if (v.length !== 3 || !v.every((x) => Number.isFinite(x))) throw new Error(`${what} must be three numbers, got ${JSON.stringify(v)}`);
  if (what === 'std' && !v.every((x) => x > 0)) throw new Error(`std must be positive, got ${JSON.stringify(v)}`);
  return Object.freeze([v[0]!, v[1]!, v[2]!] as const);
}

function round(x: number): string {
  return String(Math.round(x * 10000) / 10000);
}
