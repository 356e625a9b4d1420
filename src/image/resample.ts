import { rgbImage, type RgbImage } from './image.js';

export type Interpolation = 'bilinear' | 'bicubic';

interface Filter {
  support: number;
  weight(x: number): number;
}

// PIL's filters (libImaging/Resample.c): the triangle, and Keys' cubic with a = −0.5.
const FILTERS: Record<Interpolation, Filter> = {
  bilinear: {
    support: 1,
    weight(x) {
      if (x < 0) x = -x;
      return x < 1 ? 1 - x : 0;
    },
  },
  bicubic: {
    support: 2,
    weight(x) {
      const a = -0.5;
      if (x < 0) x = -x;
      if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
      if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
      return 0;
    },
  },
};

export function isInterpolation(name: string): name is Interpolation {
  return name === 'bilinear' || name === 'bicubic';
}

/** One axis of a separable resize: output i reads `count[i]` inputs from `first[i]`, weighted. */
export interface AxisWeights {
  first: Int32Array;
  count: Int32Array;
  /** outSize × taps, row i holding output i's weights (zeros past count[i]). */
  weights: Float64Array;
  taps: number;
}

/**
 * PIL's precompute_coeffs: pixel centres at i + 0.5; the filter is stretched by the scale when
 * shrinking (antialiasing), so every input pixel contributes; taps that fall off the image are
 * dropped and the rest renormalised to sum to 1. `antialias: false` keeps the filter unstretched,
 * which is tf.image.resize's default (its Keys cubic also drops off-image taps and renormalises).
 * The arithmetic follows PIL's order of operations so that the 8-bit weights round as PIL's do.
 */
export function axisWeights(inSize: number, outSize: number, interpolation: Interpolation, antialias = true): AxisWeights {
  const filter = FILTERS[interpolation];
  const scale = inSize / outSize;
  const filterscale = antialias && scale > 1 ? scale : 1;
  const support = filter.support * filterscale;
  const taps = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * taps);
  const ss = 1 / filterscale;
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let total = 0;
    for (let x = 0; x < xmax; x++) {
      const w = filter.weight((x + xmin - center + 0.5) * ss);
      weights[i * taps + x] = w;
      total += w;
    }
    if (total !== 0) for (let x = 0; x < xmax; x++) weights[i * taps + x]! /= total;
    first[i] = xmin;
    count[i] = xmax;
  }
  return { first, count, weights, taps };
}

const PRECISION_BITS = 32 - 8 - 2;

/** PIL's normalize_coeffs_8bpc: weights as 22-bit fixed point, rounded half away from zero. */
function fixedPoint(weights: Float64Array): Int32Array {
  const out = new Int32Array(weights.length);
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i]! * (1 << PRECISION_BITS);
    out[i] = Math.trunc(w < 0 ? w - 0.5 : w + 0.5);
  }
  return out;
}

/**
 * Resize exactly as PIL's Image.resize does for 8-bit RGB (what torchvision's Resize calls on a PIL
 * image): horizontal pass first into an 8-bit image, then the vertical pass, each output
 * 2^21 + Σ pixel·weight in integers, shifted right 22 bits and clamped to 0..255.
 */
export function resizeRgb(image: RgbImage, width: number, height: number, interpolation: Interpolation): RgbImage {
  let out = image;
  if (width !== image.width) out = pass8(out, axisWeights(image.width, width, interpolation), true);
  if (height !== image.height) out = pass8(out, axisWeights(image.height, height, interpolation), false);
  return out === image ? rgbImage(width, height, image.data.slice()) : out;
}

function pass8(image: RgbImage, axis: AxisWeights, horizontal: boolean): RgbImage {
  const k = fixedPoint(axis.weights);
  const outSize = axis.first.length;
  const out = rgbImage(horizontal ? outSize : image.width, horizontal ? image.height : outSize);
  const lines = horizontal ? image.height : image.width;
  // Step between neighbouring taps and between lines, in bytes of the source.
  const tapStride = horizontal ? 3 : image.width * 3;
  const lineStride = horizontal ? image.width * 3 : 3;
  const outTap = horizontal ? 3 : out.width * 3;
  const outLine = horizontal ? out.width * 3 : 3;
  const src = image.data;
  for (let line = 0; line < lines; line++) {
    for (let i = 0; i < outSize; i++) {
      const base = line * lineStride + axis.first[i]! * tapStride;
      const n = axis.count[i]!;
      const row = i * axis.taps;
      let r = 1 << (PRECISION_BITS - 1), g = r, b = r;
      for (let t = 0; t < n; t++) {
        const p = base + t * tapStride;
        const w = k[row + t]!;
        r += src[p]! * w;
        g += src[p + 1]! * w;
        b += src[p + 2]! * w;
      }
      const o = line * outLine + i * outTap;
      out.data[o] = clip8(r);
      out.data[o + 1] = clip8(g);
      out.data[o + 2] = clip8(b);
    }
  }
  return out;
}

function clip8(acc: number): number {
  const v = acc >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** RGB as float32, row-major, interleaved like RgbImage; values may leave 0..255 (cubic overshoot). */
export interface FloatRgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

/**
 * A float resize without rounding or clamping between or after passes, as tf.image.resize makes
 * (half-pixel centres; `antialias` false by default there). Weights as in axisWeights.
 */
export function resizeRgbFloat(image: RgbImage | FloatRgbImage, width: number, height: number, interpolation: Interpolation, antialias = false): FloatRgbImage {
  let data: Float32Array = Float32Array.from(image.data);
  let w = image.width;
  if (width !== w) {
    data = passFloat(data, w, image.height, axisWeights(w, width, interpolation, antialias), true);
    w = width;
  }
  if (height !== image.height) data = passFloat(data, w, image.height, axisWeights(image.height, height, interpolation, antialias), false);
  return { width, height, data };
}

function passFloat(src: Float32Array, width: number, height: number, axis: AxisWeights, horizontal: boolean): Float32Array {
  const outSize = axis.first.length;
  const outW = horizontal ? outSize : width;
  const out = new Float32Array(outW * (horizontal ? height : outSize) * 3);
  const lines = horizontal ? height : width;
  const tapStride = horizontal ? 3 : width * 3;
  const lineStride = horizontal ? width * 3 : 3;
  const outTap = horizontal ? 3 : outW * 3;
  const outLine = horizontal ? outW * 3 : 3;
  for (let line = 0; line < lines; line++) {
    for (let i = 0; i < outSize; i++) {
      const base = line * lineStride + axis.first[i]! * tapStride;
      const row = i * axis.taps;
      let r = 0, g = 0, b = 0;
      for (let t = 0; t < axis.count[i]!; t++) {
        const p = base + t * tapStride;
        const wt = axis.weights[row + t]!;
        r += src[p]! * wt;
        g += src[p + 1]! * wt;
        b += src[p + 2]! * wt;
      }
      const o = line * outLine + i * outTap;
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
    }
  }
  return out;
}
