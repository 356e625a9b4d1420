// The kernels that reduce: channel means (global average pooling, and squeeze-excitation's
// squeeze), the classifier's dense layer and softmax.
import type { Activation } from '../../../model/activations.js';
import { activationFn, perValue, perValueGroups, product, shader, variants, type Dispatch, type GpuKernelsOf } from './kernel.js';

// A workgroup holds 64 channels of one image; its 4 rows of threads each sum every 4th pixel and the
// first row adds the 4 partial sums in a fixed order, so a run is bit-identical to the next.
const means = shader(['x', 'out', 'hw', 'c'] as const, `
var<workgroup> partial: array<f32, 256>;
@compute @workgroup_size(64, 4)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let ch = wg.x * 64u + lid.x;
  var sum = 0.0;
  if (ch < p.c) {
    let base = p.x + wg.y * p.hw * p.c + ch;
    for (var q = lid.y; q < p.hw; q += 4u) { sum += arena[base + q * p.c]; }
  }
  partial[lid.y * 64u + lid.x] = sum;
  workgroupBarrier();
  if (lid.y == 0u && ch < p.c) {
    arena[p.out + wg.y * p.c + ch] = (((partial[lid.x] + partial[64u + lid.x]) + partial[128u + lid.x]) + partial[192u + lid.x]) / f32(p.hw);
  }
}`);

/** The mean over H·W of each channel of each image: x [images, hw, c] → out [images, c]. */
export function channelMeans(x: number, out: number, images: number, hw: number, c: number): Dispatch {
  return { code: means.code, params: means.paramsOf({ x, out, hw, c }), groups: [Math.ceil(c / 64), images, 1] };
}

// Packed: kernel [K][N] (TF's layout), then bias [N] (zeros when there is none).
const dense = variants((a: Activation) => perValue(['x', 'out', 'count', 'k', 'n'] as const, `
  let j = i % p.n;
  let row = p.x + (i / p.n) * p.k;
  var acc = w[p.k * p.n + j];
  for (var k = 0u; k < p.k; k++) { acc += arena[row + k] * w[k * p.n + j]; }
  arena[p.out + i] = act(acc);`, activationFn('act', a)));

// One thread a row, as the reference: shifted by the row's maximum, so exp never overflows; a NaN
// anywhere in the row (which max may drop) reaches the total, so the whole row is NaN, as there.
const softmax = perValue(['x', 'out', 'count', 'm'] as const, `
  let row = i * p.m;
  var top = arena[p.x + row];
  for (var k = 1u; k < p.m; k++) { top = max(top, arena[p.x + row + k]); }
  var total = 0.0;
  for (var k = 0u; k < p.m; k++) {
    let d = arena[p.x + row + k] - top;
    let e = select(exp(d), d, isNan(d));
    arena[p.out + row + k] = e;
    total += e;
  }
  for (var k = 0u; k < p.m; k++) { arena[p.out + row + k] = arena[p.out + row + k] / total; }`);

export const reduceKernels: GpuKernelsOf<'globalAvgPool' | 'dense' | 'softmax'> = {
  globalAvgPool: {
    dispatches(_op, g, at) {
      const c = g.input.at(-1)!;
      return [channelMeans(at.x, at.out, g.images, product(g.input) / c, c)];
    },
  },
  dense: {
    pack(op, w) {
      const out = new Float32Array(op.k * op.n + op.n);
      out.set(w.kernel!.subarray(0, op.k * op.n));
      if (w.bias) out.set(w.bias.subarray(0, op.n), op.k * op.n);
      return out;
    },
    dispatches(op, g, at) {
      const s = dense(op.activation);
      const count = g.images * op.n;
      return [{ code: s.code, params: s.paramsOf({ x: at.x, out: at.out, count, k: op.k, n: op.n }), groups: perValueGroups(count) }];
    },
  },
  softmax: {
    inPlace: true,
    dispatches(_op, g, at) {
      const m = g.output.at(-1)!;
      const count = (g.images * product(g.output)) / m;
      return [{ code: softmax.code, params: softmax.paramsOf({ x: at.x, out: at.out, count, m }), groups: perValueGroups(count) }];
    },
  },
};
