import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend, BackendName, ConvOptions } from '../src/backends/backend.js';
import { createBackend } from '../src/backends/index.js';
import { EfficientNet } from '../src/efficientnet.js';
import type { Activation } from '../src/model/layers.js';
import { buildPlan } from '../src/model/plan.js';
import { Tensor } from '../src/tensor/tensor.js';
import { checkWeightValues } from '../src/weights/finite.js';
import { randomInput, randomWeights } from '../src/weights/random.js';
import { compareLayer } from './golden-compare.js';

// NaN and ±Infinity must come out of every op, on every backend, where IEEE arithmetic puts them
// (the reference backend is plain float64 loops: its NaN is IEEE's). Each case poisons some inputs
// and compares, element by element, the class of each output (NaN, +Inf, −Inf, finite) with the
// reference's; finite values agree to 1e-4 of the largest. A case whose reference output is all
// finite would prove nothing, so each must have some non-finite output and some finite one.

const BACKENDS = ['reference', 'wasm'] as const;
const backends = {} as Record<(typeof BACKENDS)[number], Backend>;
beforeAll(async () => {
  for (const name of BACKENDS) backends[name] = await createBackend(name);
});

type Kind = 'NaN' | '+Inf' | '-Inf' | 'finite';
const kindOf = (v: number): Kind => (Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : 'finite');

let seed = 1;
/** A seeded tensor with `poison` values written at the given flat indices. */
function t(shape: number[], poison: Record<number, number> = {}, scale = 1): Tensor {
  const x = randomInput(shape, seed++);
  for (let i = 0; i < x.size; i++) x.data[i]! *= scale;
  for (const [i, v] of Object.entries(poison)) x.data[Number(i)] = v;
  return x;
}

const same: ConvOptions = { strides: 1, pads: [1, 1, 1, 1], activation: 'none' };
const ACTIVATIONS: Activation[] = ['none', 'swish', 'sigmoid', 'relu'];
const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 100, -100, 1e30, -1e30, 3e38, -3e38];

interface Case {
  name: string;
  run: (b: Backend) => Tensor;
}

