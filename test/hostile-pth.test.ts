import { describe, expect, it } from 'vitest';
import { readPth } from '../src/weights/pth.js';
import { crc32 } from '../src/weights/zip.js';
import { bytes, checkpoint, ORDERED_DICT, PROTO2, STOP, str } from './pth-builder.js';

// A .pth file costs work and memory in proportion to its size, whatever it holds. Two files that
// broke that: a pickle whose dict key is a tuple of tuples shared through the memo (each level
// (t, t) of the one below), whose text doubles with every level; and a zip whose central directory
// points many entries at the same megabytes, each checked again.

/** Time a call that must throw; its message and how long it took. */
function refusal(f: () => unknown): { message: string; ms: number } {
  const t0 = performance.now();
  try {
    f();
  } catch (e) {
    return { message: (e as Error).message, ms: performance.now() - t0 };
  }
  throw new Error('it did not throw');
}

/** A state dict with one key: a tuple nested `depth` deep, each level (t, t) of the one below, via the memo. */
function sharedTupleKey(depth: number): Uint8Array {
  const levels: (string | number | Uint8Array)[] = [];
  for (let i = 1; i <= depth; i++) levels.push('h', i - 1, 'h', i - 1, 0x86, 0x94, '0'); // BINGET, BINGET, TUPLE2, MEMOIZE, POP
  // ('w',) memoised as 0, each level memoised as its depth; then dict[level depth] = None
  return bytes(PROTO2, ORDERED_DICT, str('w'), 0x85, 0x94, '0', ...levels, 'h', depth, 'N', 's', STOP);
}

describe('hostile .pth files cost no more than their size', () => {
  it('a dict key of tuples shared through the memo, 40 levels deep (2^40 characters as text), is refused at once in one short line', () => {
    const pkl = sharedTupleKey(40);
    expect(pkl.length).toBeLessThan(400);
    const { message, ms } = refusal(() => readPth(checkpoint(pkl), 'keys.pth'));
    expect(message).toMatch(/^keys\.pth: archive\/data\.pkl: a tuple dict key longer than 1024 characters at byte \d+$/);
    expect(ms).toBeLessThan(1000);
  });

  it('a tuple key of ordinary length is still read', () => {
    // depth 3: ((((w,), (w,)), …)) is 8 leaves, about 70 characters
    const { message } = refusal(() => readPth(checkpoint(sharedTupleKey(3)), 'small.pth'));
    expect(message).not.toMatch(/longer than/);
  });

  it('a zip whose central directory points 200 entries at the same 20 MiB is refused before checking them all', () => {
    const data = new Uint8Array(20 * 2 ** 20);
    const name = new TextEncoder().encode('archive/data/0');
    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true);
    const crc = crc32(data);
    local.setUint32(14, crc, true);
    local.setUint32(18, data.length, true);
    local.setUint32(22, data.length, true);
    local.setUint16(26, name.length, true);
    const central: Uint8Array[] = [];
    for (let i = 0; i < 200; i++) {
      const entryName = new TextEncoder().encode(`archive/data/${i}`);
      const c = new DataView(new ArrayBuffer(46));
      c.setUint32(0, 0x02014b50, true);
      c.setUint32(16, crc, true);
      c.setUint32(20, data.length, true);
      c.setUint32(24, data.length, true);
      c.setUint16(28, entryName.length, true);
      c.setUint32(42, 0, true); // every entry at the one local header
      central.push(new Uint8Array(c.buffer), entryName);
    }
    const cd = bytes(...central);
    const cdOffset = 30 + name.length + data.length;
    const end = new DataView(new ArrayBuffer(22));
    end.setUint32(0, 0x06054b50, true);
    end.setUint16(8, 200, true);
    end.setUint16(10, 200, true);
    end.setUint32(12, cd.length, true);
    end.setUint32(16, cdOffset, true);
    const file = bytes(new Uint8Array(local.buffer), name, data, cd, new Uint8Array(end.buffer));
    const { message, ms } = refusal(() => readPth(file, 'overlap.pth'));
    expect(message).toBe(`overlap.pth: zip entry 'archive/data/1' at byte 0 overlaps the entry before it (which ends at byte ${cdOffset}): entries must follow one another`);
    // two CRCs of 20 MiB at most, where 200 took 10 s
    expect(ms).toBeLessThan(2000);
  });
});
