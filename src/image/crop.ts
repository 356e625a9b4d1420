import { cropRect, rgbImage, type RgbImage } from './image.js';

/** Python's round() on a half-integer a/2: halves go to the even neighbour. */
function halfToEven(a: number): number {
  const lo = Math.floor(a / 2);
  return a % 2 === 0 || lo % 2 === 0 ? lo : lo + 1;
}

/**
 * torchvision's CenterCrop: offsets round((H − h) / 2) and round((W − w) / 2) with Python's
 * half-to-even rounding (a 161-wide image cropped to 112 starts at 24, not 25); an image smaller
 * than the crop is first padded with black, the odd pixel going right/bottom.
 */
export function centerCrop(image: RgbImage, height: number, width: number = height): RgbImage {
  if (width > image.width || height > image.height) image = padTo(image, Math.max(width, image.width), Math.max(height, image.height));
  if (width === image.width && height === image.height) return image;
  return cropRect(image, halfToEven(image.width - width), halfToEven(image.height - height), width, height);
}

function padTo(image: RgbImage, width: number, height: number): RgbImage {
  const out = rgbImage(width, height);
  const left = Math.floor((width - image.width) / 2);
  const top = Math.floor((height - image.height) / 2);
  for (let y = 0; y < image.height; y++) {
    out.data.set(image.data.subarray(y * image.width * 3, (y + 1) * image.width * 3), ((top + y) * width + left) * 3);
  }
  return out;
}

/**
 * The TF EfficientNet eval crop (`_decode_and_center_crop`): a centred square of side
 * fraction × min(H, W), the product taken in float32 and truncated as TF casts it, offsets
 * ((H − side) + 1) // 2 — the extra pixel of an odd margin goes top/left.
 */
export function centralSquare(image: RgbImage, fraction: number): RgbImage {
  const side = Math.max(1, Math.trunc(Math.fround(Math.fround(fraction) * Math.min(image.width, image.height))));
  const top = Math.floor((image.height - side + 1) / 2);
  const left = Math.floor((image.width - side + 1) / 2);
  return cropRect(image, left, top, side, side);
}