const cases: Case[] = [];
const unary = (name: 'sigmoid' | 'swish' | 'relu') => {
  const x = new Tensor([1, 3, 7, 1], Float32Array.from({ length: 21 }, (_, i) => SPECIAL[i % SPECIAL.length]!));
  cases.push({ name: `${name} of NaN, ±Inf, ±0, ±1e30, ±3e38`, run: (b) => b[name](x) });
};
unary('sigmoid');
unary('swish');
unary('relu');
{
  const a = t([2, 3, 3, 5], { 0: NaN, 7: Infinity, 11: -Infinity, 20: Infinity });
  const b = t([2, 3, 3, 5], { 3: NaN, 11: -Infinity, 20: -Infinity });
  cases.push({ name: 'add (Inf + −Inf is NaN)', run: (k) => k.add(a, b) });
}
{
  const x = t([2, 3, 3, 6], { 4: NaN, 9: Infinity, 30: 0 });
  const s = t([2, 6], { 0: Infinity, 7: NaN });
  cases.push({ name: 'mul per channel (Inf · 0 is NaN)', run: (k) => k.mul(x, s) });
}
{
  const x = t([1, 3, 4, 5], { 0: NaN, 6: Infinity, 12: -Infinity, 21: Infinity });
  const gamma = t([5], { 1: 0 }), beta = t([5]), mean = t([5]), variance = t([5], { 4: -0.5 }, 0.1);
  for (let i = 0; i < 4; i++) variance.data[i] = Math.abs(variance.data[i]!);
  cases.push({ name: 'batchNorm (γ = 0 times Inf, a negative variance)', run: (k) => k.batchNorm(x, gamma, beta, mean, variance, 1e-3) });
}
{
  const x = t([2, 3, 3, 6], { 1: NaN, 8: Infinity, 14: -Infinity, 20: Infinity, 57: -Infinity });
  cases.push({ name: 'globalAvgPool', run: (k) => k.globalAvgPool(x) });
}
{
  const x = t([3, 9], { 2: NaN, 12: Infinity });
  const w = t([9, 6]), bias = t([6]);
  cases.push({ name: 'dense, poisoned input', run: (k) => k.dense(x, w, bias) });
  const x2 = t([3, 9]), wPoisoned = t([9, 6], { 13: NaN, 40: -Infinity });
  cases.push({ name: 'dense, poisoned kernel', run: (k) => k.dense(x2, wPoisoned, bias) });
}
{
  const x = t([5, 7], { 3: NaN, 9: Infinity, 15: -Infinity, 28: -Infinity, 29: -Infinity, 30: -Infinity, 31: -Infinity, 32: -Infinity, 33: -Infinity, 34: -Infinity });
  cases.push({ name: 'softmax (a NaN row, an Inf row, a row with −Inf, a row all −Inf)', run: (k) => k.softmax(x) });
}
for (const activation of ACTIVATIONS) {
  const x = t([2, 5, 7, 6], { 3: NaN, 40: Infinity, 101: -Infinity, 300: NaN });
  const w1 = t([1, 1, 6, 10], {}, 0.4), w3 = t([3, 3, 6, 10], {}, 0.2), b = t([10], {}, 0.1);
  cases.push({ name: `conv2d 1×1, ${activation}`, run: (k) => k.conv2d(x, w1, b, { strides: 1, pads: [0, 0, 0, 0], activation }) });
  cases.push({ name: `conv2d 3×3 stride 2, ${activation}`, run: (k) => k.conv2d(x, w3, b, { strides: 2, pads: [0, 0, 1, 1], activation }) });
  const wd = t([3, 3, 6, 1], {}, 0.3), bd = t([6], {}, 0.1);
  cases.push({ name: `depthwiseConv2d 3×3, ${activation}`, run: (k) => k.depthwiseConv2d(x, wd, bd, { ...same, activation }) });
}
{
  // Without padding both backends multiply every tap (padded taps are skipped by both).
  const x = t([1, 6, 6, 5]);
  const w = t([3, 3, 5, 9], { 17: NaN, 60: Infinity }, 0.2);
  cases.push({ name: 'conv2d 3×3 valid, poisoned kernel', run: (k) => k.conv2d(x, w, null, { strides: 1, pads: [0, 0, 0, 0], activation: 'swish' }) });
  const pw = t([1, 1, 5, 9], { 4: NaN }, 0.2);
  cases.push({ name: 'conv2d 1×1, poisoned kernel', run: (k) => k.conv2d(x, pw, null, { strides: 1, pads: [0, 0, 0, 0], activation: 'sigmoid' }) });
  const wd = t([3, 3, 5, 1], { 12: -Infinity }, 0.2), bd = t([5], { 3: NaN });
  cases.push({ name: 'depthwiseConv2d 3×3 valid, poisoned kernel', run: (k) => k.depthwiseConv2d(x, wd, bd, { strides: 1, pads: [0, 0, 0, 0], activation: 'relu' }) });
}
{
  const x = t([2, 4, 4, 8], { 9: NaN });
  const wr = t([1, 1, 8, 2], {}, 0.3), br = t([2]), we = t([1, 1, 2, 8], {}, 0.3), be = t([8]);
  cases.push({ name: 'squeezeExcite: one NaN pixel poisons its whole image, not the other', run: (k) => k.squeezeExcite(x, wr, br, we, be) });
  const xInf = t([2, 4, 4, 8], { 200: Infinity });
  cases.push({ name: 'squeezeExcite: one Inf pixel', run: (k) => k.squeezeExcite(xInf, wr, br, we, be) });
}

describe('NaN and infinities through every op, wasm against the reference', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const want = c.run(backends.reference);
    const got = c.run(backends.wasm);
    expect(got.shape).toEqual(want.shape);
    const wantKinds = Array.from(want.data, kindOf);
    expect(wantKinds.some((k) => k !== 'finite'), 'the case must produce a non-finite value').toBe(true);
    expect(wantKinds.some((k) => k === 'finite'), 'and some finite one').toBe(true);
    const differ = wantKinds.map((k, i) => [i, k, kindOf(got.data[i]!)] as const).filter(([, w, g]) => w !== g);
    expect(differ.slice(0, 5).map(([i, w, g]) => `[${i}] reference ${w} (${want.data[i]}), wasm ${g} (${got.data[i]})`)).toEqual([]);
    // The classes agree, so what is left to compare is the finite values: zero the rest on both sides.
    const finite = (x: Tensor) => new Tensor(x.shape, x.data.map((v, i) => (wantKinds[i] === 'finite' ? v : 0)));
    const cmp = compareLayer(c.name, finite(want), finite(got), 1e-4);
    expect(cmp.ok, cmp.message).toBe(true);
  });

  it('wasm sigmoid(−Inf) is 0, swish(−Inf) NaN and relu(NaN) NaN, as IEEE and PyTorch have them', () => {
    const x = new Tensor([1, 1, 1, 3], Float32Array.from([-Infinity, NaN, Infinity]));
    expect(Array.from(backends.wasm.sigmoid(x).data)).toEqual([0, NaN, 1]);
    expect(Array.from(backends.wasm.swish(x).data)).toEqual([NaN, NaN, Infinity]);
    expect(Array.from(backends.wasm.relu(x).data)).toEqual([0, NaN, Infinity]);
    expect(Array.from(backends.reference.relu(x).data)).toEqual([0, NaN, Infinity]);
  });
});

