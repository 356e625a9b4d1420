import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backends/backend.js';
import { createBackend } from '../src/backends/index.js';
import { sharedHeap, SLACK, type Heap } from '../src/backends/wasm/heap.js';
import { ACTIVATIONS as ACTIVATION_TABLE } from '../src/model/activations.js';
import { packDepthwise } from '../src/backends/wasm/layouts.js';
import type { Activation, Pads } from '../src/model/layers.js';
import { Tensor } from '../src/tensor/tensor.js';
import { randomInput } from '../src/weights/random.js';
import { compareLayer } from './golden-compare.js';

// The depthwise kernels of assembly/ (depthwise.ts, depthwise3x3.ts, depthwise5x5.ts) against the
// reference backend, the oracle. 3×3 and 5×5 at stride 1 and 2 run in tiles of seven output
// pixels with the columns outside the image masked out, so the widths below give every remainder
// of seven (and rows narrower than one tile), the pads put the image edge at every column of a
// tile, and the channel counts leave 1, 2 or 3 lanes of the last 4-channel group. Other shapes
// take the one-pixel path. The raw kernel is called too, for what the ops API cannot show: output
// rows [y0, y1) only, nothing written past the last pixel's channels, kernels that are not square.

const TOLERANCE = 1e-5;
const ACTIVATIONS: Activation[] = ['none', 'swish', 'sigmoid', 'relu'];

let reference: Backend, wasm: Backend, heap: Heap;
beforeAll(async () => {
  [reference, wasm, heap] = await Promise.all([createBackend('reference'), createBackend('wasm'), sharedHeap()]);
});

let seed = 7;
const rand = (shape: number[], scale = 1) => {
  const t = randomInput(shape, seed++);
  for (let i = 0; i < t.size; i++) t.data[i]! *= scale;
  return t;
};

interface Shape {
  h: number;
  w: number;
  c: number;
  kh: number;
  kw: number;
  s: number;
  pads: Pads; // [top, left, bottom, right]
  activation: Activation;
}

const label = (p: Shape) => `${p.h}×${p.w}×${p.c} ${p.kh}×${p.kw}/${p.s} pads [${p.pads}] ${p.activation}`;
const outSize = (size: number, k: number, s: number, before: number, after: number) => Math.floor((size + before + after - k) / s) + 1;

/** Input, kernel, bias and the reference's answer for one shape. */
function problem(p: Shape) {
  const x = rand([1, p.h, p.w, p.c]), w = rand([p.kh, p.kw, p.c, 1], 0.5), b = rand([p.c], 0.1);
  const want = reference.depthwiseConv2d(x, w, b, { strides: p.s, pads: p.pads, activation: p.activation });
  return { x, w, b, want };
}

const cases: Shape[] = [];
for (const k of [3, 5])
  for (const s of [1, 2]) {
    const half = (k - 1) >> 1;
    // output widths 1…16 and 22: one tile, a whole tile, a tile and every remainder
    const widths = s === 1 ? [1, 2, 6, 7, 8, 10, 13, 14, 16, 22] : [1, 4, 13, 14, 15, 19, 27, 31, 44];
    widths.forEach((w, i) => {
      const c = [1, 3, 5, 17, 33][i % 5]!;
      const [top, left, bottom, right] = [
        [half, half, half, half], // same, symmetric
        [half - 1 + (s === 2 ? 1 : 0), half, half, half + 1], // TF same on even sizes, and uneven
        [0, 0, 0, 0], // valid: no tap outside
        [k + 1, k + 2, 1, k], // pads wider than the kernel: whole tiles with no tap inside
      ][i % 4]!.map((v) => Math.max(0, v));
      const pads: Pads = [top!, left!, bottom!, right!];
      cases.push({ h: 3 + (i % 5) * 2, w, c, kh: k, kw: k, s, pads, activation: ACTIVATIONS[i % 4]! });
    });
  }
cases.push({ h: 9, w: 30, c: 48, kh: 3, kw: 3, s: 1, pads: [1, 1, 1, 1], activation: 'swish' }); // four 4-channel groups, whole tiles
cases.push({ h: 7, w: 7, c: 2, kh: 5, kw: 5, s: 1, pads: [2, 2, 2, 2], activation: 'relu' }); // B0's 7×7 rows, as in block6
cases.push({ h: 6, w: 8, c: 5, kh: 7, kw: 7, s: 1, pads: [3, 3, 3, 3], activation: 'swish' }); // 7×7: the one-pixel path
cases.push({ h: 8, w: 9, c: 6, kh: 3, kw: 3, s: 3, pads: [1, 0, 1, 2], activation: 'sigmoid' }); // stride 3: the one-pixel path
cases.push({ h: 5, w: 6, c: 9, kh: 1, kw: 1, s: 1, pads: [0, 0, 0, 0], activation: 'none' });

