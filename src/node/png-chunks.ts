import { ImageError } from '../image/errors.js';
import { escapeText, limits } from '../limits.js';

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

export function crc32(bytes: Uint8Array, from: number, to: number): number {
  let c = -1;
  for (let i = from; i < to; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

export interface PngHeader {
  width: number;
  height: number;
  depth: number;
  colorType: number;
  interlaced: boolean;
  /** The IDAT chunks' payloads, in order. */
  idat: Uint8Array[];
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

/**
 * Walks the chunks from the signature to IEND, checking each one's length and CRC, so that a
 * damaged file gets a precise reason (pngjs reports a CRC error as a stream error, or not at all),
 * and reads IHDR: the size is checked against maxPixels here, before any pixel is allocated.
 */
export function checkPngChunks(bytes: Uint8Array, name: string, maxPixels = limits().maxPixels): PngHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 8;
  let header: PngHeader | undefined;
  for (;;) {
    if (pos + 12 > bytes.length) throw new ImageError(name, `truncated PNG (ends at byte ${bytes.length} before its IEND chunk)`);
    const length = view.getUint32(pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    const shown = escapeText(JSON.stringify(type), 20);
    const end = pos + 8 + length;
    if (end + 4 > bytes.length) throw new ImageError(name, `truncated PNG (chunk ${shown} at byte ${pos} runs past the end of the file)`);
    if (view.getUint32(end) !== crc32(bytes, pos + 4, end)) throw new ImageError(name, `corrupt PNG (chunk ${shown} at byte ${pos} fails its CRC check)`);
    if (!header && type !== 'IHDR') throw new ImageError(name, `not a readable PNG (chunk ${shown} comes before IHDR)`);
    if (type === 'IHDR') {
      if (header) throw new ImageError(name, 'not a readable PNG (a second IHDR chunk)');
      if (length !== 13) throw new ImageError(name, `not a readable PNG (IHDR has ${length} bytes, not 13)`);
      header = readIhdr(bytes, view, pos + 8, name, maxPixels);
    } else if (type === 'IDAT') {
      header!.idat.push(bytes.subarray(pos + 8, end));
    } else if (type === 'IEND') {
      if (header!.idat.length === 0) throw new ImageError(name, 'not a readable PNG (no IDAT chunk: the file holds no image data)');
      return header!;
    }
    pos = end + 4;
  }
}

function readIhdr(bytes: Uint8Array, view: DataView, at: number, name: string, maxPixels: number): PngHeader {
  const width = view.getUint32(at);
  const height = view.getUint32(at + 4);
  const depth = bytes[at + 8]!;
  const colorType = bytes[at + 9]!;
  const interlace = bytes[at + 12]!;
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) throw new ImageError(name, `not a readable PNG (image size ${width}×${height})`);
  if (!DEPTHS[colorType]?.includes(depth)) throw new ImageError(name, `not a readable PNG (bit depth ${depth} with colour type ${colorType})`);
  if (bytes[at + 10] !== 0 || bytes[at + 11] !== 0 || interlace > 1) throw new ImageError(name, 'not a readable PNG (unknown compression, filter or interlace method)');
  const pixels = width * height;
  if (!(pixels <= maxPixels)) throw new ImageError(name, `${width}×${height} is ${pixels.toLocaleString('en-US')} pixels, more than allowed (limit maxPixels = ${maxPixels.toLocaleString('en-US')})`);
  return { width, height, depth, colorType, interlaced: interlace === 1, idat: [] };
}

/** Bytes the filtered scanlines take (a filter byte a row, each Adam7 pass its own rows). */
export function scanlineBytes(h: PngHeader): number {
  const bitsPerPixel = CHANNELS[h.colorType]! * h.depth;
  const rows = (w: number, hgt: number) => (w === 0 || hgt === 0 ? 0 : hgt * (1 + Math.ceil((w * bitsPerPixel) / 8)));
  if (!h.interlaced) return rows(h.width, h.height);
  // Adam7: (x0, y0, dx, dy) of each pass.
  const passes = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] as const;
  return passes.reduce((n, [x0, y0, dx, dy]) => n + rows(Math.ceil((h.width - x0) / dx), Math.ceil((h.height - y0) / dy)), 0);
}
