// The kernels over whole rows: global average pooling (assembly/pool.ts), the classifier's
// dense layer and softmax (assembly/dense.ts). Work splits by image.
import { packDense } from '../layouts.js';
import { activationCode, product, type KernelsOf } from './kernel.js';

export const reduceKernels: KernelsOf<'globalAvgPool' | 'dense' | 'softmax'> = {
  globalAvgPool: {
    units: (_op, g) => g.batch,
    run(k, _op, g, at, from, to) {
      const c = g.input.at(-1)!;
      const hw = product(g.input) / c;
      for (let b = from; b < to; b++) k.globalAvgPool(at.x + b * hw * c * 4, hw, c, at.out + b * c * 4);
    },
  },
  dense: {
    pack: (op, w) => packDense(w.kernel!, w.bias ?? null, op.k, op.n),
    units: (_op, g) => g.batch,
    run(k, op, _g, at, from, to) {
      k.dense(at.x + from * op.k * 4, to - from, op.k, at.w, op.n, at.out + from * op.n * 4, activationCode(op.activation));
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
