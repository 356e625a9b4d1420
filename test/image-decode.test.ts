import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ImageError } from '../src/image/errors.js';
import { fromImageData, rgbImage, type RgbImage } from '../src/image/image.js';
import { decodeJpeg } from '../src/image/jpeg.js';
import { applyOrientation, exifOrientation } from '../src/image/orientation.js';
import { decodeImage, readImage } from '../src/node/decode.js';
import { Tensor } from '../src/tensor/tensor.js';
import { compareAbsolute } from './golden-compare.js';

const dir = new URL('../fixtures/preprocess/', import.meta.url);
const bytesOf = (name: string) => new Uint8Array(readFileSync(new URL(name, dir)));
const pixels = (img: RgbImage) => Array.from(img.data);
const asTensor = (img: RgbImage) => Tensor.from([img.height, img.width, 3], img.data);

// A PNG written here byte by byte (filter 0 on every row), so the expected pixels are the
// samples themselves, not what another decoder says.
function png(opts: { width: number; height: number; depth: number; colorType: number; rows: number[][]; plte?: number[]; trns?: number[] }): Uint8Array {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Uint8Array) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Uint8Array) => {
    const out = new Uint8Array(12 + data.length);
    const v = new DataView(out.buffer);
    v.setUint32(0, data.length);
    out.set(new TextEncoder().encode(type), 4);
    out.set(data, 8);
    v.setUint32(8 + data.length, crc(out.subarray(4, 8 + data.length)));
    return out;
  };
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, opts.width);
  v.setUint32(4, opts.height);
  ihdr.set([opts.depth, opts.colorType, 0, 0, 0], 8);
  // Samples packed big-endian at the given depth, each row prefixed by filter byte 0.
  const raw: number[] = [];
  for (const row of opts.rows) {
    raw.push(0);
    if (opts.depth === 16) for (const s of row) raw.push(s >> 8, s & 255);
    else if (opts.depth === 8) raw.push(...row);
    else {
      let acc = 0, bits = 0;
      for (const s of row) {
        acc = (acc << opts.depth) | s;
        bits += opts.depth;
        if (bits === 8) (raw.push(acc), (acc = 0), (bits = 0));
      }
      if (bits > 0) raw.push(acc << (8 - bits));
    }
  }
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...(opts.plte ? [chunk('PLTE', new Uint8Array(opts.plte))] : []),
    ...(opts.trns ? [chunk('tRNS', new Uint8Array(opts.trns))] : []),
    chunk('IDAT', new Uint8Array(deflateSync(new Uint8Array(raw)))),
    chunk('IEND', new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), (at += p.length));
  return out;
}

