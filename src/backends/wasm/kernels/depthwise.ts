// Depthwise k×k convolution (assembly/depthwise.ts): each channel filtered alone, folded batch
// norm and activation fused into the store. Work splits by output rows of each image.
import { packDepthwise } from '../pack.js';
import { activationCode, convWeights, folded, outputRows, overOutputRows, product, type Kernel } from './kernel.js';

export const depthwiseConv2d: Kernel<'depthwiseConv2d'> = {
  reference: ['depthwiseConv2d'],
  gather: (op, get, batchNorm) => convWeights(op, 'depthwise_kernel', get, batchNorm),
  pack(op, w) {
    const { kernel, bias } = folded(w);
    return packDepthwise(kernel, bias, op.kernel, op.kernel, op.c);
  },
  work: (op, g) => g.batch * product(g.output) * op.kernel * op.kernel,
  units: outputRows,
  run(k, op, g, at, from, to) {
    const act = activationCode(op.activation);
    overOutputRows(g, at, from, to, ({ x, out, h, w, oh, ow, y0, y1 }) =>
      k.depthwiseConv2d(x, h, w, op.c, at.w, op.kernel, op.kernel, op.stride, op.pads[0], op.pads[1], out, oh, ow, act, y0, y1),
    );
  },
};