describe('depthwiseConv2d (wasm) agrees with the reference', () => {
  for (const p of cases) {
    it(label(p), () => {
      const { x, w, b, want } = problem(p);
      const got = wasm.depthwiseConv2d(x, w, b, { strides: p.s, pads: p.pads, activation: p.activation });
      const c = compareLayer(label(p), want, got, TOLERANCE);
      expect(c.ok, c.message).toBe(true);
    });
  }
});

describe('the raw kernel', () => {
  const SENTINEL = -1234.5;

  /** Runs assembly's depthwiseConv2d on output rows [y0, y1) into a sentinel-filled buffer; returns it with SLACK floats past the end. */
  function runRows(p: Shape, x: Tensor, w: Tensor, b: Tensor, y0: number, y1: number) {
    const [top, left, bottom, right] = p.pads;
    const oh = outSize(p.h, p.kh, p.s, top, bottom), ow = outSize(p.w, p.kw, p.s, left, right);
    const size = oh * ow * p.c, extra = SLACK / 4;
    const packed = packDepthwise(w.data, b.data, p.kh, p.kw, p.c);
    const xAt = heap.alloc(x.size * 4), wAt = heap.alloc(packed.length * 4), outAt = heap.alloc(size * 4);
    try {
      heap.write(xAt, x.data);
      heap.write(wAt, packed);
      heap.write(outAt, new Float32Array(size + extra).fill(SENTINEL));
      heap.kernels.depthwiseConv2d(xAt, p.h, p.w, p.c, wAt, p.kh, p.kw, p.s, top, left, outAt, oh, ow, ACTIVATION_TABLE[p.activation].code, y0, y1);
      return { out: heap.read(outAt, size + extra), oh, ow };
    } finally {
      heap.free(xAt);
      heap.free(wAt);
      heap.free(outAt);
    }
  }

  const rowCases: [Shape, number, number][] = [
    [{ h: 11, w: 13, c: 5, kh: 3, kw: 3, s: 1, pads: [1, 1, 1, 1], activation: 'swish' }, 3, 7], // tiles of 7 and 6
    [{ h: 12, w: 23, c: 17, kh: 3, kw: 3, s: 2, pads: [0, 0, 1, 1], activation: 'none' }, 0, 2],
    [{ h: 10, w: 12, c: 3, kh: 5, kw: 5, s: 1, pads: [2, 2, 2, 2], activation: 'relu' }, 8, 10], // the last rows; tiles of 7 and 5
    [{ h: 13, w: 29, c: 33, kh: 5, kw: 5, s: 2, pads: [2, 1, 2, 2], activation: 'sigmoid' }, 1, 6],
    [{ h: 9, w: 8, c: 6, kh: 3, kw: 5, s: 1, pads: [1, 2, 1, 2], activation: 'swish' }, 2, 5], // not square
    [{ h: 8, w: 10, c: 1, kh: 5, kw: 3, s: 2, pads: [2, 1, 2, 1], activation: 'none' }, 0, 4],
    [{ h: 7, w: 7, c: 7, kh: 3, kw: 3, s: 1, pads: [1, 1, 1, 1], activation: 'none' }, 4, 4], // empty range
  ];
  for (const [p, y0, y1] of rowCases) {
    it(`${label(p)}, rows [${y0}, ${y1}): those rows as the reference, every other float untouched`, () => {
      const { x, w, b, want } = problem(p);
      const { out, oh, ow } = runRows(p, x, w, b, y0, y1);
      const row = ow * p.c;
      expect([oh, ow]).toEqual(want.shape.slice(1, 3));
      const untouched = [...out.subarray(0, y0 * row), ...out.subarray(y1 * row)];
      expect(untouched.every((v) => v === SENTINEL)).toBe(true);
      if (y1 > y0) {
        const rows = [1, y1 - y0, ow, p.c];
        const c = compareLayer(label(p), new Tensor(rows, want.data.slice(y0 * row, y1 * row)), new Tensor(rows, out.slice(y0 * row, y1 * row)), TOLERANCE);
        expect(c.ok, c.message).toBe(true);
      }
    });
  }
});
