import { describe, expect, it } from 'vitest';
import { createReferenceBackend } from '../src/backends/reference/index.js';
import { Tensor } from '../src/tensor/tensor.js';

const ops = createReferenceBackend();
const range = (n: number, from = 1) => Array.from({ length: n }, (_, i) => i + from);
const ones = (shape: number[]) => Tensor.from(shape, new Array(shape.reduce((a, b) => a * b, 1)).fill(1));
const values = (t: Tensor) => Array.from(t.data);

describe('reference conv2d, worked by hand', () => {
  it('TF-same stride 2 on an even 4×4 puts the extra pad row/column bottom-right', () => {
    // pads [0, 0, 1, 1]: windows start at rows/cols 0 and 2.
    const y = ops.conv2d(Tensor.from([1, 4, 4, 1], range(16)), ones([3, 3, 1, 1]), null, { strides: 2, pads: [0, 0, 1, 1] });
    expect(y.shape).toEqual([1, 2, 2, 1]);
    expect(values(y)).toEqual([1 + 2 + 3 + 5 + 6 + 7 + 9 + 10 + 11, 3 + 4 + 7 + 8 + 11 + 12, 9 + 10 + 11 + 13 + 14 + 15, 11 + 12 + 15 + 16]);
  });

  it('TF-same stride 2 on an odd 5×5 pads symmetrically', () => {
    const y = ops.conv2d(Tensor.from([1, 5, 5, 1], range(25)), ones([3, 3, 1, 1]), null, { strides: 2, pads: [1, 1, 1, 1] });
    expect(y.shape).toEqual([1, 3, 3, 1]);
    expect(y.data[0]).toBe(1 + 2 + 6 + 7);
    expect(y.data[4]).toBe(7 + 8 + 9 + 12 + 13 + 14 + 17 + 18 + 19);
    expect(y.data[8]).toBe(19 + 20 + 24 + 25);
  });

  it('symmetric (PyTorch) stride 2 on an even 4×4 pads one each side', () => {
    const y = ops.conv2d(Tensor.from([1, 4, 4, 1], range(16)), ones([3, 3, 1, 1]), null, { strides: 2, pads: [1, 1, 1, 1] });
    expect(values(y)).toEqual([1 + 2 + 5 + 6, 2 + 3 + 4 + 6 + 7 + 8, 5 + 6 + 9 + 10 + 13 + 14, 6 + 7 + 8 + 10 + 11 + 12 + 14 + 15 + 16]);
  });

  it('mixes channels through an HWIO kernel, adds bias, applies the activation', () => {
    const x = Tensor.from([1, 1, 1, 2], [1, 2]);
    const w = Tensor.from([1, 1, 2, 3], [1, 2, 3, 4, 5, -6]);
    const b = Tensor.from([3], [0.5, 0, -1]);
    expect(values(ops.conv2d(x, w, b, { strides: 1, pads: [0, 0, 0, 0] }))).toEqual([9.5, 12, -10]);
    expect(values(ops.conv2d(x, w, b, { strides: 1, pads: [0, 0, 0, 0], activation: 'relu' }))).toEqual([9.5, 12, 0]);
  });

  it('refuses a kernel whose input channels do not match', () => {
    expect(() => ops.conv2d(ones([1, 2, 2, 3]), ones([1, 1, 2, 1]), null, { strides: 1, pads: [0, 0, 0, 0] })).toThrow(/2 input channels, input has 3/);
  });
});

describe('reference depthwiseConv2d, worked by hand', () => {
  it('filters each channel with its own kernel', () => {
    // channel 0 = 1…9 with a 3×3 box filter; channel 1 = ones with a kernel that is 2 at the centre only.
    const x = Tensor.from([1, 3, 3, 2], range(9).flatMap((v) => [v, 1]));
    const w = Tensor.from([3, 3, 2, 1], range(9).flatMap((_, i) => [1, i === 4 ? 2 : 0]));
    const y = ops.depthwiseConv2d(x, w, Tensor.from([2], [0, 0.5]), { strides: 1, pads: [1, 1, 1, 1] });
    expect(y.shape).toEqual([1, 3, 3, 2]);
    expect(y.data[0]).toBe(1 + 2 + 4 + 5);
    expect(y.data[8]).toBe(45);
    expect(values(y).filter((_, i) => i % 2 === 1)).toEqual(new Array(9).fill(2.5));
  });

  it('5×5 stride 2 on an even 6×6 with TF-same pads [1, 1, 2, 2]', () => {
    const x = Tensor.from([1, 6, 6, 1], range(36));
    const y = ops.depthwiseConv2d(x, ones([5, 5, 1, 1]), null, { strides: 2, pads: [1, 1, 2, 2] });
    expect(y.shape).toEqual([1, 3, 3, 1]);
    // output (0, 0) covers rows −1…3 and cols −1…3 → rows 0…3, cols 0…3.
    const box = (r0: number, r1: number, c0: number, c1: number) => {
      let s = 0;
      for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) s += r * 6 + c + 1;
      return s;
    };
    expect(y.data[0]).toBe(box(0, 3, 0, 3));
    expect(y.data[4]).toBe(box(1, 5, 1, 5));
    expect(y.data[8]).toBe(box(3, 5, 3, 5));
  });
});

