import { decodeJpeg, type RgbImage } from '../../src/index.js';
import { sniffFormat } from '../../src/image/format.js';

/**
 * Image bytes → pixels, in the worker. JPEGs go through the same decoder as `effnet classify`
 * (jpeg-js, EXIF orientation applied): browsers' libjpeg-turbo rounds its IDCT and upsamples
 * chroma differently, a few levels per pixel. Every other format (PNG is lossless, so its pixels
 * are the file's) is decoded by the browser onto an OffscreenCanvas, colour management off so
 * that gAMA/ICC chunks are ignored as PIL and the CLI ignore them.
 */
export async function decodeImage(blob: Blob, name: string): Promise<RgbImage | ImageData> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  if (sniffFormat(bytes) === 'jpeg') return decodeJpeg(bytes, name);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch {
    throw new Error(`${name}: not an image this browser can decode`);
  }
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('this browser has no OffscreenCanvas 2D context');
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  return ctx.getImageData(0, 0, canvas.width, canvas.height);
}
