import { describe, expect, it } from 'vitest';
import { readPth } from '../src/weights/pth.js';
import { PyDict, unpickle } from '../src/weights/pickle.js';
import { crc32 } from '../src/weights/zip.js';
import { bytes, checkpoint, concat, ORDERED_DICT, PROTO2, repeat, STOP, str, u32, zip } from './pth-builder.js';

// A .pth file costs work and memory in proportion to its size, whatever it holds. Files that broke
// that: a pickle whose dict key is a tuple of tuples shared through the memo (each level (t, t) of
// the one below), whose text doubles with every level; one tuple key used again and again, made into
// text each time; dict keys (and zip entry names) that V8 hashes badly, so that every insertion
// compares with all the keys before it; and a zip whose central directory points many entries at
// the same megabytes, each checked again. Each bound below is far under what the file cost before.

/** An unpickler that knows no globals: plain data only. */
const plain = { globals: new Map() };

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

  it('a pickle of opcodes that each build a container (300,000 empty dicts in a list) is refused at the 262,145th, in one line', () => {
    // ']' then '}', 'a' (EMPTY_DICT, APPEND) 300,000 times: 600 KB, 2 bytes a dict; unbounded, a
    // 64 MiB file of these built ~120 bytes of objects per byte (7.5 GB)
    const pkl = concat([bytes(PROTO2, ']'), repeat(bytes('}', 'a'), 300_000), bytes(STOP)]);
    const { message, ms } = refusal(() => unpickle(pkl, 'dicts.pkl', plain));
    expect(message).toMatch(/^dicts\.pkl: pickle builds more than 262144 lists, tuples, dicts and objects \(at byte \d+\)$/);
    expect(ms).toBeLessThan(2000);
    // the same at 100,000 dicts is an ordinary list
    const ok = unpickle(concat([bytes(PROTO2, ']'), repeat(bytes('}', 'a'), 100_000), bytes(STOP)]), 'fine.pkl', plain) as unknown[];
    expect(ok).toHaveLength(100_000);
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

  it('one tuple key used in 2,000,000 dict entries is made into text once', () => {
    // a memoised tuple of 300 ones (900 characters as text), then 2,000,000 × d[it] = None: 8 MB,
    // which took three minutes when the text was made again at each use
    const tuple = [bytes('('), repeat(bytes('K', 1), 300), bytes('t', 0x94, '0')];
    const pkl = concat([bytes(PROTO2, '}'), ...tuple, repeat(bytes('h', 0, 'N', 's'), 2_000_000), bytes(STOP)]);
    const t0 = performance.now();
    const d = unpickle(pkl, 'reused.pkl', plain) as PyDict;
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect([...d.entries.keys()]).toEqual([`(${Array(300).fill(1).join(', ')})`]);
  });

  it('a tuple key of a million copies of a 2,466-digit integer is refused without writing any of them out', () => {
    // LONG4 of 1,024 bytes, DUP 1,000,000 times: 1 MB, which took four minutes to refuse
    const pkl = concat([bytes(PROTO2, '}', '(', 0x8b, u32(1024), new Uint8Array(1024).fill(0x7f)), repeat(bytes(0x32), 1_000_000), bytes('t', 'N', 's', STOP)]);
    const { message, ms } = refusal(() => unpickle(pkl, 'digits.pkl', plain));
    expect(message).toBe('digits.pkl: a tuple dict key longer than 1024 characters at byte 1001035');
    expect(ms).toBeLessThan(5000);
  });

  it('a tuple key that reaches itself through a list is refused as unhashable, in one line', () => {
    // L = []; t = (L,); L.append(t); d[(t,)] = None — 21 bytes that overflowed the call stack
    const pkl = bytes(PROTO2, '}', ']', 0x94, 0x85, 0x94, '0', 'h', 0, 'h', 1, 'a', '0', 'h', 1, 0x85, 'N', 's', STOP);
    expect(() => unpickle(pkl, 'cycle.pkl', plain)).toThrow(/^cycle\.pkl: unhashable dict key at byte 18$/);
  });

  it('1,000 string keys of 16,384 characters are refused at the first', () => {
    // V8 hashes such strings by their length alone: the 16 MB pickle took 3 s, each key compared with all before it
    const keys = Array.from({ length: 1000 }, (_, i) => [str(`${'k'.repeat(16_380)}${String(i).padStart(4, '0')}`), bytes('N')]).flat();
    const pkl = concat([bytes(PROTO2, '}', '('), ...keys, bytes('u', STOP)]);
    const { message, ms } = refusal(() => unpickle(pkl, 'long.pkl', plain));
    expect(message).toMatch(/^long\.pkl: a dict key of 16384 characters at byte \d+ \(at most 1024\)$/);
    expect(ms).toBeLessThan(5000);
  });

  it('6,000 integer keys of 8,000 bits that agree in their low 64 are refused at the first', () => {
    // V8 hashes a BigInt by its low 64 bits: the 6 MB pickle took 11 s, each key compared with all before it
    const keys = Array.from({ length: 6000 }, (_, i) => {
      // the same low 64 bits, told apart only at the top, where V8's comparison gets last
      const v = new Uint8Array(1000);
      v[0] = 1;
      v[997] = i & 0xff;
      v[998] = i >> 8;
      v[999] = 1;
      return bytes(0x8b, u32(v.length), v, 'N'); // LONG4
    });
    const pkl = concat([bytes(PROTO2, '}', '('), ...keys, bytes('u', STOP)]);
    const { message, ms } = refusal(() => unpickle(pkl, 'wide.pkl', plain));
    expect(message).toMatch(/^wide\.pkl: an integer dict key wider than 64 bits at byte \d+$/);
    expect(ms).toBeLessThan(5000);
  });

  it('a zip of 1,000 entries named with 16,392 bytes each is refused at the first', () => {
    // as with dict keys: the 33 MB file took 4 to 8 s, each name compared with all before it
    const entries = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`${'n'.repeat(16_380)}${String(i).padStart(4, '0')}`, new Uint8Array(0)]));
    const file = zip(entries);
    const { message, ms } = refusal(() => readPth(file, 'names.pth'));
    expect(message).toBe('names.pth: zip central directory entry 0 has a name of 16392 bytes (at most 1024)');
    expect(ms).toBeLessThan(5000);
  });

  it('an archive name with a line break and 900 characters is shown cut, so the reason after it is kept', () => {
    const archive = `a\n${'b'.repeat(900)}`;
    const { message } = refusal(() => readPth(zip({ 'data.pkl': bytes(PROTO2, 0xff) }, archive), 'named.pth'));
    expect(message).toMatch(/^named\.pth: a\\x0ab+… \(\d+ more characters\)\/data\.pkl: unknown pickle opcode 0xff at byte 2$/);
    expect(message.length).toBeLessThan(200);
  });
});
