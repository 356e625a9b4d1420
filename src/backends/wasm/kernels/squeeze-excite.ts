// Squeeze-excitation in one call per image (assembly/se.ts): channel means, the 1×1 reduce
// (swish) and expand (sigmoid) as small dense layers, then the channels scaled. Work splits by image.
import { packSqueezeExcite } from '../layouts.js';
import { activationCode, product, type KernelsOf } from './kernel.js';

export const squeezeExciteKernels: KernelsOf<'squeezeExcite'> = {
  squeezeExcite: {
    // it reads each image whole (the channel means) before it writes the scaled channels
    inPlace: true,
    pack: (op, w) => packSqueezeExcite(w.kernel!, w.bias!, w.expandKernel!, w.expandBias!, op.c, op.cse),
    /** Channel means, the reduced vector, the scale. */
    scratchFloats(op) {
      const c4 = Math.ceil(op.c / 4) * 4, cse4 = Math.ceil(op.cse / 4) * 4;
      return 2 * c4 + cse4;
    },
    units: (_op, g) => g.batch,
    run(k, op, g, at, from, to) {
      const image = product(g.input) * 4;
      const hw = product(g.input) / op.c;
      for (let b = from; b < to; b++) {
        k.squeezeExcite(at.x + b * image, hw, op.c, at.w, op.cse, at.out + b * image, at.scratch, activationCode(op.actReduce), activationCode(op.actExpand));
      }
    },
  },
};
