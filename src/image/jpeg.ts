import jpeg from 'jpeg-js';
import { limits, userMessage } from '../limits.js';
import { ImageError } from './errors.js';
import { rgbImage, type RgbImage } from './image.js';
import { upsample, yccToRgb } from './jpeg-color.js';
import { readJpegHeaders, type JpegHeaders } from './jpeg-markers.js';
import { applyOrientation, exifOrientation } from './orientation.js';

export interface JpegOptions {
  /** Apply the EXIF orientation (default true), as viewers show the photo; torchvision does not. */
  orient?: boolean;
  /** Refuse images above this many pixels (default: limits().maxPixels), before decoding. */
  maxPixels?: number;
  /** The same limit in millions of pixels (maxPixels wins). */
  maxMegapixels?: number;
  /**
   * Called with the image's size as its header gives it, before a pixel is decoded: a check that
   * throws (say, a pipeline's resize limit, `checkResizable`) refuses the image at no cost.
   */
  checkSize?: (width: number, height: number) => void;
}

// jpeg-js's own accounting of what it allocates; 40 MP of 4:4:4 needs about 400 MB.
const JPEG_MEMORY_MB = 1024;

/**
 * A baseline or progressive JPEG (grey, YCbCr, RGB; Adobe CMYK/YCCK as jpeg-js converts them) as
 * upright RGB. jpeg-js does the entropy decoding and the IDCT; for 3-component images its raw
 * samples then go through libjpeg's fancy upsampling and colour conversion (jpeg-color.ts), so
 * the pixels are PIL's but for IDCT rounding (at most a few levels; fixtures/preprocess measures it).
 */
export function decodeJpeg(bytes: Uint8Array, name: string, options: JpegOptions = {}): RgbImage {
  const headers = readJpegHeaders(bytes, name);
  const maxPixels = options.maxPixels ?? (options.maxMegapixels !== undefined ? options.maxMegapixels * 1e6 : limits().maxPixels);
  const pixels = headers.width * headers.height;
  if (!(pixels <= maxPixels)) {
    const limit = options.maxPixels === undefined && options.maxMegapixels !== undefined ? 'maxMegapixels' : 'maxPixels';
    throw new ImageError(name, `${headers.width}×${headers.height} is ${pixels.toLocaleString('en-US')} pixels, more than allowed (limit ${limit} = ${maxPixels.toLocaleString('en-US')})`);
  }
  checkSize(options, headers, name);
  const raw = headers.components.length === 3;
  const decoded = jpegJs(raw ? withoutAdobe(bytes, headers) : bytes, name, raw, maxPixels / 1e6);
  const image = raw ? fromRawSamples(decoded, headers) : decoded;
  if (options.orient === false || !headers.exif) return image;
  return applyOrientation(image, exifOrientation(headers.exif));
}

function jpegJs(bytes: Uint8Array, name: string, raw: boolean, maxMegapixels: number): RgbImage {
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    decoded = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      tolerantDecoding: false,
      maxResolutionInMP: maxMegapixels,
      maxMemoryUsageInMB: JPEG_MEMORY_MB,
      ...(raw ? { colorTransform: false } : {}),
    });
  } catch (e) {
    const message = userMessage(e);
    const truncated = message === 'marker was not found' && !(bytes[bytes.length - 2] === 0xff && bytes[bytes.length - 1] === 0xd9);
    throw new ImageError(name, truncated ? 'truncated JPEG (the image data stops before its end marker)' : `not a readable JPEG (${message})`);
  }
  const { width, height, data } = decoded;
  if (!(width > 0 && height > 0) || data.length !== width * height * 3) {
    throw new ImageError(name, `not a readable JPEG (decoded ${width}×${height} with ${data.length} bytes)`);
  }
  return rgbImage(width, height, data);
}

// jpeg-js lets an Adobe marker force its own colour transform; a copy with the marker's name
// changed keeps its samples raw, and libjpeg's rule (in fromRawSamples) decides instead.
function withoutAdobe(bytes: Uint8Array, headers: JpegHeaders): Uint8Array {
  if (!headers.adobe) return bytes;
  const copy = bytes.slice();
  copy[headers.adobe.offset] = 0x58; // 'X'
  return copy;
}

/**
 * jpeg-js's raw output replicates each subsampled component to full size; sample (2i, 2j) of a
 * 2×2-subsampled one is the component's own (i, j). Those planes are upsampled and converted as
 * libjpeg does; a factor that is not a whole number leaves jpeg-js's own replication in place.
 */
function fromRawSamples(raw: RgbImage, headers: JpegHeaders): RgbImage {
  const { width: W, height: H } = raw;
  const maxH = Math.max(...headers.components.map((c) => c.h));
  const maxV = Math.max(...headers.components.map((c) => c.v));
  const planes = headers.components.map((c, ci) => {
    const fx = maxH / c.h, fy = maxV / c.v;
    const full = new Uint8Array(W * H);
    for (let i = 0; i < W * H; i++) full[i] = raw.data[i * 3 + ci]!;
    if (!Number.isInteger(fx) || !Number.isInteger(fy) || (fx === 1 && fy === 1)) return full;
    const w = Math.ceil(W / fx), h = Math.ceil(H / fy);
    const own = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) own[y * w + x] = full[y * fy * W + x * fx]!;
    return upsample({ width: w, height: h, data: own }, fx, fy, W, H);
  });
  const out = rgbImage(W, H);
  if (isYcc(headers)) {
    yccToRgb(planes[0]!, planes[1]!, planes[2]!, out.data);
  } else {
    for (let i = 0; i < W * H; i++) for (let c = 0; c < 3; c++) out.data[i * 3 + c] = planes[c]![i]!;
  }
  return out;
}

/** libjpeg's guess (jdapimin.c): JFIF means YCbCr; else Adobe's transform code; else ids 'R','G','B' mean RGB. */
function isYcc(headers: JpegHeaders): boolean {
  if (headers.jfif) return true;
  if (headers.adobe) return headers.adobe.transform !== 0;
  const ids = headers.components.map((c) => c.id).join(',');
  return ids !== '82,71,66';
}

/** Runs options.checkSize on a header's size; what it throws names the image. */
export function checkSize(options: JpegOptions, size: { width: number; height: number }, name: string): void {
  if (!options.checkSize) return;
  try {
    options.checkSize(size.width, size.height);
  } catch (e) {
    throw e instanceof ImageError ? e : new ImageError(name, (e as Error).message);
  }
}
