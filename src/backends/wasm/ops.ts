import type { ConvOptions, Ops } from '../backend.js';
import { Tensor, assertRank } from '../../tensor/tensor.js';
import type { Activation } from '../../model/layers.js';
import type { Heap } from './heap.js';
import { ACTIVATION_CODES } from './module.js';
import { batchNormAffine, packAffine, packConv, packDense, packDepthwise, packPointwise, packSqueezeExcite } from './pack.js';

export function activationCode(activation: Activation = 'none'): number {
  const code = ACTIVATION_CODES[activation];
  if (code === undefined) throw new Error(`unknown activation '${String(activation)}' (expected none, swish, sigmoid or relu)`);
  return code;
}

export function convOutputSize(size: number, kernel: number, stride: number, before: number, after: number): number {
  return Math.floor((size + before + after - kernel) / stride) + 1;
}

function checkConv(what: string, opts: ConvOptions, h: number, w: number, kh: number, kw: number): [number, number] {
  const [top, left, bottom, right] = opts.pads;
  if (!Number.isInteger(opts.strides) || opts.strides < 1) throw new Error(`${what}: stride must be a positive integer, got ${opts.strides}`);
  if (opts.pads.some((p) => !Number.isInteger(p) || p < 0)) throw new Error(`${what}: pads must be non-negative integers, got [${opts.pads.join(', ')}]`);
  const oh = convOutputSize(h, kh, opts.strides, top, bottom);
  const ow = convOutputSize(w, kw, opts.strides, left, right);
  if (oh < 1 || ow < 1) throw new Error(`${what}: a ${kh}×${kw} kernel does not fit a ${h}×${w} input with pads [${opts.pads.join(', ')}]`);
  return [oh, ow];
}

function sameShape(a: Tensor, b: Tensor, op: string): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new Error(`${op}: shapes [${a.shape.join(', ')}] and [${b.shape.join(', ')}] differ`);
  }
}

/**
 * The ops API on the wasm kernels, one call at a time: pack the weights, copy the inputs into
 * blocks of the heap, run the kernel (once per image where it works on one), copy the output
 * out and give the blocks back. Compiled models avoid all of that (compile.ts).
 */
