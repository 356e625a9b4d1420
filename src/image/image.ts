/** 8-bit RGB pixels, row-major and interleaved: channel c of (x, y) is data[(y·width + x)·3 + c]. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** What a browser canvas gives (`ImageData`): RGBA, 4 bytes a pixel, not premultiplied. */
export interface ImageDataLike {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8ClampedArray | Uint8Array;
}

/**
 * What alpha becomes: a colour to composite onto (white by default, what a viewer shows behind
 * a transparent image), or 'ignore' to keep the colour channels as stored, as PIL's
 * `convert('RGB')` does.
 */
export type Background = readonly [number, number, number] | 'ignore';

export const WHITE: Background = Object.freeze([255, 255, 255] as const);

export function rgbImage(width: number, height: number, data?: Uint8Array): RgbImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`image size must be positive integers, got ${width}×${height}`);
  }
  if (data && data.length !== width * height * 3) {
    throw new Error(`RGB data has ${data.length} bytes but ${width}×${height} needs ${width * height * 3}`);
  }
  return { width, height, data: data ?? new Uint8Array(width * height * 3) };
}

/**
 * RGBA (or grey + alpha with channels = 2) to RGB. Compositing rounds in integers:
 * round((c·a + bg·(255 − a)) / 255), which never ties because 255 is odd.
 */
export function composite(width: number, height: number, pixels: ArrayLike<number>, channels: 2 | 4, background: Background = WHITE): RgbImage {
  const out = rgbImage(width, height);
  const n = width * height;
  if (pixels.length !== n * channels) throw new Error(`pixel data has ${pixels.length} values but ${width}×${height}×${channels} needs ${n * channels}`);
  for (let i = 0; i < n; i++) {
    const a = pixels[i * channels + channels - 1]!;
    for (let c = 0; c < 3; c++) {
      const v = pixels[i * channels + (channels === 4 ? c : 0)]!;
      out.data[i * 3 + c] = background === 'ignore' ? v : Math.floor((v * a + background[c]! * (255 - a) + 127) / 255);
    }
  }
  return out;
}

/** A canvas ImageData (or any RGBA buffer) as RGB, alpha composited (see Background). */
export function fromImageData(image: ImageDataLike, background: Background = WHITE): RgbImage {
  return composite(image.width, image.height, image.data, 4, background);
}

/** Grey (one byte a pixel) replicated into R, G and B. */
export function fromGrey(width: number, height: number, grey: ArrayLike<number>): RgbImage {
  const out = rgbImage(width, height);
  if (grey.length !== width * height) throw new Error(`grey data has ${grey.length} values but ${width}×${height} needs ${width * height}`);
  for (let i = 0; i < grey.length; i++) out.data[i * 3] = out.data[i * 3 + 1] = out.data[i * 3 + 2] = grey[i]!;
  return out;
}

/** The w×h window at (left, top); it must lie inside the image. */
export function cropRect(image: RgbImage, left: number, top: number, width: number, height: number): RgbImage {
  if (left < 0 || top < 0 || left + width > image.width || top + height > image.height) {
    throw new Error(`crop ${width}×${height} at (${left}, ${top}) does not fit a ${image.width}×${image.height} image`);
  }
  const out = rgbImage(width, height);
  for (let y = 0; y < height; y++) {
    const from = ((top + y) * image.width + left) * 3;
    out.data.set(image.data.subarray(from, from + width * 3), y * width * 3);
  }
  return out;
}