// A small EfficientNet (width 0.5, depth 0.5) at 32×32: every op kind of the real network.
const variant = { name: 'small', width: 0.5, depth: 0.5, resolution: 32, dropout: 0.2 };
const plan = buildPlan(variant, { numClasses: 7 });

describe('a non-finite value anywhere makes the whole model\'s output non-finite', () => {
  it.each(BACKENDS)('%s: one NaN pixel, one Inf pixel, one NaN weight; a clean input stays finite', async (name) => {
    const weights = randomWeights(plan, 3);
    const model = backends[name].compile(plan, weights);
    const clean = randomInput([2, 32, 32, 3], 5);
    expect(Array.from(model.run(clean).data).every(Number.isFinite)).toBe(true);

    const nanPixel = new Tensor(clean.shape, clean.data.slice());
    nanPixel.data[3 * (32 * 17 + 9) + 1] = NaN; // image 0 only
    const out = model.run(nanPixel);
    expect(Array.from(out.data.subarray(0, 7)).every(Number.isNaN)).toBe(true);
    expect(Array.from(out.data.subarray(7)).every(Number.isFinite)).toBe(true);

    const infPixel = new Tensor(clean.shape, clean.data.slice());
    infPixel.data[32 * 32 * 3 + 5] = Infinity; // image 1 only, at the border
    expect(Array.from(model.run(infPixel).data.subarray(7)).some((v) => !Number.isFinite(v))).toBe(true);

    const poisoned = new Map(weights);
    const kernel = weights.get('block2a_expand_conv/kernel')!;
    const data = kernel.data.slice();
    data[5] = NaN;
    poisoned.set('block2a_expand_conv/kernel', new Tensor(kernel.shape, data));
    expect(Array.from(backends[name].compile(plan, poisoned).run(clean).data).every(Number.isNaN)).toBe(true);
  });
});

describe('weights are checked before anything is compiled', () => {
  it('seeded weights (b0, b2) pass', () => {
    for (const v of ['b0', 'b2'] as const) {
      const p = buildPlan(v, { resolution: 32 });
      expect(() => checkWeightValues(p, randomWeights(p, 1))).not.toThrow();
    }
  });

  it('EfficientNet.fromWeights refuses a NaN, naming the tensor and where in it', async () => {
    const weights = new Map(randomWeights(plan, 1));
    const gamma = weights.get('block3a_bn/gamma')!;
    const data = gamma.data.slice();
    data[4] = NaN;
    data[9] = Infinity;
    weights.set('block3a_bn/gamma', new Tensor(gamma.shape, data));
    await expect(EfficientNet.fromWeights(weights, { variant, numClasses: 7 })).rejects.toThrow(
      'weights: block3a_bn/gamma has 2 non-finite values, the first NaN at [4] of [',
    );
  });

  it('refuses a negative variance, a non-positive epsilon and statistics that overflow float32 when folded', async () => {
    const weights = new Map(randomWeights(plan, 1));
    const edit = (...edits: [string, number, number][]) => {
      const w = new Map(weights);
      for (const [name, i, v] of edits) {
        const data = w.get(name)!.data.slice();
        data[i] = v;
        w.set(name, new Tensor(w.get(name)!.shape, data));
      }
      return w;
    };
    await expect(EfficientNet.fromWeights(edit(['stem_bn/moving_variance', 2, -0.25]), { variant, numClasses: 7 })).rejects.toThrow(
      'weights: stem_bn/moving_variance has a negative variance -0.25 at channel 2',
    );
    await expect(EfficientNet.fromWeights(weights, { variant, numClasses: 7, epsilon: -1 })).rejects.toThrow('batch norm epsilon -1 must be a positive number');
    await expect(EfficientNet.fromWeights(weights, { variant, numClasses: 7, epsilon: 0 })).rejects.toThrow('batch norm epsilon 0 must be a positive number');
    // γ = 3e38 is a float32, but γ/√(0 + 1e-3) is not
    await expect(EfficientNet.fromWeights(edit(['top_bn/gamma', 1, 3e38], ['top_bn/moving_variance', 1, 0]), { variant, numClasses: 7 })).rejects.toThrow(
      'weights: top_bn scales channel 1 by 9.49e+39 (gamma 3e+38',
    );
    // a finite scale of 100 times a finite kernel value of 1e37
    await expect(EfficientNet.fromWeights(edit(['stem_conv/kernel', 0, 1e37], ['stem_bn/gamma', 0, 100], ['stem_bn/moving_variance', 0, 1]), { variant, numClasses: 7 })).rejects.toThrow(
      /^weights: stem_bn scales channel 0 by 100 \(gamma 100 .*, which overflows float32 folded into stem_conv$/,
    );
  });
});
