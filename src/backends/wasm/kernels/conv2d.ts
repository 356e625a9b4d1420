// Direct k×k convolution (assembly/conv.ts; in EfficientNet, the stem), bias, folded batch
// norm and activation fused into the store. Work splits by output rows of each image.
import { packConv } from '../pack.js';
import { activationCode, convWeights, folded, outputRows, overOutputRows, product, type Kernel } from './kernel.js';

export const conv2d: Kernel<'conv2d'> = {
  reference: ['conv2d'],
  gather: (op, get, batchNorm) => convWeights(op, 'kernel', get, batchNorm),
  pack(op, w) {
    const { kernel, bias } = folded(w);
    return packConv(kernel, bias, op.kernel, op.kernel, op.cin, op.cout);
  },
  work: (op, g) => g.batch * product(g.output) * op.kernel * op.kernel * op.cin,
  units: outputRows,
  run(k, op, g, at, from, to) {
    const act = activationCode(op.activation);
    overOutputRows(g, at, from, to, ({ x, out, h, w, oh, ow, y0, y1 }) =>
      k.conv2d(x, h, w, op.cin, at.w, op.cout, op.kernel, op.kernel, op.stride, op.pads[0], op.pads[1], out, oh, ow, act, y0, y1),
    );
  },
};
