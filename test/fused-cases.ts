import type { FusedOp, Kind, OpWeights } from '../src/backends/fused/ops.js';
import type { Activation } from '../src/model/activations.js';
import { convGeometry, type Pads } from '../src/model/layers.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { randomInput } from '../src/weights/random.js';

// The edge cases every backend's kernel for each kind of fused op meets (test/parity-fused.test.ts):
// odd sizes, channels not a multiple of 4, stride 2 with TF 'same' pads on odd and even sizes,
// symmetric pads, non-square kernels, batches of 1 and 3, GEMM tiles partly outside M and N.

let seed = 100;
const rand = (shape: number[], scale = 1) => {
  const t = randomInput(shape, seed++);
  for (let i = 0; i < t.size; i++) t.data[i]! *= scale;
  return t;
};
const values = (n: number, scale: number, offset = 0) => Float32Array.from(rand([n], scale).data, (v) => v + offset);
const he = (shape: number[]) => rand(shape, Math.sqrt(6 / shape.slice(0, -1).reduce((a, b) => a * b, 1))).data;
const batchNorm = (c: number) => ({ gamma: values(c, 0.5, 1), beta: values(c, 0.1), mean: values(c, 0.3), variance: values(c, 0.4, 1), epsilon: 1e-3 });

function pads(h: number, w: number, k: number, s: number, mode: 'same' | 'symmetric' | Pads): Pads {
  if (typeof mode !== 'string') return mode;
  const y = convGeometry(h, k, s, mode), x = convGeometry(w, k, s, mode);
  return [y.before, x.before, y.after, x.after];
}

export interface Case {
  op: FusedOp;
  label: string;
  inputs: Tensor[];
  w: OpWeights;
}
export const cases: Case[] = [];
export const base = (kind: Kind) => ({ name: kind, inputs: ['x'], layers: [] });
const add = (op: FusedOp, label: string, inputs: Tensor[], w: OpWeights = {}) => cases.push({ op, label, inputs, w });

// conv2d: [n, h, w, cin], [kh, kw], stride, pads, cout, bias, batch norm, activation
for (const [n, h, w, cin, k, s, mode, cout, bias, bn, act] of [
  [1, 17, 17, 3, [3, 3], 2, 'same', 32, false, true, 'swish'], // the stem, odd size
  [3, 16, 16, 3, [3, 3], 2, 'same', 13, true, true, 'swish'], // even size: pads [0, 0, 1, 1]
  [1, 15, 12, 5, [5, 5], 1, 'symmetric', 7, true, false, 'relu'],
  [2, 7, 9, 3, [3, 2], 2, [1, 0, 1, 1], 9, true, true, 'sigmoid'], // non-square
] as const) {
  const p = pads(h, w, k[0], s, mode);
  add({ ...base('conv2d'), kind: 'conv2d', kernel: k, stride: s, pads: p, cin, cout, activation: act as Activation, useBias: bias, batchNorm: bn ? 'bn' : null },
    `[${n},${h},${w},${cin}] ${k.join('×')}/${s} pads [${p}] → ${cout}${bias ? ' bias' : ''}${bn ? ' bn' : ''} ${act}`,
    [rand([n, h, w, cin])], { kernel: he([...k, cin, cout]), bias: bias ? values(cout, 0.1) : null, batchNorm: bn ? batchNorm(cout) : null });
}

// pointwise: [n, h, w], cin, cout, residual, batch norm, activation
for (const [n, h, w, cin, cout, residual, bn, act] of [
  [1, 5, 7, 16, 24, false, true, 'swish'], // expand
  [3, 3, 5, 37, 13, true, true, 'none'], // project with the residual add, M = 45
  [1, 9, 9, 67, 601, false, false, 'sigmoid'], // wide N, no batch norm
  [2, 1, 1, 5, 3, true, true, 'relu'],
] as const) {
  const x = rand([n, h, w, cin]);
  const inputs = residual ? [x, rand([n, h, w, cout])] : [x];
  add({ ...base('pointwise'), inputs: residual ? ['x', 'r'] : ['x'], kind: 'pointwise', cin, cout, activation: act, useBias: false, batchNorm: bn ? 'bn' : null },
    `[${n},${h},${w},${cin}] → ${cout}${residual ? ' + residual' : ''}${bn ? ' bn' : ''} ${act}`,
    inputs, { kernel: he([cin, cout]), bias: null, batchNorm: bn ? batchNorm(cout) : null });
}

// depthwiseConv2d: [n, h, w, c], [kh, kw], stride, pads, activation
for (const [n, h, w, c, k, s, mode, act] of [
  [1, 9, 9, 16, [3, 3], 1, 'same', 'swish'],
  [3, 7, 8, 13, [3, 3], 2, 'same', 'swish'], // odd H, even W
  [1, 11, 10, 35, [5, 5], 2, 'same', 'swish'], // pads [2, 1, 2, 2]
  [2, 6, 7, 3, [5, 5], 1, 'symmetric', 'relu'],
  [1, 8, 8, 21, [3, 3], 2, 'symmetric', 'none'],
  [1, 7, 6, 6, [3, 2], 1, [1, 0, 1, 1], 'sigmoid'], // non-square
] as const) {
  const p = pads(h, w, k[0], s, mode);
  add({ ...base('depthwiseConv2d'), kind: 'depthwiseConv2d', kernel: k, stride: s, pads: p, c, activation: act, useBias: false, batchNorm: 'bn' },
    `[${n},${h},${w},${c}] ${k.join('×')}/${s} pads [${p}] bn ${act}`, [rand([n, h, w, c])], { kernel: he([...k, c, 1]), bias: null, batchNorm: batchNorm(c) });
}

