import { ImageError } from '../image/errors.js';
import { sniffFormat } from '../image/format.js';
import type { Background, RgbImage } from '../image/image.js';
import { decodeJpeg, type JpegOptions } from '../image/jpeg.js';
import { asBytes, limits, userMessage } from '../limits.js';
import { readRegularFile } from './files.js';
import { decodePng } from './png.js';

export interface DecodeOptions extends JpegOptions {
  /** Refuse files above this many bytes (default: limits().maxImageBytes). */
  maxBytes?: number;
  /** What alpha becomes (default: composited onto white). */
  background?: Background;
}

/**
 * PNG or JPEG bytes (a Uint8Array, Buffer or ArrayBuffer) as upright RGB; anything else, or an
 * image above `maxPixels`, is an ImageError naming `name`, and so is any failure of a decoder.
 */
export function decodeImage(data: Uint8Array | ArrayBuffer, name: string, options: DecodeOptions = {}): RgbImage {
  const bytes = asBytes(data, `${name}: bytes`);
  if (bytes.length === 0) throw new ImageError(name, 'empty file');
  const format = sniffFormat(bytes);
  if (format !== 'png' && format !== 'jpeg') {
    if (format) throw new ImageError(name, `${format.toUpperCase()} images are not supported (PNG or JPEG only)`);
    throw new ImageError(name, 'not a PNG or JPEG image (unrecognised first bytes)');
  }
  try {
    return format === 'png' ? decodePng(bytes, name, options.background, options) : decodeJpeg(bytes, name, options);
  } catch (e) {
    if (e instanceof ImageError) throw e;
    throw new ImageError(name, userMessage(e, `not a readable ${format === 'png' ? 'PNG' : 'JPEG'}`));
  }
}

/** Reads (a regular file only, see readRegularFile) and decodes one image; any failure is an ImageError. */
export async function readImage(path: string, options: DecodeOptions = {}): Promise<RgbImage> {
  const maxBytes = options.maxBytes ?? limits().maxImageBytes;
  const bytes = await readRegularFile(path, { maxBytes, limit: options.maxBytes === undefined ? 'maxImageBytes' : 'maxBytes', noun: 'an image', error: (w, problem) => new ImageError(w, problem) });
  return decodeImage(bytes, path, options);
}
