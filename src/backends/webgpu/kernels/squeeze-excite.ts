// Squeeze-excitation in three dispatches: the channel means of each image (reduce.ts), the gate of
// each image in one workgroup (the reduce 1×1 with its activation into workgroup memory, then the
// expand 1×1 with its), then x scaled by the gate in place (elementwise.ts). The means and the gate
// live in the step's scratch.
import type { Activation } from '../../../model/activations.js';
import { gate } from './elementwise.js';
import { activationFn, product, shader, variants, type GpuKernelsOf } from './kernel.js';
import { channelMeans } from './reduce.js';

/** Reduced channels one workgroup holds: the gate shader is specialised to a multiple of this. */
const CSE_STEP = 256;

// Packed: reduce kernel [C][Cse], reduce bias [Cse], expand kernel [Cse][C], expand bias [C]
// (TF's [1, 1, C, Cse] and [1, 1, Cse, C] without their unit axes).
const gateShader = variants((cseMax: number, reduce: Activation, expand: Activation) => shader(['means', 'gate', 'c', 'cse'] as const, `
${activationFn('actReduce', reduce)}
${activationFn('actExpand', expand)}
var<workgroup> reduced: array<f32, ${cseMax}>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let m = p.means + wg.x * p.c;
  for (var j = t; j < p.cse; j += 256u) {
    var acc = w[p.c * p.cse + j];
    for (var k = 0u; k < p.c; k++) { acc += arena[m + k] * w[k * p.cse + j]; }
    reduced[j] = actReduce(acc);
  }
  workgroupBarrier();
  let e = p.c * p.cse + p.cse;
  for (var ch = t; ch < p.c; ch += 256u) {
    var acc = w[e + p.cse * p.c + ch];
    for (var j = 0u; j < p.cse; j++) { acc += reduced[j] * w[e + j * p.c + ch]; }
    arena[p.gate + wg.x * p.c + ch] = actExpand(acc);
  }
}`));

export const squeezeExciteKernels: GpuKernelsOf<'squeezeExcite'> = {
  squeezeExcite: {
    // the scale reads each value once, where it writes it, after the means have read them all
    inPlace: true,
    pack(op, w) {
      const { c, cse } = op;
      const out = new Float32Array(2 * c * cse + c + cse);
      out.set(w.kernel!.subarray(0, c * cse));
      out.set(w.bias!.subarray(0, cse), c * cse);
      out.set(w.expandKernel!.subarray(0, c * cse), c * cse + cse);
      out.set(w.expandBias!.subarray(0, c), 2 * c * cse + cse);
      return out;
    },
    /** The channel means, then the gate, of every image of the pass. */
    scratchFloats: (op, g) => 2 * g.images * op.c,
    dispatches(op, g, at) {
      const { c, cse } = op;
      if (cse > 4096) throw new Error(`squeeze-excitation ${op.name}: ${cse} reduced channels; the webgpu kernel holds at most 4,096`);
      const image = product(g.input);
      const means = at.scratch, gated = at.scratch + g.images * c;
      const s = gateShader(Math.ceil(cse / CSE_STEP) * CSE_STEP, op.actReduce, op.actExpand);
      return [
        channelMeans(at.x, means, g.images, image / c, c),
        { code: s.code, params: s.paramsOf({ means, gate: gated, c, cse }), groups: [g.images, 1, 1] },
        gate(at.x, gated, at.out, g.images, image, c),
      ];
    },
  },
};