// expandDepthwise: [n, h, w, cin], expanded channels, depthwise [kh, kw], stride, pads. Rows of
// w × c floats against the kernel's 48 Ki-float strip buffer: 8 rows a strip, 9, and the minimum
// (the kernel's height), so strips follow one another and keep the rows they share.
for (const [n, h, w, cin, c, k, s, mode] of [
  [1, 40, 64, 16, 96, [3, 3], 1, 'same'],
  [2, 41, 33, 24, 150, [5, 5], 2, 'same'],
  [1, 30, 200, 8, 250, [3, 3], 2, 'same'],
  [3, 9, 7, 5, 13, [3, 2], 1, [1, 0, 1, 1]],
] as const) {
  const p = pads(h, w, k[0], s, mode);
  const expand = { ...base('pointwise'), kind: 'pointwise' as const, cin, cout: c, activation: 'swish' as const, useBias: false, batchNorm: 'bn' };
  const depthwise = { ...base('depthwiseConv2d'), kind: 'depthwiseConv2d' as const, kernel: k, stride: s, pads: p, c, activation: 'swish' as const, useBias: false, batchNorm: 'bn' };
  add({ ...base('expandDepthwise'), kind: 'expandDepthwise', expand, depthwise }, `[${n},${h},${w},${cin}] → ${c}, ${k.join('×')}/${s} pads [${p}]`, [rand([n, h, w, cin])], {
    parts: [{ kernel: he([cin, c]), bias: null, batchNorm: batchNorm(c) }, { kernel: he([...k, c, 1]), bias: null, batchNorm: batchNorm(c) }],
  });
}

// exciteProject: [n, h, w, c], cse, project cout, residual. Maps of more than 64 pixels take more
// than one of the kernel's 64-row blocks; channels not a multiple of 4, outputs not of 8.
for (const [n, h, w, c, cse, cout, residual] of [
  [1, 9, 11, 16, 4, 24, false],
  [2, 10, 7, 13, 3, 21, true],
  [3, 5, 5, 96, 4, 40, true],
] as const) {
  const squeezeExcite = { ...base('squeezeExcite'), kind: 'squeezeExcite' as const, c, cse, reduce: 'r', expand: 'e', actReduce: 'swish' as const, actExpand: 'sigmoid' as const };
  const project = { ...base('pointwise'), inputs: residual ? ['x', 'r'] : ['x'], kind: 'pointwise' as const, cin: c, cout, activation: 'none' as const, useBias: false, batchNorm: 'bn' };
  const x = rand([n, h, w, c], 2);
  add({ ...base('exciteProject'), inputs: project.inputs, kind: 'exciteProject', squeezeExcite, project }, `[${n},${h},${w},${c}] se ${cse} → ${cout}${residual ? ' + residual' : ''}`,
    residual ? [x, rand([n, h, w, cout])] : [x], {
      parts: [{ kernel: he([c, cse]), bias: values(cse, 0.1), expandKernel: he([cse, c]), expandBias: values(c, 0.1) }, { kernel: he([c, cout]), bias: null, batchNorm: batchNorm(cout) }],
    });
}

for (const [n, h, w, c, cse] of [[1, 5, 7, 16, 4], [3, 4, 3, 13, 3], [2, 1, 1, 96, 4]] as const) {
  add({ ...base('squeezeExcite'), kind: 'squeezeExcite', c, cse, reduce: 'r', expand: 'e', actReduce: 'swish', actExpand: 'sigmoid' }, `[${n},${h},${w},${c}] se ${cse}`,
    [rand([n, h, w, c], 2)], { kernel: he([c, cse]), bias: values(cse, 0.1), expandKernel: he([cse, c]), expandBias: values(c, 0.1) });
}

for (const shape of [[2, 3, 5, 7], [1, 4, 4, 16]]) {
  const c = shape.at(-1)!;
  add({ ...base('batchNorm'), kind: 'batchNorm' }, `[${shape}]`, [rand(shape, 3)], { batchNorm: batchNorm(c) });
  add({ ...base('globalAvgPool'), kind: 'globalAvgPool' }, `[${shape}]`, [rand(shape)]);
  add({ ...base('add'), inputs: ['a', 'b'], kind: 'add' }, `[${shape}]`, [rand(shape), rand(shape)]);
  add({ ...base('multiply'), inputs: ['x', 'gate'], kind: 'multiply' }, `[${shape}]`, [rand(shape), rand([shape[0]!, c])]);
  for (const act of ['swish', 'sigmoid', 'relu'] as const) add({ ...base('activation'), kind: 'activation', activation: act }, `${act} [${shape}]`, [rand(shape, 12)]);
}
for (const [n, k, m, act] of [[2, 37, 13, 'none'], [1, 1280, 1000, 'none'], [3, 5, 1, 'swish']] as const) {
  add({ ...base('dense'), kind: 'dense', k, n: m, activation: act }, `[${n},${k}] · [${k},${m}] ${act}`, [rand([n, k])], { kernel: he([k, m]), bias: values(m, 0.1) });
}
for (const shape of [[2, 13], [1, 1000]]) add({ ...base('softmax'), kind: 'softmax' }, `[${shape}]`, [rand(shape, 20)]);
