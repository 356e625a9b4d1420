// An MBConv block's expand and depthwise convolutions as one call (assembly/expand-depthwise.ts):
// the 1×1 GEMM of pointwise.ts computes the expanded rows a strip of output rows reads into this
// thread's scratch, sized to stay in L2, and the depthwise kernel of window.ts reads them there.
// Work splits by output rows of each image, as the depthwise alone does; a thread's first strip
// expands the rows above its share again (a kernel's height at most), which is why only tall
// images are fused (EXPAND_DEPTHWISE_MIN_ROWS in fused/ops.ts).
import { folded } from '../../fused/weights.js';
import { concatenate, packDepthwise, packPointwise, pointwiseFloats } from '../layouts.js';
import { activationCode, outputRows, overOutputRows, product, type KernelsOf } from './kernel.js';

/** The strip buffer's budget in floats (192 KiB): with the GEMM's input rows and both weights, well inside a core's L2. */
const STRIP_FLOATS = 48 * 1024;

/** Expanded rows the strip buffer holds: its budget's worth, and never fewer than the kernel's height. */
const stripRows = (op: { depthwise: { kernel: readonly [number, number]; c: number } }, width: number) =>
  Math.max(op.depthwise.kernel[0], Math.floor(STRIP_FLOATS / (width * op.depthwise.c)));

export const expandDepthwiseKernels: KernelsOf<'expandDepthwise'> = {
  expandDepthwise: {
    pack(op, w) {
      const [expand, depthwise] = w.parts!.map(folded);
      return concatenate(packPointwise(expand!.kernel, expand!.bias, op.expand.cin, op.expand.cout), packDepthwise(depthwise!.kernel, depthwise!.bias, ...op.depthwise.kernel, op.depthwise.c));
    },
    // the strip buffer, and a vector past its end that a last partial channel group may read
    scratchFloats: (op, g) => stripRows(op, g.input[1]!) * g.input[1]! * op.depthwise.c + 4,
    work: (op, g) => g.batch * (product(g.input) * op.expand.cout + product(g.output) * op.depthwise.kernel[0] * op.depthwise.kernel[1]),
    units: outputRows,
    // the expand, whole: the GEMM the strips run, over every pixel (its weights lead the op's)
    inner: (op) => [{
      name: op.expand.name,
      run(k, g, at, out) {
        const { cin, cout } = op.expand;
        k.pointwise4x8(at.x, (g.batch * product(g.input)) / cin, cin, at.w, cout, out, activationCode(op.expand.activation), 0, 0, Math.ceil(cout / 8));
      },
    }],
    run(k, op, g, at, from, to) {
      const { expand, depthwise } = op;
      const [kh, kw] = depthwise.kernel;
      const wDepthwise = at.w + pointwiseFloats(expand.cin, expand.cout) * 4;
      const actExpand = activationCode(expand.activation), actDepthwise = activationCode(depthwise.activation);
      const rows = stripRows(op, g.input[1]!);
      overOutputRows(g, at, from, to, ({ x, out, h, w, oh, ow, y0, y1 }) =>
        k.expandDepthwise(x, h, w, expand.cin, at.w, depthwise.c, wDepthwise, kh, kw, depthwise.stride, depthwise.pads[0], depthwise.pads[1],
          out, oh, ow, actExpand, actDepthwise, y0, y1, at.scratch, rows),
      );
    },
  },
};
