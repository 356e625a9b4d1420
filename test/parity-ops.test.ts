import { describe, expect, it } from 'vitest';
import type { Backend, BackendName, ConvOptions } from '../src/backends/backend.js';
import { createBackend } from '../src/backends/index.js';
import { ACTIVATIONS, type Activation } from '../src/model/activations.js';
import type { Pads } from '../src/model/layers.js';
import { convGeometry } from '../src/model/layers.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { randomInput } from '../src/weights/random.js';
import { compareLayer } from './golden-compare.js';

// Every op of the ops API, on every backend, on shapes that stress the kernels' edges: odd H and
// W, channels that are not a multiple of 4 (or of a kernel's 8- and 16-channel tiles), stride 2
// with TF 'same' pads on odd and even sizes, symmetric pads, 5×5 kernels, batch 2. The oracle is
// the reference backend (plain loops in float64), so it is not among the backends compared with
// it: its own correctness is test/reference-ops (hand-computed cases) and the TF.js and PyTorch
// goldens. Agreement means max|got − want| ≤ 1e-5 · max|want|.

const TOLERANCE = 1e-5;
/**
 * The backends held to the reference, never the reference itself: a new backend with the
 * synchronous ops API is added here (webgpu has none: its kernels meet the same oracle in
 * parity-fused.test.ts).
 */
const COMPARED: 'wasm'[] = ['wasm'];

let seed = 1;
const rand = (shape: number[], scale = 1) => {
  const t = randomInput(shape, seed++);
  for (let i = 0; i < t.size; i++) t.data[i]! *= scale;
  return t;
};
const he = (shape: number[]) => rand(shape, Math.sqrt(6 / shape.slice(0, -1).reduce((a, b) => a * b, 1)));

function samePads(h: number, w: number, k: number, s: number, mode: 'same' | 'symmetric'): Pads {
  const y = convGeometry(h, k, s, mode), x = convGeometry(w, k, s, mode);
  return [y.before, x.before, y.after, x.after];
}

interface Case {
  op: string;
  shape: string;
  run: (b: Backend) => Tensor;
}

const cases: Case[] = [];

/** k: a square kernel's side, or [kh, kw] (pads then explicit). */
function conv(n: number, h: number, w: number, cin: number, cout: number, k: number | [number, number], s: number, pads: Pads | 'same' | 'symmetric', bias: boolean, activation: Activation) {
  const [kh, kw] = typeof k === 'number' ? [k, k] : k;
  const p = typeof pads === 'string' ? samePads(h, w, kh, s, pads) : pads;
  const x = rand([n, h, w, cin]), wt = he([kh, kw, cin, cout]), b = bias ? rand([cout], 0.1) : null;
  const opts: ConvOptions = { strides: s, pads: p, activation };
  cases.push({ op: 'conv2d', shape: `[${n},${h},${w},${cin}] ${kh}×${kw}/${s} → ${cout}, pads [${p}], ${bias ? 'bias' : 'no bias'}, ${activation}`, run: (be) => be.conv2d(x, wt, b, opts) });
}
conv(1, 17, 17, 3, 32, 3, 2, 'same', false, 'swish'); // the stem on an odd size
conv(2, 16, 16, 3, 32, 3, 2, 'same', true, 'none'); // the stem on an even size: pads [0, 0, 1, 1]
conv(1, 16, 15, 3, 13, 3, 2, 'symmetric', true, 'sigmoid');
conv(2, 9, 11, 5, 7, 5, 1, 'same', true, 'relu'); // 5×5
conv(1, 7, 6, 6, 11, 5, 2, [2, 1, 2, 2], false, 'swish'); // arbitrary explicit pads
conv(2, 5, 7, 7, 13, 1, 1, [0, 0, 0, 0], true, 'swish'); // pointwise GEMM: M = 70 (not a multiple of 4), N = 13
conv(1, 3, 3, 16, 96, 1, 1, [0, 0, 0, 0], false, 'none');
conv(1, 1, 1, 33, 5, 1, 1, [0, 0, 0, 0], true, 'sigmoid'); // M = 1
conv(1, 9, 9, 37, 67, 1, 1, [0, 0, 0, 0], true, 'relu'); // M = 81 crosses the 64-row block
conv(2, 3, 5, 601, 21, 1, 1, [0, 0, 0, 0], true, 'swish'); // K = 601: three passes of the 256-deep blocking
conv(2, 6, 5, 4, 9, 1, 2, [0, 0, 0, 0], true, 'none'); // strided 1×1: the direct path
conv(1, 2, 2, 3, 8, 3, 2, 'same', true, 'none'); // a 3×3 window wider than the unpadded image
conv(1, 1, 1, 3, 32, 3, 2, 'same', false, 'swish');
// non-square kernels (an ONNX conformance shape among them): the direct path, any kh × kw
conv(1, 7, 5, 3, 8, [3, 2], 1, [1, 0, 1, 1], true, 'none');
conv(2, 9, 8, 5, 11, [2, 3], 2, [0, 1, 1, 1], false, 'swish');
conv(1, 5, 6, 4, 9, [1, 3], 1, [0, 1, 0, 1], true, 'relu');
conv(1, 6, 7, 3, 4, [3, 1], 2, [1, 0, 1, 0], true, 'sigmoid');