export function createWasmOps(heap: Heap): Ops {
  const k = heap.kernels;

  // Runs fn with the given arrays copied into fresh blocks (and `outFloats` floats for the
  // output, the last offset), returns the output floats, frees every block.
  function call(inputs: ArrayLike<number>[], outFloats: number, fn: (...offsets: number[]) => void): Float32Array {
    const offsets: number[] = [];
    try {
      for (const data of inputs) offsets.push(heap.put(data));
      offsets.push(heap.alloc(outFloats * 4));
      fn(...offsets);
      return heap.read(offsets[offsets.length - 1]!, outFloats);
    } finally {
      for (const o of offsets) heap.free(o);
    }
  }

  const unary = (x: Tensor, activation: Activation) =>
    new Tensor(x.shape, call([x.data], x.size, (xp, op) => k.activate(xp!, op!, x.size, activationCode(activation))));

  return {
    conv2d(x, w, bias, opts) {
      assertRank(x, 4, 'conv2d input');
      assertRank(w, 4, 'conv2d kernel');
      const [n, h, wd, cin] = x.shape as [number, number, number, number];
      const [kh, kw, wcin, cout] = w.shape as [number, number, number, number];
      if (wcin !== cin) throw new Error(`conv2d: kernel expects ${wcin} input channels, input has ${cin}`);
      if (bias && bias.size !== cout) throw new Error(`conv2d: bias has ${bias.size} values, the kernel has ${cout} filters`);
      const [oh, ow] = checkConv('conv2d', opts, h, wd, kh, kw);
      const act = activationCode(opts.activation);
      const [top, left] = opts.pads;
      const out = n * oh * ow * cout;
      if (kh === 1 && kw === 1 && opts.strides === 1 && opts.pads.every((p) => p === 0)) {
        const packed = packPointwise(w.data, bias?.data ?? null, cin, cout);
        return new Tensor([n, oh, ow, cout], call([x.data, packed], out, (xp, wp, op) => k.pointwise(xp!, n * h * wd, cin, wp!, cout, op!, act, 0)));
      }
      const packed = packConv(w.data, bias?.data ?? null, kh, kw, cin, cout);
      return new Tensor([n, oh, ow, cout], call([x.data, packed], out, (xp, wp, op) => {
        for (let b = 0; b < n; b++) {
          k.conv2d(xp! + b * h * wd * cin * 4, h, wd, cin, wp!, cout, kh, kw, opts.strides, top, left, op! + b * oh * ow * cout * 4, oh, ow, act, 0, oh);
        }
      }));
    },

    depthwiseConv2d(x, w, bias, opts) {
      assertRank(x, 4, 'depthwiseConv2d input');
      assertRank(w, 4, 'depthwiseConv2d kernel');
      const [n, h, wd, c] = x.shape as [number, number, number, number];
      const [kh, kw, wc, mult] = w.shape as [number, number, number, number];
      if (wc !== c || mult !== 1) throw new Error(`depthwiseConv2d: kernel [${w.shape.join(', ')}] does not fit ${c} channels (multiplier must be 1)`);
      if (bias && bias.size !== c) throw new Error(`depthwiseConv2d: bias has ${bias.size} values, input has ${c} channels`);
      const [oh, ow] = checkConv('depthwiseConv2d', opts, h, wd, kh, kw);
      const act = activationCode(opts.activation);
      const [top, left] = opts.pads;
      const packed = packDepthwise(w.data, bias?.data ?? null, kh, kw, c);
      return new Tensor([n, oh, ow, c], call([x.data, packed], n * oh * ow * c, (xp, wp, op) => {
        for (let b = 0; b < n; b++) {
          k.depthwiseConv2d(xp! + b * h * wd * c * 4, h, wd, c, wp!, kh, kw, opts.strides, top, left, op! + b * oh * ow * c * 4, oh, ow, act, 0, oh);
        }
      }));
    },

    batchNorm(x, gamma, beta, mean, variance, epsilon) {
      const c = x.shape[x.rank - 1]!;
      for (const [name, t] of [['gamma', gamma], ['beta', beta], ['mean', mean], ['variance', variance]] as const) {
        if (t.size !== c) throw new Error(`batchNorm: ${name} has ${t.size} values, input has ${c} channels`);
      }
      const { scale, shift } = batchNormAffine({ gamma: gamma.data, beta: beta.data, mean: mean.data, variance: variance.data, epsilon });
      const packed = packAffine(scale, shift);
      const c4 = packed.length / 2;
      return new Tensor(x.shape, call([x.data, packed], x.size, (xp, pp, op) => k.affine(xp!, x.size / c, c, pp!, pp! + c4 * 4, op!)));
    },

    sigmoid: (x) => unary(x, 'sigmoid'),
    swish: (x) => unary(x, 'swish'),
    relu: (x) => unary(x, 'relu'),

    add(a, b) {
      sameShape(a, b, 'add');
      return new Tensor(a.shape, call([a.data, b.data], a.size, (ap, bp, op) => k.add(ap!, bp!, op!, a.size)));
    },

    mul(x, s) {
      assertRank(x, 4, 'mul input');
      const [n, h, w, c] = x.shape as [number, number, number, number];
      if (s.size !== n * c) throw new Error(`mul: scale [${s.shape.join(', ')}] does not broadcast over [${x.shape.join(', ')}]`);
      return new Tensor(x.shape, call([x.data, s.data], x.size, (xp, sp, op) => {
        for (let b = 0; b < n; b++) k.scaleChannels(xp! + b * h * w * c * 4, h * w, c, sp! + b * c * 4, op! + b * h * w * c * 4);
      }));
    },

    globalAvgPool(x) {
      assertRank(x, 4, 'globalAvgPool input');
      const [n, h, w, c] = x.shape as [number, number, number, number];
      return new Tensor([n, c], call([x.data], n * c, (xp, op) => {
        for (let b = 0; b < n; b++) k.channelMeans(xp! + b * h * w * c * 4, h * w, c, op! + b * c * 4);
      }));
    },

    dense(x, w, bias) {
      assertRank(x, 2, 'dense input');
      assertRank(w, 2, 'dense kernel');
      const [n, kk] = x.shape as [number, number];
      const [wk, m] = w.shape as [number, number];
      if (wk !== kk) throw new Error(`dense: kernel expects ${wk} inputs, input has ${kk}`);
      if (bias && bias.size !== m) throw new Error(`dense: bias has ${bias.size} values, the kernel has ${m} units`);
      const packed = packDense(w.data, bias?.data ?? null, kk, m);
      return new Tensor([n, m], call([x.data, packed], n * m, (xp, wp, op) => k.dense(xp!, n, kk, wp!, m, op!, 0)));
    },

    softmax(x) {
      const m = x.shape[x.rank - 1]!;
      return new Tensor(x.shape, call([x.data], x.size, (xp, op) => k.softmax(xp!, x.size / m, m, op!)));
    },

    squeezeExcite(x, wReduce, bReduce, wExpand, bExpand) {
      assertRank(x, 4, 'squeezeExcite input');
      const [n, h, w, c] = x.shape as [number, number, number, number];
      const cse = wReduce.shape[3]!;
      if (wReduce.rank !== 4 || wReduce.shape[0] !== 1 || wReduce.shape[1] !== 1 || wReduce.shape[2] !== c) {
        throw new Error(`squeezeExcite: reduce kernel [${wReduce.shape.join(', ')}] does not fit ${c} channels (expected [1, 1, ${c}, Cse])`);
      }
      if (wExpand.rank !== 4 || wExpand.shape[0] !== 1 || wExpand.shape[1] !== 1 || wExpand.shape[2] !== cse || wExpand.shape[3] !== c) {
        throw new Error(`squeezeExcite: expand kernel [${wExpand.shape.join(', ')}] does not fit (expected [1, 1, ${cse}, ${c}])`);
      }
      if (bReduce.size !== cse || bExpand.size !== c) throw new Error(`squeezeExcite: biases have ${bReduce.size} and ${bExpand.size} values, expected ${cse} and ${c}`);
      const packed = packSqueezeExcite(wReduce.data, bReduce.data, wExpand.data, bExpand.data, c, cse);
      const scratch = new Float32Array(seScratchFloats(c, cse));
      return new Tensor(x.shape, call([x.data, packed, scratch], x.size, (xp, wp, sp, op) => {
        for (let b = 0; b < n; b++) {
          const img = b * h * w * c * 4;
          k.squeezeExcite(xp! + img, h * w, c, wp!, cse, op! + img, sp!, ACTIVATION_CODES.swish, ACTIVATION_CODES.sigmoid);
        }
      }));
    },
  };
}

/** Floats of scratch assembly/se.ts needs: channel means, the reduced vector, the scale. */
export function seScratchFloats(c: number, cse: number): number {
  const c4 = Math.ceil(c / 4) * 4, cse4 = Math.ceil(cse / 4) * 4;
  return 2 * c4 + cse4;
}
