import { rgbImage, type RgbImage } from './image.js';

/**
 * The EXIF orientation (tag 0x0112 in IFD0) of a TIFF block, 1 when absent, unreadable or out of
 * range: a broken EXIF block leaves the image itself viewable, as browsers treat it.
 */
export function exifOrientation(tiff: Uint8Array): number {
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  if (tiff.length < 8) return 1;
  const order = view.getUint16(0);
  if (order !== 0x4949 && order !== 0x4d4d) return 1;
  const little = order === 0x4949;
  const ifd = view.getUint32(4, little);
  if (ifd + 2 > tiff.length) return 1;
  const count = view.getUint16(ifd, little);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > tiff.length) return 1;
    if (view.getUint16(entry, little) !== 0x0112) continue;
    const type = view.getUint16(entry + 2, little);
    const value = type === 3 ? view.getUint16(entry + 8, little) : type === 4 ? view.getUint32(entry + 8, little) : 1;
    return value >= 1 && value <= 8 ? value : 1;
  }
  return 1;
}

/**
 * The image as it should be shown, given how it is stored (EXIF orientation 1–8). For each
 * orientation, where the stored pixel (x, y) of a w×h image comes from for the shown (u, v):
 * 2 mirrors left–right, 3 turns 180°, 4 mirrors top–bottom, 5 transposes, 6 turns 90° clockwise,
 * 7 transverses (anti-diagonal), 8 turns 90° counter-clockwise.
 */
export function applyOrientation(image: RgbImage, orientation: number): RgbImage {
  if (orientation <= 1 || orientation > 8) return image;
  const { width: w, height: h } = image;
  const swap = orientation >= 5;
  const out = rgbImage(swap ? h : w, swap ? w : h);
  const source: (u: number, v: number) => number = {
    2: (u: number, v: number) => v * w + (w - 1 - u),
    3: (u: number, v: number) => (h - 1 - v) * w + (w - 1 - u),
    4: (u: number, v: number) => (h - 1 - v) * w + u,
    5: (u: number, v: number) => u * w + v,
    6: (u: number, v: number) => (h - 1 - u) * w + v,
    7: (u: number, v: number) => (h - 1 - u) * w + (w - 1 - v),
    8: (u: number, v: number) => u * w + (w - 1 - v),
  }[orientation]!;
  let o = 0;
  for (let v = 0; v < out.height; v++) {
    for (let u = 0; u < out.width; u++, o += 3) {
      const s = source(u, v) * 3;
      out.data[o] = image.data[s]!;
      out.data[o + 1] = image.data[s + 1]!;
      out.data[o + 2] = image.data[s + 2]!;
    }
  }
  return out;
}
