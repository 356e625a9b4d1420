// A block's squeeze-excitation and project 1×1 convolution as one call (assembly/excite-project.ts):
// the image's scale as squeeze-excite.ts works it out, then the channels scaled a block of 64 rows
// at a time into this thread's scratch, where the GEMM of pointwise.ts reads them, the residual
// joining its store. Work splits by rows of each image, each thread working out the scale itself,
// as the squeeze-excitation alone does.
import { folded } from '../../fused/weights.js';
import { concatenate, packPointwise, packSqueezeExcite, squeezeExciteFloats } from '../layouts.js';
import { activationCode, byImageRows, product, type KernelsOf } from './kernel.js';
import { seScratchFloats } from './squeeze-excite.js';

/** Rows the kernel scales at a time (ROWS in assembly/excite-project.ts). */
const ROWS = 64;

export const exciteProjectKernels: KernelsOf<'exciteProject'> = {
  exciteProject: {
    pack(op, w) {
      const [se, project] = w.parts!;
      const { c, cse } = op.squeezeExcite;
      const { kernel, bias } = folded(project!);
      return concatenate(packSqueezeExcite(se!.kernel!, se!.bias!, se!.expandKernel!, se!.expandBias!, c, cse), packPointwise(kernel, bias, op.project.cin, op.project.cout));
    },
    // the squeeze-excitation's (means, reduced, scale), then the scaled block and a vector past it
    scratchFloats: (op) => seScratchFloats(op.squeezeExcite) + ROWS * op.squeezeExcite.c + 4,
    work: (op, g) => g.batch * product(g.input) * op.project.cout,
    units: (_op, g) => g.batch * g.input[0]!,
    run(k, op, g, at, from, to) {
      const { c, cse } = op.squeezeExcite;
      const n = op.project.cout;
      const [h, w] = g.input as [number, number, number];
      const wProject = at.w + squeezeExciteFloats(c, cse) * 4;
      const act = activationCode(op.project.activation);
      const actReduce = activationCode(op.squeezeExcite.actReduce), actExpand = activationCode(op.squeezeExcite.actExpand);
      byImageRows(h, from, to, (b, r0, r1) => {
        const x = at.x + b * h * w * c * 4, shift = b * h * w * n * 4;
        k.exciteProject(x, h * w, c, at.w, cse, wProject, n, at.out + shift, act, at.y && at.y + shift, at.scratch, actReduce, actExpand, r0 * w, r1 * w);
      });
    },
    // the squeeze-excitation's output, whole: its kernel over every image
    inner: (op) => [{
      name: op.squeezeExcite.name,
      run(k, g, at, out) {
        const { c, cse } = op.squeezeExcite;
        const hw = product(g.input) / c;
        for (let b = 0; b < g.batch; b++) {
          k.squeezeExcite(at.x + b * hw * c * 4, hw, c, at.w, cse, out + b * hw * c * 4, at.scratch,
            activationCode(op.squeezeExcite.actReduce), activationCode(op.squeezeExcite.actExpand), 0, hw);
        }
      },
    }],
  },
};
