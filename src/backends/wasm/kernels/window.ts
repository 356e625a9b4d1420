// The convolutions with a k×k window (assembly/conv.ts, assembly/depthwise*.ts): the direct
// convolution (in EfficientNet, the stem) and the depthwise one, bias, folded batch norm and
// activation fused into the store. Work splits by output rows of each image.
import { folded } from '../../fused/weights.js';
import { packConv, packDepthwise } from '../layouts.js';
import { activationCode, outputRows, overOutputRows, product, type KernelsOf } from './kernel.js';

export const windowKernels: KernelsOf<'conv2d' | 'depthwiseConv2d'> = {
  conv2d: {
    pack(op, w) {
      const { kernel, bias } = folded(w);
      return packConv(kernel, bias, op.kernel[0], op.kernel[1], op.cin, op.cout);
    },
    work: (op, g) => g.batch * product(g.output) * op.kernel[0] * op.kernel[1] * op.cin,
    units: outputRows,
    run(k, op, g, at, from, to) {
      const act = activationCode(op.activation);
      const [kh, kw] = op.kernel;
      overOutputRows(g, at, from, to, ({ x, out, h, w, oh, ow, y0, y1 }) =>
        k.conv2d(x, h, w, op.cin, at.w, op.cout, kh, kw, op.stride, op.pads[0], op.pads[1], out, oh, ow, act, y0, y1),
      );
    },
  },
  depthwiseConv2d: {
    pack(op, w) {
      const { kernel, bias } = folded(w);
      return packDepthwise(kernel, bias, op.kernel[0], op.kernel[1], op.c);
    },
    work: (op, g) => g.batch * product(g.output) * op.kernel[0] * op.kernel[1],
    units: outputRows,
    run(k, op, g, at, from, to) {
      const act = activationCode(op.activation);
      const [kh, kw] = op.kernel;
      overOutputRows(g, at, from, to, ({ x, out, h, w, oh, ow, y0, y1 }) =>
        k.depthwiseConv2d(x, h, w, op.c, at.w, kh, kw, op.stride, op.pads[0], op.pads[1], out, oh, ow, act, y0, y1),
      );
    },
  },
};
