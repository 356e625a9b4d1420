import { inflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { composite, rgbImage, type Background, type RgbImage } from '../image/image.js';
import { ImageError } from '../image/errors.js';
import { checkSize, type JpegOptions } from '../image/jpeg.js';
import { checkPngChunks, scanlineBytes, type PngHeader } from './png-chunks.js';

/**
 * Any PNG (grey, grey + alpha, palette with or without tRNS, RGB, RGBA; 1–16 bits; interlaced)
 * as RGB. 16-bit samples keep their high byte, as PIL reads 16-bit RGB; lower depths scale to
 * 0..255 (a 4-bit 15 is 255). Alpha, including a tRNS colour, is composited (see Background).
 * Gamma and colour profiles are ignored, as PIL and torchvision ignore them.
 */
export function decodePng(bytes: Uint8Array, name: string, background?: Background, options: JpegOptions = {}): RgbImage {
  let png: { width: number; height: number; depth: number; colorType: number; alpha: boolean; data: Uint8Array | Uint16Array };
  const maxPixels = options.maxPixels ?? (options.maxMegapixels !== undefined ? options.maxMegapixels * 1e6 : undefined);
  const header = checkPngChunks(bytes, name, maxPixels);
  checkSize(options, header, name);
  checkImageData(header, name);
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { skipRescale: true }) as unknown as typeof png;
  } catch (e) {
    throw new ImageError(name, `not a readable PNG (${String((e as Error).message ?? e).split('\n')[0]})`);
  }
  const { width, height, depth, colorType, data } = png;
  if (!(width > 0 && height > 0) || data.length !== width * height * 4) {
    throw new ImageError(name, `not a readable PNG (decoded ${width}×${height} with ${data.length} values)`);
  }
  // pngjs hands back RGBA at the file's depth (palette entries are already 8-bit).
  const max = colorType === 3 ? 255 : 2 ** depth - 1;
  const rgba = depth === 8 || colorType === 3 ? (data as Uint8Array) : to8bit(data, depth, max);
  const hasAlpha = (colorType & 4) !== 0 || hasTransparency(rgba);
  if (!hasAlpha) {
    const out = rgbImage(width, height);
    for (let i = 0, o = 0; i < rgba.length; i += 4, o += 3) {
      out.data[o] = rgba[i]!;
      out.data[o + 1] = rgba[i + 1]!;
      out.data[o + 2] = rgba[i + 2]!;
    }
    return out;
  }
  return composite(width, height, rgba, 4, background);
}

/**
 * The compressed image data must inflate to exactly the scanlines the header promises: pngjs fills
 * a buffer it never clears, so a PNG without enough data would hand back another allocation's
 * bytes; and it inflates all there is, so data past the image (a zlib bomb, in any colour type,
 * depth or interlacing) would cost what it inflates to. This inflate stops one byte past the size
 * the header needs, so a bomb costs no more than an honest image of its size, and is refused.
 */
function checkImageData(header: PngHeader, name: string): void {
  const need = scanlineBytes(header);
  const total = header.idat.reduce((n, c) => n + c.length, 0);
  const joined = new Uint8Array(total);
  header.idat.reduce((at, c) => (joined.set(c, at), at + c.length), 0);
  let got: number;
  try {
    got = inflateSync(joined, { maxOutputLength: need, finishFlush: 2 /* Z_SYNC_FLUSH: a stream cut short inflates what it has */ }).length;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') {
      throw new ImageError(name, `not a readable PNG (its image data inflates past the ${need.toLocaleString('en-US')} bytes ${header.width}×${header.height} needs)`);
    }
    throw new ImageError(name, `not a readable PNG (its image data does not inflate: ${String((e as Error).message).split('\n')[0]})`);
  }
  if (got < need) throw new ImageError(name, `truncated PNG (its image data inflates to ${got} of the ${need} bytes ${header.width}×${header.height} needs)`);
}

function to8bit(data: Uint8Array | Uint16Array, depth: number, max: number): Uint8Array {
  const out = new Uint8Array(data.length);
  if (depth === 16) for (let i = 0; i < data.length; i++) out[i] = data[i]! >> 8;
  else for (let i = 0; i < data.length; i++) out[i] = Math.floor((data[i]! * 255) / max + 0.5);
  return out;
}

function hasTransparency(rgba: Uint8Array): boolean {
  for (let i = 3; i < rgba.length; i += 4) if (rgba[i] !== 255) return true;
  return false;
}
