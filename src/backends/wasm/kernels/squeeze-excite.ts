// Squeeze-excitation in one call per image and range of rows (assembly/se.ts): channel means, the
// 1×1 reduce (swish) and expand (sigmoid) as small dense layers, then the channels of those rows
// scaled. Work splits by rows of each image: each thread works out the image's scale itself (the
// means read the whole image: a thread's share of the multiply is what it saves), exactly as one
// thread does, so every thread count gives the same bits.
import { packSqueezeExcite } from '../layouts.js';
import { activationCode, byImageRows, product, type KernelsOf } from './kernel.js';

/** Scratch of the scale (assembly/se.ts seScratchFloats): channel means, the reduced vector, the scale. */
export function seScratchFloats(op: { c: number; cse: number }): number {
  return 2 * Math.ceil(op.c / 4) * 4 + Math.ceil(op.cse / 4) * 4;
}

export const squeezeExciteKernels: KernelsOf<'squeezeExcite'> = {
  squeezeExcite: {
    // it reads each image whole (the channel means) before it writes the scaled channels: in place
    // on one thread, but not where another thread may still be reading the rows it scales
    inPlace: (threads) => threads === 1,
    pack: (op, w) => packSqueezeExcite(w.kernel!, w.bias!, w.expandKernel!, w.expandBias!, op.c, op.cse),
    scratchFloats: seScratchFloats,
    units: (_op, g) => g.batch * g.input[0]!,
    run(k, op, g, at, from, to) {
      const image = product(g.input) * 4;
      const [h, w] = g.input as [number, number, number];
      byImageRows(h, from, to, (b, r0, r1) => {
        k.squeezeExcite(at.x + b * image, h * w, op.c, at.w, op.cse, at.out + b * image, at.scratch, activationCode(op.actReduce), activationCode(op.actExpand), r0 * w, r1 * w);
      });
    },
  },
};