describe('PNG decoding', () => {
  it('8-bit RGB pixels come out as stored', () => {
    const img = decodeImage(png({ width: 2, height: 1, depth: 8, colorType: 2, rows: [[10, 20, 30, 200, 100, 0]] }), 'a.png');
    expect([img.width, img.height, ...pixels(img)]).toEqual([2, 1, 10, 20, 30, 200, 100, 0]);
  });

  it('grey is replicated into R, G and B, and 1-, 2- and 4-bit grey scale to 0..255', () => {
    expect(pixels(decodeImage(png({ width: 1, height: 1, depth: 8, colorType: 0, rows: [[77]] }), 'g.png'))).toEqual([77, 77, 77]);
    expect(pixels(decodeImage(png({ width: 2, height: 1, depth: 1, colorType: 0, rows: [[1, 0]] }), 'g1.png'))).toEqual([255, 255, 255, 0, 0, 0]);
    expect(pixels(decodeImage(png({ width: 2, height: 1, depth: 2, colorType: 0, rows: [[1, 2]] }), 'g2.png'))).toEqual([85, 85, 85, 170, 170, 170]);
    expect(pixels(decodeImage(png({ width: 3, height: 1, depth: 4, colorType: 0, rows: [[15, 1, 8]] }), 'g4.png'))).toEqual([255, 255, 255, 17, 17, 17, 136, 136, 136]);
  });

  it('16-bit samples keep their high byte (as PIL reads 16-bit RGB)', () => {
    const rgb = decodeImage(png({ width: 1, height: 1, depth: 16, colorType: 2, rows: [[0x12ff, 0xff00, 0x0080]] }), 'c16.png');
    expect(pixels(rgb)).toEqual([0x12, 0xff, 0x00]);
    const grey = decodeImage(png({ width: 2, height: 1, depth: 16, colorType: 0, rows: [[0xabcd, 0x00ff]] }), 'g16.png');
    expect(pixels(grey)).toEqual([0xab, 0xab, 0xab, 0, 0, 0]);
  });

  it('alpha is composited onto white: round((c·a + 255·(255 − a)) / 255)', () => {
    // (255,0,0) at a=0 → white; (0,0,255) at a=128 → 0·128+255·127 = 32385 → 127; 255 stays.
    const img = decodeImage(png({ width: 3, height: 1, depth: 8, colorType: 6, rows: [[255, 0, 0, 0, 0, 0, 255, 128, 9, 8, 7, 255]] }), 'a.png');
    expect(pixels(img)).toEqual([255, 255, 255, 127, 127, 255, 9, 8, 7]);
    const ga = decodeImage(png({ width: 1, height: 1, depth: 8, colorType: 4, rows: [[100, 51]] }), 'ga.png');
    // 100·51 + 255·204 = 57120 → 224
    expect(pixels(ga)).toEqual([224, 224, 224]);
  });

  it("a palette's tRNS entries are alpha too", () => {
    const img = decodeImage(png({ width: 2, height: 1, depth: 8, colorType: 3, rows: [[0, 1]], plte: [0, 0, 0, 10, 20, 30], trns: [0] }), 'p.png');
    expect(pixels(img)).toEqual([255, 255, 255, 10, 20, 30]);
    const img4 = decodeImage(png({ width: 3, height: 1, depth: 4, colorType: 3, rows: [[1, 0, 1]], plte: [1, 2, 3, 4, 5, 6] }), 'p4.png');
    expect(pixels(img4)).toEqual([4, 5, 6, 1, 2, 3, 4, 5, 6]);
  });

  it("a grey tRNS colour is transparent, and background 'ignore' keeps the stored colour", () => {
    const bytes = png({ width: 2, height: 1, depth: 8, colorType: 0, rows: [[5, 6]], trns: [0, 5] });
    expect(pixels(decodeImage(bytes, 't.png'))).toEqual([255, 255, 255, 6, 6, 6]);
    const rgba = png({ width: 1, height: 1, depth: 8, colorType: 6, rows: [[1, 2, 3, 0]] });
    expect(pixels(decodeImage(rgba, 'i.png', { background: 'ignore' }))).toEqual([1, 2, 3]);
    expect(pixels(decodeImage(rgba, 'b.png', { background: [0, 0, 0] }))).toEqual([0, 0, 0]);
  });
});

describe('ImageData (the browser path)', () => {
  it('RGBA is composited onto white like PNG alpha', () => {
    const data = new Uint8ClampedArray([255, 0, 0, 0, 0, 0, 255, 128]);
    expect(pixels(fromImageData({ width: 2, height: 1, data }))).toEqual([255, 255, 255, 127, 127, 255]);
  });
});

describe('JPEG decoding (PIL/libjpeg-turbo decodes of the same files as the oracle)', () => {
  it.each(['photo-exif6.jpg', 'photo-exif8-420.jpg'])(
    '%s decodes within 3 levels of PIL (4:4:4 and 4:2:0 alike: libjpeg upsampling and colour conversion are reproduced)',
    async (name) => {
      const ours = await readImage(new URL(name, dir).pathname);
      const pil = await readImage(new URL(`${name}.pil.png`, dir).pathname);
      // What remains is jpeg-js's IDCT rounding against libjpeg's ISLOW: measured max 3, 89% exact.
      const cmp = compareAbsolute(name, asTensor(pil), asTensor(ours), 3);
      expect(cmp.ok, cmp.message).toBe(true);
      const exact = ours.data.filter((v, i) => v === pil.data[i]).length;
      expect(exact / ours.data.length).toBeGreaterThan(0.85);
    },
  );

  it('orient: false keeps the stored (rotated) layout', () => {
    const stored = decodeJpeg(bytesOf('photo-exif6.jpg'), 'photo-exif6.jpg', { orient: false });
    expect([stored.width, stored.height]).toEqual([251, 317]);
  });
});

