import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ImageError, makePipeline, preprocess } from '../src/index.js';
import { decodeImage, readImage } from '../src/node/index.js';
import { concat, ihdr, jpegHeader, png, PNG_SIGNATURE, pngChunk, rgbPng } from './fuzz/builders.js';

// Each case is a reproduction from issue 10; the promised answer is one ImageError line that
// names the file (and the limit), thrown before the allocation it would have cost.
const heapGrowth = (f: () => unknown): number => {
  const before = process.memoryUsage().rss;
  try {
    f();
  } catch {
    // the error is checked by the caller
  }
  return process.memoryUsage().rss - before;
};

describe('hostile images', () => {
  it('a 1 KB PNG declaring 65535×65535 is refused by maxPixels before decoding', () => {
    const bomb = png(65535, 65535, deflateSync(new Uint8Array(1000)));
    expect(() => decodeImage(bomb, 'big.png')).toThrow(/^big\.png: 65535×65535 is 4,294,836,225 pixels, more than allowed \(limit maxPixels = 40,000,000\)$/);
    expect(heapGrowth(() => decodeImage(bomb, 'big.png'))).toBeLessThan(64 * 2 ** 20);
  });

  it('a 1×10⁷ PNG passes with a raised maxPixels only if its data covers every row', () => {
    const tall = png(1, 10_000_000, deflateSync(new Uint8Array(10)));
    expect(() => decodeImage(tall, 'tall.png')).not.toThrow(/maxPixels/);
    expect(() => decodeImage(tall, 'tall.png')).toThrow(/^tall\.png: truncated PNG \(its image data inflates to 10 of the 40000000 bytes 1×10000000 needs\)$/);
    expect(() => decodeImage(tall, 'tall.png', { maxPixels: 1000 })).toThrow(/limit maxPixels = 1,000\)$/);
  });

  it('a 20000² zlib bomb is refused by its header, before inflating', () => {
    const bomb = png(20000, 20000, deflateSync(new Uint8Array(20000 * 3 + 1).fill(0), { level: 9 }));
    expect(() => decodeImage(bomb, 'zip.png')).toThrow(/^zip\.png: 20000×20000 is 400,000,000 pixels, more than allowed/);
  });

  it('a zlib stream far longer than the image needs is one error line naming the file', () => {
    const raw = new Uint8Array(4 * (1 + 4 * 3) * 100_000);
    expect(() => decodeImage(png(4, 4, deflateSync(raw)), 'long.png')).toThrow(/^long\.png: not a readable PNG \([^\n]*\)$/);
  });

  it('a PNG with IHDR and IEND but no IDAT is an error, not recycled memory', () => {
    const empty = concat(PNG_SIGNATURE, ihdr(3, 3), pngChunk('IEND'));
    expect(empty.length).toBe(45);
    expect(() => decodeImage(empty, 'noidat.png')).toThrow(/^noidat\.png: not a readable PNG \(no IDAT chunk: the file holds no image data\)$/);
  });

  it('a PNG whose IDAT covers only some rows is an error naming how much is missing', () => {
    const rows = new Uint8Array(2 * (1 + 8 * 3)).fill(7);
    expect(() => decodeImage(png(8, 8, deflateSync(rows)), 'short.png')).toThrow(/^short\.png: truncated PNG \(its image data inflates to 50 of the 200 bytes 8×8 needs\)$/);
  });

  it('an interlaced PNG needs the scanlines of all seven passes', () => {
    // Adam7 on 8×8 RGB: passes of 1,1,2,4,8,16,32 pixels in 1,1,1,2,2,4,4 rows.
    const need = [[1, 1], [1, 1], [2, 1], [2, 2], [4, 2], [4, 4], [8, 4]].reduce((n, [w, h]) => n + h! * (1 + w! * 3), 0);
    expect(() => decodeImage(png(8, 8, deflateSync(new Uint8Array(need - 1)), { interlace: 1 }), 'i.png')).toThrow(/inflates to \d+ of the 207 bytes/);
    expect(decodeImage(png(8, 8, deflateSync(new Uint8Array(need)), { interlace: 1 }), 'i.png').data.every((v) => v === 0)).toBe(true);
  });

  it('every decoded byte was written by the decoder: two decodes of one file agree', () => {
    const file = rgbPng(5, 3, (x, y) => [x * 40, y * 80, 200]);
    const a = decodeImage(file, 'a.png').data;
    for (let i = 0; i < 20; i++) Buffer.allocUnsafe(4096).fill(0xab);
    expect(decodeImage(file, 'a.png').data).toEqual(a);
    expect(Array.from(a.subarray(0, 6))).toEqual([0, 0, 200, 40, 0, 200]);
  });

  it('a JPEG of 10000² is refused from its frame header, before jpeg-js allocates', () => {
    const big = jpegHeader(10000, 10000);
    expect(() => decodeImage(big, 'big.jpg')).toThrow(/^big\.jpg: 10000×10000 is 100,000,000 pixels, more than allowed \(limit maxPixels = 40,000,000\)$/);
    expect(heapGrowth(() => decodeImage(big, 'big.jpg'))).toBeLessThan(64 * 2 ** 20);
  });

  it('a 65535×1 JPEG is an error naming the file, never an engine message', () => {
    for (const sampling of [0x11, 0x22, 0xff, 0x00]) {
      let message = '';
      try {
        decodeImage(jpegHeader(65535, 1, sampling), 'wide.jpg');
      } catch (e) {
        expect(e).toBeInstanceOf(ImageError);
        message = (e as Error).message;
      }
      expect(message).toMatch(/^wide\.jpg: /);
      expect(message).not.toMatch(/typed array|DataView|Memory/i);
    }
  });

  it('bytes may be a Uint8Array, a Buffer or an ArrayBuffer', () => {
    const file = rgbPng(2, 2, () => [1, 2, 3]);
    const copy = file.slice();
    for (const bytes of [file, Buffer.from(file), copy.buffer]) expect(decodeImage(bytes, 'x.png').data.length).toBe(12);
    expect(() => decodeImage('x' as unknown as Uint8Array, 'x.png')).toThrow(/^x\.png: bytes must be a Uint8Array, ArrayBuffer or Buffer, got string$/);
  });

  it('the pipeline refuses a resize whose output would pass maxPixels, naming the option', () => {
    expect(() => makePipeline({ resize: 30000 })).toThrow(/^resize: 30,000 pixels of shorter side, more than allowed \(limit maxResize = 4,096\)$/);
    expect(() => makePipeline({ cropPct: 0.001 })).toThrow(/^crop_pct 0\.001: 224,000 pixels of shorter side, more than allowed \(limit maxResize = 4,096\)$/);
    const thin = { width: 1, height: 20000, data: new Uint8Array(60000) };
    expect(() => preprocess(thin, makePipeline({ size: 224 }))).toThrow(/^image 1×20000: 1,310,720,000 pixels after resizing to 256×5120000, more than allowed \(limit maxPixels = 40,000,000\)$/);
  });

  it('readImage reads a file of at most maxImageBytes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'effnet-img-'));
    const file = join(dir, 'big.png');
    writeFileSync(file, rgbPng(64, 64, (x, y) => [(x * 37 + y * 91) & 255, (x * y) & 255, (x ^ y) * 4]));
    await expect(readImage(file, { maxBytes: 100 })).rejects.toThrow(/big\.png: [\d,]+ bytes, more than allowed \(limit maxBytes = 100\)$/);
  });
});
