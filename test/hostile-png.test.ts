import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../src/node/index.js';
import { concat, ihdr, PNG_SIGNATURE, png, pngChunk } from './fuzz/builders.js';
import { effnet } from './run-cli.js';

// A PNG costs no more than an honest image of its size, in every variant: a size the pipeline would
// refuse is refused from the header, before a pixel is decoded; image data that inflates past what
// the header needs (a zlib bomb) is refused, interlaced or not, at any depth and colour type, with
// our own message, without inflating more than the image needs.

function timed(f: () => unknown): { message: string; ms: number } {
  const t0 = performance.now();
  try {
    f();
  } catch (e) {
    return { message: (e as Error).message, ms: performance.now() - t0 };
  }
  return { message: '(no error)', ms: performance.now() - t0 };
}

// 64 MiB of zeros deflate to 64 KB; the images below need a few kilobytes of it
const BOMB = deflateSync(new Uint8Array(64 * 2 ** 20));

describe('hostile PNGs', () => {
  it('a 1 × 10,000,000 strip is refused by the pipeline from its header, before decoding', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'effnet-png-'));
    const file = join(dir, 'strip.png');
    writeFileSync(file, png(1, 10_000_000, deflateSync(new Uint8Array(2 * 10_000_000)), { colorType: 0 }));
    const t0 = performance.now();
    const r = await effnet('classify', file);
    const ms = performance.now() - t0;
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^effnet classify: .*strip\.png: image 1×10000000: [\d,]+ pixels after resizing to \d+×\d+, more than allowed \(limit maxPixels = 40,000,000\)$/);
    // it decoded all 10 M pixels first (14 s, 1.4 GB) before the header was read for this
    expect(ms).toBeLessThan(3000);
  });

  for (const [label, width, height, opts] of [
    ['interlaced 8-bit RGB', 64, 64, { interlace: 1 }],
    ['non-interlaced 8-bit RGB', 64, 64, {}],
    ['16-bit RGBA', 32, 32, { depth: 16, colorType: 6 }],
    ['interlaced 16-bit grey', 40, 24, { depth: 16, colorType: 0, interlace: 1 }],
    ['grey + alpha', 50, 50, { colorType: 4 }],
  ] as const) {
    it(`a ${label} image whose data inflates to 64 MiB is refused in one line of ours`, () => {
      const { message, ms } = timed(() => decodeImage(png(width, height, BOMB, opts), 'bomb.png'));
      expect(message).toMatch(new RegExp(`^bomb\\.png: not a readable PNG \\(its image data inflates past the [\\d,]+ bytes ${width}×${height} needs\\)$`));
      expect(ms).toBeLessThan(500);
    });
  }

  it('a palette image whose data inflates to 64 MiB is refused the same way', () => {
    const plte = pngChunk('PLTE', new Uint8Array([0, 0, 0, 255, 255, 255]));
    const file = concat(PNG_SIGNATURE, ihdr(16, 16, 8, 3, 1), plte, pngChunk('IDAT', BOMB), pngChunk('IEND'));
    expect(timed(() => decodeImage(file, 'palette.png')).message).toBe('palette.png: not a readable PNG (its image data inflates past the 286 bytes 16×16 needs)');
  });
});