describe('reference elementwise and reductions, worked by hand', () => {
  it('batchNorm: γ(x − mean)/√(var + ε) + β per channel', () => {
    const y = ops.batchNorm(Tensor.from([1, 1, 1, 2], [1, 3]), Tensor.from([2], [2, 1]), Tensor.from([2], [0, 1]), Tensor.from([2], [1, 1]), Tensor.from([2], [3, 0]), 1);
    expect(values(y)).toEqual([0, 3]);
  });

  it('swish, sigmoid and relu', () => {
    const x = Tensor.from([3], [0, 1, -2]);
    expect(values(ops.sigmoid(x))).toEqual([0.5, Math.fround(1 / (1 + Math.exp(-1))), Math.fround(1 / (1 + Math.exp(2)))]);
    expect(values(ops.swish(x))).toEqual([0, Math.fround(1 / (1 + Math.exp(-1))), Math.fround(-2 / (1 + Math.exp(2)))]);
    expect(values(ops.relu(x))).toEqual([0, 1, 0]);
  });

  it('add is elementwise and refuses different shapes', () => {
    expect(values(ops.add(Tensor.from([2], [1, 2]), Tensor.from([2], [10, 20])))).toEqual([11, 22]);
    expect(() => ops.add(ones([2]), ones([3]))).toThrow(/shapes \[2\] and \[3\] differ/);
  });

  it('mul broadcasts a per-channel scale over H and W', () => {
    const y = ops.mul(Tensor.from([1, 1, 2, 2], [1, 2, 3, 4]), Tensor.from([1, 1, 1, 2], [10, 100]));
    expect(values(y)).toEqual([10, 200, 30, 400]);
  });

  it('globalAvgPool averages each channel over H and W', () => {
    const y = ops.globalAvgPool(Tensor.from([1, 2, 2, 2], [1, 10, 2, 20, 3, 30, 6, 60]));
    expect(y.shape).toEqual([1, 2]);
    expect(values(y)).toEqual([3, 30]);
  });

  it('dense: x · W + b with W as [in, out]', () => {
    const y = ops.dense(Tensor.from([1, 2], [1, 2]), Tensor.from([2, 3], [1, 0, 1, 0, 1, 1]), Tensor.from([3], [0, 0, 1]));
    expect(values(y)).toEqual([1, 2, 4]);
  });

  it('softmax is exact on easy ratios and stable on large logits', () => {
    const y = ops.softmax(Tensor.from([2, 2], [0, Math.log(3), 1000, 1000]));
    expect(values(y).map((v) => Number(v.toFixed(6)))).toEqual([0.25, 0.75, 0.5, 0.5]);
  });

  it('squeezeExcite: x · sigmoid(expand(swish(reduce(mean))))', () => {
    // mean 3 → reduce ×1 → swish(3) → expand ×0 + 0 → sigmoid(0) = 0.5
    const y = ops.squeezeExcite(Tensor.from([1, 1, 2, 1], [2, 4]), ones([1, 1, 1, 1]), Tensor.from([1], [0]), Tensor.from([1, 1, 1, 1], [0]), Tensor.from([1], [0]));
    expect(values(y)).toEqual([1, 2]);
    // with expand ×1: scale = sigmoid(swish(3))
    const s = 1 / (1 + Math.exp(-(3 / (1 + Math.exp(-3)))));
    const z = ops.squeezeExcite(Tensor.from([1, 1, 2, 1], [2, 4]), ones([1, 1, 1, 1]), Tensor.from([1], [0]), ones([1, 1, 1, 1]), Tensor.from([1], [0]));
    expect(z.data[0]).toBeCloseTo(2 * s, 6);
    expect(z.data[1]).toBeCloseTo(4 * s, 6);
  });
});