describe('EXIF orientation', () => {
  // Stored 3×2, pixel value = its index:   0 1 2
  //                                        3 4 5
  const stored = rgbImage(3, 2, Uint8Array.from({ length: 18 }, (_, i) => Math.floor(i / 3)));
  const shown = (o: number) => {
    const img = applyOrientation(stored, o);
    const rows: number[][] = [];
    for (let y = 0; y < img.height; y++) rows.push(Array.from({ length: img.width }, (_, x) => img.data[(y * img.width + x) * 3]!));
    return rows;
  };
  // The EXIF spec names, for each value, where the stored 0th row and 0th column are shown.
  it.each([
    [1, 'row 0 top, column 0 left', [[0, 1, 2], [3, 4, 5]]],
    [2, 'row 0 top, column 0 right', [[2, 1, 0], [5, 4, 3]]],
    [3, 'row 0 bottom, column 0 right', [[5, 4, 3], [2, 1, 0]]],
    [4, 'row 0 bottom, column 0 left', [[3, 4, 5], [0, 1, 2]]],
    [5, 'row 0 left, column 0 top', [[0, 3], [1, 4], [2, 5]]],
    [6, 'row 0 right, column 0 top', [[3, 0], [4, 1], [5, 2]]],
    [7, 'row 0 right, column 0 bottom', [[5, 2], [4, 1], [3, 0]]],
    [8, 'row 0 left, column 0 bottom', [[2, 5], [1, 4], [0, 3]]],
  ])('orientation %i shows %s', (o, _where, expected) => {
    expect(shown(o as number)).toEqual(expected);
  });

  it('the tag is read from little- and big-endian TIFF blocks; junk means 1', () => {
    const tiff = (little: boolean, value: number) => {
      const b = new Uint8Array(26);
      const v = new DataView(b.buffer);
      b.set(little ? [0x49, 0x49, 0x2a, 0] : [0x4d, 0x4d, 0, 0x2a]);
      v.setUint32(4, 8, little);
      v.setUint16(8, 1, little);
      v.setUint16(10, 0x0112, little);
      v.setUint16(12, 3, little);
      v.setUint32(14, 1, little);
      v.setUint16(18, value, little);
      return b;
    };
    expect(exifOrientation(tiff(true, 6))).toBe(6);
    expect(exifOrientation(tiff(false, 8))).toBe(8);
    expect(exifOrientation(tiff(true, 9))).toBe(1);
    expect(exifOrientation(new Uint8Array([1, 2, 3]))).toBe(1);
  });
});

describe('a bad image is one error naming the file and the problem', () => {
  const jpg = bytesOf('photo-exif8-420.jpg');
  const good = bytesOf('photo-rgb.png');
  const flip = (b: Uint8Array, at: number) => {
    const c = b.slice();
    c[at]! ^= 0xff;
    return c;
  };
  it.each([
    ['empty.png', new Uint8Array(0), /^empty\.png: empty file$/],
    ['notes.txt', new TextEncoder().encode('hello\n'), /^notes\.txt: not a PNG or JPEG image/],
    ['anim.gif', new TextEncoder().encode('GIF89a\x01\x00\x01\x00'), /^anim\.gif: GIF images are not supported/],
    ['cut.jpg', jpg.slice(0, jpg.length >> 1), /^cut\.jpg: truncated JPEG/],
    ['head.jpg', jpg.slice(0, 20), /^head\.jpg: not a readable JPEG \(truncated before the image data\)/],
    ['cut.png', good.slice(0, good.length >> 1), /^cut\.png: truncated PNG \(chunk "IDAT" at byte \d+ runs past the end/],
    ['sig.png', good.slice(0, 8), /^sig\.png: truncated PNG/],
    ['crc.png', flip(good, 200), /^crc\.png: corrupt PNG \(chunk "IDAT" at byte \d+ fails its CRC check\)/],
  ])('%s', (name, bytes, message) => {
    let error: unknown;
    try {
      decodeImage(bytes, name);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ImageError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('a missing file and a directory are named too', async () => {
    await expect(readImage('/nonexistent/x.png')).rejects.toThrow(/^\/nonexistent\/x\.png: no such file$/);
    await expect(readImage(new URL('.', dir).pathname)).rejects.toThrow(/is a directory, not an image$/);
  });
});
