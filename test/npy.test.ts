import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readNpy, writeNpy } from '../src/tensor/npy.js';
import { Tensor } from '../src/tensor/tensor.js';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../fixtures/npy/${name}`, import.meta.url)));
const expected = Array.from({ length: 24 }, (_, i) => i * 0.5 - 3);

describe('.npy (fixtures written by NumPy, see fixtures/npy/manifest.json)', () => {
  it('reads a v1.0 float32 C-order array', () => {
    const t = readNpy(fixture('v1-f4-2x3x4.npy'));
    expect(t.shape).toEqual([2, 3, 4]);
    expect(Array.from(t.data)).toEqual(expected);
  });

  it('reads a v2.0 header', () => {
    const t = readNpy(fixture('v2-f4-2x3x4.npy'));
    expect(t.shape).toEqual([2, 3, 4]);
    expect(Array.from(t.data)).toEqual(expected);
  });

  it('reads a 0-d scalar', () => {
    const t = readNpy(fixture('scalar-f4.npy'));
    expect(t.shape).toEqual([]);
    expect(Array.from(t.data)).toEqual([1.5]);
  });

  it.each([
    ['f8-2x3x4.npy', /dtype '<f8' is not supported/],
    ['big-endian-f4.npy', /dtype '>f4' is not supported/],
    ['fortran-f4.npy', /Fortran-order/],
  ])('refuses %s with a clear error', (name, message) => {
    expect(() => readNpy(fixture(name), name)).toThrow(message);
  });

  it('names truncated data and bad magic', () => {
    const bytes = fixture('v1-f4-2x3x4.npy');
    expect(() => readNpy(bytes.subarray(0, bytes.length - 4), 'x.npy')).toThrow(/x\.npy: truncated data/);
    expect(() => readNpy(new TextEncoder().encode('hello world'), 'y.npy')).toThrow(/y\.npy: not a \.npy file/);
  });

  it('writes what NumPy writes, byte for byte', () => {
    const t = Tensor.from([2, 3, 4], expected);
    expect(Buffer.from(writeNpy(t))).toEqual(Buffer.from(fixture('v1-f4-2x3x4.npy')));
  });

  it('round-trips shapes of every rank, including 1-d and empty', () => {
    for (const shape of [[5], [1, 2, 3, 4], [0, 3], [7, 1]]) {
      const t = Tensor.from(shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.fround(Math.sin(i))));
      const back = readNpy(writeNpy(t));
      expect(back.shape).toEqual(shape);
      expect(back.data).toEqual(t.data);
    }
  });
});
