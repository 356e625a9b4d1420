import { readFile } from 'node:fs/promises';
import { ImageError } from '../image/errors.js';
import { sniffFormat } from '../image/format.js';
import type { Background, RgbImage } from '../image/image.js';
import { decodeJpeg, type JpegOptions } from '../image/jpeg.js';
import { decodePng } from './png.js';

export interface DecodeOptions extends JpegOptions {
  /** What alpha becomes (default: composited onto white). */
  background?: Background;
}

/** PNG or JPEG bytes as upright RGB; anything else is an ImageError naming `name`. */
export function decodeImage(bytes: Uint8Array, name: string, options: DecodeOptions = {}): RgbImage {
  if (bytes.length === 0) throw new ImageError(name, 'empty file');
  const format = sniffFormat(bytes);
  if (format === 'png') return decodePng(bytes, name, options.background);
  if (format === 'jpeg') return decodeJpeg(bytes, name, options);
  if (format) throw new ImageError(name, `${format.toUpperCase()} images are not supported (PNG or JPEG only)`);
  throw new ImageError(name, 'not a PNG or JPEG image (unrecognised first bytes)');
}

/** Reads and decodes one image file; a missing or unreadable file is an ImageError too. */
export async function readImage(path: string, options: DecodeOptions = {}): Promise<RgbImage> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const problem = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not an image' : code === 'EACCES' ? 'permission denied' : `cannot be read (${(e as Error).message})`;
    throw new ImageError(path, problem);
  }
  return decodeImage(bytes, path, options);
}