/** k: a square kernel's side (pads from `mode`), or [kh, kw] with explicit pads. */
function depthwise(n: number, h: number, w: number, c: number, k: number | [number, number], s: number, mode: 'same' | 'symmetric' | Pads, bias: boolean, activation: Activation) {
  const [kh, kw] = typeof k === 'number' ? [k, k] : k;
  const p = typeof mode === 'string' ? samePads(h, w, kh, s, mode) : mode;
  const x = rand([n, h, w, c]), wt = he([kh, kw, c, 1]), b = bias ? rand([c], 0.1) : null;
  const opts: ConvOptions = { strides: s, pads: p, activation };
  cases.push({ op: 'depthwiseConv2d', shape: `[${n},${h},${w},${c}] ${kh}×${kw}/${s} pads [${p}], ${bias ? 'bias' : 'no bias'}, ${activation}`, run: (be) => be.depthwiseConv2d(x, wt, b, opts) });
}
depthwise(1, 9, 9, 16, 3, 1, 'same', true, 'swish');
depthwise(2, 7, 8, 13, 3, 2, 'same', false, 'none'); // odd H, even W
depthwise(1, 8, 8, 21, 3, 2, 'same', true, 'sigmoid'); // even: pads [0, 0, 1, 1]
depthwise(1, 11, 10, 35, 5, 2, 'same', true, 'swish'); // 5×5 stride 2, pads [2, 1, 2, 2]
depthwise(2, 6, 7, 3, 5, 1, 'symmetric', true, 'relu');
depthwise(1, 4, 4, 1, 5, 2, 'symmetric', false, 'none'); // kernel wider than the padded input's interior
depthwise(1, 3, 5, 48, 5, 1, 'same', true, 'swish');
depthwise(1, 7, 6, 6, [3, 2], 1, [1, 0, 1, 1], true, 'swish'); // non-square: the one-pixel path
depthwise(2, 8, 9, 13, [2, 5], 2, [0, 2, 1, 2], false, 'relu');
depthwise(1, 5, 5, 4, [1, 3], 1, [0, 1, 0, 1], true, 'none');

for (const [shape, c] of [[[2, 3, 5, 7], 7], [[1, 4, 4, 16], 16]] as const) {
  const x = rand([...shape], 3), gamma = rand([c], 0.5), beta = rand([c], 0.1), mean = rand([c], 0.5);
  const variance = rand([c], 0.4);
  for (let i = 0; i < c; i++) variance.data[i] = 1 + variance.data[i]!;
  cases.push({ op: 'batchNorm', shape: `[${shape}]`, run: (be) => be.batchNorm(x, gamma, beta, mean, variance, 1e-3) });
}

