// 1×1 convolution, stride 1, no pads: a GEMM over every pixel of the batch, [N·H·W, Cin] ×
// [Cin, Cout] (assembly/gemm.ts, tiles of 4 pixels × 8 channels), with the folded batch norm's
// bias, the activation and the residual add fused into the store.
import { folded } from '../../fused/weights.js';
import { packPointwise } from '../layouts.js';
import { activationCode, product, type KernelsOf } from './kernel.js';

/** Pixels per unit of work: the GEMM's tile height, so a thread's rows start on a tile. */
const ROWS = 4;
/** Output channels per panel of the packed weights. */
const PANEL = 8;
/**
 * Below this many pixels the work splits by panels of output channels, not by rows: each
 * thread then streams only its share of the weights, which dominate a GEMM of few rows.
 */
const SPLIT_ROWS_FROM = 256;
const pixelsOf = (op: { cin: number }, g: { batch: number; input: readonly number[] }) => (g.batch * product(g.input)) / op.cin;

export const pointwiseKernels: KernelsOf<'pointwise'> = {
  pointwise: {
    pack(op, w) {
      const { kernel, bias } = folded(w);
      return packPointwise(kernel, bias, op.cin, op.cout);
    },
    work: (op, g) => (g.batch * product(g.input) * op.cout),
    units: (op, g) => {
      const pixels = pixelsOf(op, g);
      return pixels >= SPLIT_ROWS_FROM ? Math.ceil(pixels / ROWS) : Math.ceil(op.cout / PANEL);
    },
    run(k, op, g, at, from, to) {
      const pixels = pixelsOf(op, g);
      const act = activationCode(op.activation);
      const residual = op.inputs.length === 2 ? at.y : 0;
      if (pixels < SPLIT_ROWS_FROM) {
        k.pointwise4x8(at.x, pixels, op.cin, at.w, op.cout, at.out, act, residual, from, to);
        return;
      }
      const r0 = from * ROWS, r1 = Math.min(to * ROWS, pixels);
      const shift = r0 * op.cout * 4;
      k.pointwise4x8(at.x + r0 * op.cin * 4, r1 - r0, op.cin, at.w, op.cout, at.out + shift, act, residual && residual + shift, 0, Math.ceil(op.cout / PANEL));
    },
  },
};
