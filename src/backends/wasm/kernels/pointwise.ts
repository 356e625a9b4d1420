// 1×1 convolution, stride 1, no pads: a GEMM over every pixel of the batch, [N·H·W, Cin] ×
// [Cin, Cout] (assembly/gemm.ts, tiles of 4 pixels × 8 channels), with the folded batch norm's
// bias, the activation and the residual add fused into the store.
import type { Pads } from '../../../model/layers.js';
import { foldBatchNorm, packPointwise } from '../pack.js';
import { activationCode, product, type Kernel } from './kernel.js';

/** Whether a convolution is pointwise: the one place this is decided. */
export function isPointwise(kernel: number, stride: number, pads: Pads): boolean {
  return kernel === 1 && stride === 1 && pads.every((p) => p === 0);
}

/** Pixels per unit of work: the GEMM's tile height, so a thread's rows start on a tile. */
const ROWS = 4;

export const pointwise: Kernel<'pointwise'> = {
  reference: ['conv2d'],
  gather: (op, get, batchNorm) => ({
    kernel: get(op.layers[0]!.name, 'kernel'),
    bias: op.useBias ? get(op.layers[0]!.name, 'bias') : null,
    batchNorm: op.batchNorm ? batchNorm(op.batchNorm) : null,
  }),
  pack(op, w) {
    let { kernel, bias = null } = w;
    if (w.batchNorm) ({ kernel, bias } = foldBatchNorm(kernel!, bias, w.batchNorm));
    return packPointwise(kernel!, bias, op.cin, op.cout);
  },
  units: (_op, g) => Math.ceil((g.batch * product(g.input)) / g.input.at(-1)! / ROWS),
  run(k, op, g, at, from, to) {
    const pixels = (g.batch * product(g.input)) / op.cin;
    const r0 = from * ROWS, r1 = Math.min(to * ROWS, pixels);
    const residual = op.inputs.length === 2 ? at.y + r0 * op.cout * 4 : 0;
    k.pointwise(at.x + r0 * op.cin * 4, r1 - r0, op.cin, at.w, op.cout, at.out + r0 * op.cout * 4, activationCode(op.activation), residual);
  },
};