for (const size of [1, 5, 1031]) {
  const x = rand([size], 12); // ±12 covers where sigmoid saturates
  if (size > 4) x.data.set([100, -100, 88.5, -88.5]);
  for (const op of ['sigmoid', 'swish', 'relu'] as const) cases.push({ op, shape: `[${size}]`, run: (be) => be[op](x) });
  for (const act of Object.keys(ACTIVATIONS) as Activation[]) cases.push({ op: 'activation', shape: `${act} [${size}]`, run: (be) => be.activation(x, act) });
}

for (const shape of [[7], [2, 3, 5, 7], [1, 8, 8, 16]]) {
  const a = rand(shape), b = rand(shape);
  cases.push({ op: 'add', shape: `[${shape}]`, run: (be) => be.add(a, b) });
}

for (const [xs, ss] of [[[2, 3, 5, 7], [2, 1, 1, 7]], [[2, 4, 3, 13], [2, 13]], [[1, 2, 2, 16], [1, 16]]]) {
  const x = rand(xs!), s = rand(ss!);
  cases.push({ op: 'mul', shape: `[${xs}] · [${ss}]`, run: (be) => be.mul(x, s) });
}

for (const shape of [[2, 5, 3, 13], [1, 7, 7, 48], [1, 1, 1, 3]]) {
  const x = rand(shape);
  cases.push({ op: 'globalAvgPool', shape: `[${shape}]`, run: (be) => be.globalAvgPool(x) });
}

for (const [n, k, m] of [[2, 37, 13], [1, 1280, 1000], [3, 5, 1]]) {
  const x = rand([n!, k!]), w = he([k!, m!]), b = rand([m!], 0.1);
  cases.push({ op: 'dense', shape: `[${n},${k}] · [${k},${m}]`, run: (be) => be.dense(x, w, b) });
}

for (const shape of [[2, 13], [1, 1000], [3, 1]]) {
  const x = rand(shape, 20);
  if (shape[1] === 13) x.data[3] = 1000; // a logit that would overflow exp unshifted
  cases.push({ op: 'softmax', shape: `[${shape}]`, run: (be) => be.softmax(x) });
}

for (const [n, h, w, c, cse] of [[2, 5, 7, 13, 3], [1, 4, 4, 16, 4], [1, 3, 3, 96, 4], [2, 1, 1, 5, 1]]) {
  const x = rand([n!, h!, w!, c!], 2);
  const wr = he([1, 1, c!, cse!]), br = rand([cse!], 0.1), we = he([1, 1, cse!, c!]), bexp = rand([c!], 0.1);
  cases.push({ op: 'squeezeExcite', shape: `[${n},${h},${w},${c}] se ${cse}`, run: (be) => be.squeezeExcite(x, wr, br, we, bexp) });
}

describe('every op × backend × edge shape agrees with the reference within 1e-5 relative', async () => {
  const reference = await createBackend('reference');
  const backends = Object.fromEntries(await Promise.all(COMPARED.map(async (name) => [name, await createBackend(name)] as const)));
  const expected = new Map(cases.map((c) => [c, c.run(reference)]));
  const ops = new Set(cases.map((c) => c.op));
  it('covers every op the backends have', () => {
    for (const backend of [reference, ...Object.values(backends)]) {
      const api = Object.keys(backend).filter((k) => typeof (backend as unknown as Record<string, unknown>)[k] === 'function' && k !== 'compile');
      expect(api.filter((op) => !ops.has(op)), `${backend.name} ops without a case`).toEqual([]);
    }
  });
  for (const name of COMPARED) {
    it.each(cases.map((c) => [c.op, c.shape, c] as const))(`${name}: %s %s`, (op, _shape, c) => {
      const cmp = compareLayer(op, expected.get(c)!, c.run(backends[name]!), TOLERANCE);
      expect(cmp.ok, cmp.message).toBe(true);
    });
  }
});
