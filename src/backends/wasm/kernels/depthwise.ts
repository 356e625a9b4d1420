// Depthwise k×k convolution (assembly/depthwise.ts): each channel filtered alone, folded batch
// norm and activation fused into the store. Work splits by output rows of each image.
import { foldBatchNorm, packDepthwise } from '../pack.js';
import { activationCode, byImageRows, product, type Kernel } from './kernel.js';

export const depthwiseConv2d: Kernel<'depthwiseConv2d'> = {
  reference: ['depthwiseConv2d'],
  gather: (op, get, batchNorm) => ({
    kernel: get(op.layers[0]!.name, 'depthwise_kernel'),
    bias: null,
    batchNorm: op.batchNorm ? batchNorm(op.batchNorm) : null,
  }),
  pack(op, w) {
    let { kernel, bias = null } = w;
    if (w.batchNorm) ({ kernel, bias } = foldBatchNorm(kernel!, bias, w.batchNorm));
    return packDepthwise(kernel!, bias, op.kernel, op.kernel, op.c);
  },
  work: (op, g) => g.batch * product(g.output) * op.kernel * op.kernel,
  units: (_op, g) => g.batch * g.output[0]!,
  run(k, op, g, at, from, to) {
    const [h, w] = g.input as [number, number, number];
    const [oh, ow] = g.output as [number, number, number];
    const inBytes = product(g.input) * 4, outBytes = product(g.output) * 4;
    const act = activationCode(op.activation);
    byImageRows(oh, from, to, (b, y0, y1) =>
      k.depthwiseConv2d(at.x + b * inBytes, h, w, op.c, at.w, op.kernel, op.kernel, op.stride, op.pads[0], op.pads[1], at.out + b * outBytes, oh, ow, act, y0, y1),
    );
  },
};
