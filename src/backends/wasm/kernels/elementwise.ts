// The kernels without a reduction (assembly/eltwise.ts): a batch norm left unfused (a
// per-channel affine), an activation, a residual add, a per-channel gate. Work splits by
// pixels or by chunks of floats.
import { batchNormAffine } from '../../fused/weights.js';
import { packAffine } from '../layouts.js';
import { activationCode, product, type KernelsOf } from './kernel.js';

/** Floats per unit of the flat kernels: a cache line of float32 times four. */
const CHUNK = 64;
const chunks = (g: { batch: number; output: readonly number[] }) => Math.ceil((g.batch * product(g.output)) / CHUNK);
const span = (g: { batch: number; output: readonly number[] }, from: number, to: number) => {
  const n = g.batch * product(g.output);
  return [from * CHUNK * 4, Math.min(to * CHUNK, n) - from * CHUNK] as const;
};

export const elementwiseKernels: KernelsOf<'batchNorm' | 'activation' | 'add' | 'multiply'> = {
  batchNorm: {
    pack(_op, w) {
      const { scale, shift } = batchNormAffine(w.batchNorm!);
      return packAffine(scale, shift);
    },
    units: (_op, g) => (g.batch * product(g.output)) / g.output.at(-1)!,
    run(k, _op, g, at, from, to) {
      const c = g.output.at(-1)!;
      const c4 = Math.ceil(c / 4) * 4;
      k.batchNorm(at.x + from * c * 4, to - from, c, at.w, at.w + c4 * 4, at.out + from * c * 4);
    },
  },
  activation: {
    units: (_op, g) => chunks(g),
    run(k, op, g, at, from, to) {
      const [offset, n] = span(g, from, to);
      k.activation(at.x + offset, at.out + offset, n, activationCode(op.activation));
    },
  },
  add: {
    units: (_op, g) => chunks(g),
    run(k, _op, g, at, from, to) {
      const [offset, n] = span(g, from, to);
      k.add(at.x + offset, at.y + offset, at.out + offset, n);
    },
  },
  multiply: {
    units: (_op, g) => g.batch,
    run(k, _op, g, at, from, to) {
      const c = g.output.at(-1)!;
      const hw = product(g.output) / c;
      for (let b = from; b < to; b++) k.multiply(at.x + b * hw * c * 4, hw, c, at.y + b * c * 4, at.out + b * hw * c * 4);
    },
  },
};
