// The kernels without a reduction, one thread per value: a batch norm left unfused (a per-channel
// affine), an activation, a residual add, a per-channel gate (also squeeze-excitation's last step).
import type { Activation } from '../../../model/activations.js';
import { batchNormAffine } from '../../fused/weights.js';
import { activationFn, perValue, perValueGroups, product, variants, type Dispatch, type GpuKernelsOf } from './kernel.js';

const affine = perValue(['x', 'out', 'count', 'c'] as const, '  arena[p.out + i] = arena[p.x + i] * w[i % p.c] + w[p.c + i % p.c];');

const activation = variants((a: Activation) => perValue(['x', 'out', 'count'] as const, '  arena[p.out + i] = act(arena[p.x + i]);', activationFn('act', a)));

const sum = perValue(['x', 'y', 'out', 'count'] as const, '  arena[p.out + i] = arena[p.x + i] + arena[p.y + i];');

const gated = perValue(['x', 'gate', 'out', 'count', 'c', 'image'] as const,
  '  arena[p.out + i] = arena[p.x + i] * arena[p.gate + (i / p.image) * p.c + i % p.c];');

/** x [images, H, W, C] times gate [images, C], broadcast over H and W: `multiply`, and squeeze-excitation's scale. */
export function gate(x: number, g: number, out: number, images: number, image: number, c: number): Dispatch {
  const count = images * image;
  return { code: gated.code, params: gated.paramsOf({ x, gate: g, out, count, c, image }), groups: perValueGroups(count) };
}

export const elementwiseKernels: GpuKernelsOf<'batchNorm' | 'activation' | 'add' | 'multiply'> = {
  batchNorm: {
    // Packed: scale [C] then shift [C] (fused/weights.ts batchNormAffine, rounded to f32 once).
    pack(_op, w) {
      const { scale, shift } = batchNormAffine(w.batchNorm!);
      const out = new Float32Array(2 * scale.length);
      out.set(scale);
      out.set(shift, scale.length);
      return out;
    },
    inPlace: true,
    dispatches(_op, g, at) {
      const count = g.images * product(g.output);
      return [{ code: affine.code, params: affine.paramsOf({ x: at.x, out: at.out, count, c: g.output.at(-1)! }), groups: perValueGroups(count) }];
    },
  },
  activation: {
    inPlace: true,
    dispatches(op, g, at) {
      const s = activation(op.activation);
      const count = g.images * product(g.output);
      return [{ code: s.code, params: s.paramsOf({ x: at.x, out: at.out, count }), groups: perValueGroups(count) }];
    },
  },
  add: {
    inPlace: true,
    dispatches(_op, g, at) {
      const count = g.images * product(g.output);
      return [{ code: sum.code, params: sum.paramsOf({ x: at.x, y: at.y, out: at.out, count }), groups: perValueGroups(count) }];
    },
  },
  multiply: {
    inPlace: true,
    dispatches: (_op, g, at) => [gate(at.x, at.y, at.out, g.images, product(g.output), g.output.at(-1)!)],
  },
};
