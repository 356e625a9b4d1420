import { deflateSync } from 'node:zlib';
import { crc32 } from '../../src/node/png-chunks.js';

// Small writers of hostile files: each format's framing done right, so that what a test or a
// fuzz case breaks is the part it means to break.

export function pngChunk(type: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

export function ihdr(width: number, height: number, depth = 8, colorType = 2, interlace = 0): Uint8Array {
  const d = new Uint8Array(13);
  const v = new DataView(d.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  d.set([depth, colorType, 0, 0, interlace], 8);
  return pngChunk('IHDR', d);
}

export const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

/** An RGB 8-bit PNG whose scanlines are `rows` (filter byte included) deflated as given. */
export function png(width: number, height: number, idat: Uint8Array | null, opts: { depth?: number; colorType?: number; interlace?: number } = {}): Uint8Array {
  return concat(PNG_SIGNATURE, ihdr(width, height, opts.depth ?? 8, opts.colorType ?? 2, opts.interlace ?? 0), ...(idat ? [pngChunk('IDAT', idat)] : []), pngChunk('IEND'));
}

/** A valid RGB PNG filled by `pixel(x, y)`. */
export function rgbPng(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): Uint8Array {
  const raw = new Uint8Array(height * (1 + width * 3));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) raw.set(pixel(x, y), y * (1 + width * 3) + 1 + x * 3);
  }
  return png(width, height, deflateSync(raw));
}

/** A minimal JPEG header (SOI, SOF0 with the given size and sampling, SOS) and no real scan. */
export function jpegHeader(width: number, height: number, sampling = 0x11, components = 3): Uint8Array {
  const sof = [0xff, 0xc0, 0, 8 + 3 * components, 8, height >> 8, height & 255, width >> 8, width & 255, components];
  for (let i = 0; i < components; i++) sof.push(i + 1, i === 0 ? sampling : 0x11, 0);
  return Uint8Array.from([0xff, 0xd8, ...sof, 0xff, 0xda, 0, 8, 1, 1, 0, 0, 63, 0, 0, 0, 0xff, 0xd9]);
}

export interface StEntry {
  dtype: string;
  shape: number[];
  data: Uint8Array;
}

/** A safetensors file from entries (offsets computed) and metadata; `header` edits the JSON before writing. */
export function safetensors(entries: Record<string, StEntry>, metadata?: Record<string, string>, header?: (h: Record<string, unknown>) => void): Uint8Array {
  const h: Record<string, unknown> = {};
  if (metadata) h.__metadata__ = metadata;
  let at = 0;
  for (const [k, e] of Object.entries(entries)) {
    h[k] = { dtype: e.dtype, shape: e.shape, data_offsets: [at, at + e.data.length] };
    at += e.data.length;
  }
  header?.(h);
  const json = new TextEncoder().encode(JSON.stringify(h));
  const len = new Uint8Array(8);
  new DataView(len.buffer).setUint32(0, json.length, true);
  return concat(len, json, ...Object.values(entries).map((e) => e.data));
}

/** Replaces the JSON header of a safetensors file, keeping its data buffer. */
export function withHeader(file: Uint8Array, edit: (h: Record<string, unknown>) => void): Uint8Array {
  const n = new DataView(file.buffer, file.byteOffset).getUint32(0, true);
  const h = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + n))) as Record<string, unknown>;
  edit(h);
  const json = new TextEncoder().encode(JSON.stringify(h));
  const len = new Uint8Array(8);
  new DataView(len.buffer).setUint32(0, json.length, true);
  return concat(len, json, file.subarray(8 + n));
}

/** A .npy v1 file with a raw header text (padded) and data. */
export function npy(header: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  let h = header;
  const total = 10 + h.length + 1;
  h += ' '.repeat(Math.ceil(total / 64) * 64 - total) + '\n';
  const out = new Uint8Array(10 + h.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, h.length, true);
  for (let i = 0; i < h.length; i++) out[10 + i] = h.charCodeAt(i) & 0xff;
  out.set(data, 10 + h.length);
  return out;
}
