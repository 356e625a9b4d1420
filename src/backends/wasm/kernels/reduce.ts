// The kernels over whole rows: global average pooling (assembly/pool.ts), the classifier's
// dense layer and softmax (assembly/dense.ts). Work splits by image, the dense layer's by columns.
import { packDense } from '../layouts.js';
import { activationCode, product, type KernelsOf } from './kernel.js';

/** Columns of a dense layer per unit of work: the kernel's widest block. */
const COLUMNS = 16;

export const reduceKernels: KernelsOf<'globalAvgPool' | 'dense' | 'softmax'> = {
  globalAvgPool: {
    units: (_op, g) => g.batch,
    run(k, _op, g, at, from, to) {
      const c = g.input.at(-1)!;
      const hw = product(g.input) / c;
      for (let b = from; b < to; b++) k.globalAvgPool(at.x + b * hw * c * 4, hw, c, at.out + b * c * 4);
    },
  },
  // every row, columns in blocks of 16: a classifier of few rows is its weights' stream, which
  // threads then share
  dense: {
    pack: (op, w) => packDense(w.kernel!, w.bias ?? null, op.k, op.n),
    work: (op, g) => g.batch * op.k * op.n,
    units: (op) => Math.ceil(op.n / COLUMNS),
    run(k, op, g, at, from, to) {
      const n4 = Math.ceil(op.n / 4) * 4;
      k.dense(at.x, g.batch, op.k, at.w, op.n, at.out, activationCode(op.activation), from * COLUMNS, Math.min(to * COLUMNS, n4));
    },
  },
  softmax: {
    units: (_op, g) => (g.batch * product(g.output)) / g.output.at(-1)!,
    run(k, _op, g, at, from, to) {
      const m = g.output.at(-1)!;
      k.softmax(at.x + from * m * 4, to - from, m, at.out + from * m * 4);
    },
  },
};
