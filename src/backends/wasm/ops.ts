import type { ConvOptions, Ops } from '../backend.js';
import { Tensor, assertRank } from '../../tensor/tensor.js';
import type { Activation, Layer } from '../../model/layers.js';
import type { FusedOp } from './fuse.js';
import type { Heap } from './heap.js';
import type { OpWeights } from './kernels/kernel.js';
import { isPointwise } from './kernels/pointwise.js';
import { kernelFor, runStep } from './kernels/table.js';

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

type Described<K extends FusedOp['kind']> = Omit<Extract<FusedOp, { kind: K }>, 'name' | 'inputs' | 'layers'>;
const NO_LAYERS: Layer[] = [];

/**
 * The ops API on the wasm kernels, one call at a time: each call checks its arguments, describes
 * itself as one step of the op table (kernels/table.ts), packs its weights with the table's
 * packer, copies its inputs into blocks of the heap, runs the table's kernel over the whole
 * batch, copies the output out and gives the blocks back. Compiled models avoid the packing and
 * copies (compile.ts) but run the same table entries.
 */
export function createWasmOps(heap: Heap): Ops {
  function call<K extends FusedOp['kind']>(
    described: Described<K> & { kind: K }, x: Tensor, outShape: readonly number[], weights: OpWeights | null, y: Tensor | null = null,
  ): Tensor {
    const op = { ...described, name: described.kind, inputs: y ? ['x', 'y'] : ['x'], layers: NO_LAYERS } as unknown as Extract<FusedOp, { kind: K }>;
    const kernel = kernelFor(op.kind);
    const batch = x.shape[0] ?? 1;
    const g = { batch, input: x.shape.slice(1), output: outShape.slice(1) };
    const outFloats = outShape.reduce((a, b) => a * b, 1);
    const blocks: number[] = [];
    const take = (at: number) => (blocks.push(at), at);
    try {
      const at = {
        x: take(heap.put(x.data)),
        y: y ? take(heap.put(y.data)) : 0,
        w: weights && kernel.pack ? take(heap.put(kernel.pack(op as never, weights))) : 0,
        scratch: kernel.scratchFloats ? take(heap.alloc(kernel.scratchFloats(op as never) * 4)) : 0,
        out: take(heap.alloc(outFloats * 4)),
      };
      runStep(heap.kernels, op, g, at);
      return new Tensor(outShape, heap.read(at.out, outFloats));
    } finally {
      for (const b of blocks) heap.free(b);
    }
  }

  const unary = (x: Tensor, activation: Activation) => call({ kind: 'activation', activation }, x.rank === 0 ? x.reshape([1]) : x, x.shape, null).reshape(x.shape);

  return {
    conv2d(x, w, bias, opts) {
      assertRank(x, 4, 'conv2d input');
      assertRank(w, 4, 'conv2d kernel');
      const [n, h, wd, cin] = x.shape as [number, number, number, number];
      const [kh, kw, wcin, cout] = w.shape as [number, number, number, number];
      if (wcin !== cin) throw new Error(`conv2d: kernel expects ${wcin} input channels, input has ${cin}`);
      if (bias && bias.size !== cout) throw new Error(`conv2d: bias has ${bias.size} values, the kernel has ${cout} filters`);
      if (kh !== kw) throw new Error(`conv2d: kernels must be square, got ${kh}×${kw}`);
      const [oh, ow] = checkConv('conv2d', opts, h, wd, kh, kw);
      const common = { cin, cout, activation: opts.activation ?? 'none', useBias: bias !== null, batchNorm: null };
      const weights = { kernel: w.data, bias: bias?.data ?? null };
      return isPointwise(kh, opts.strides, opts.pads)
        ? call({ kind: 'pointwise', ...common }, x, [n, oh, ow, cout], weights)
        : call({ kind: 'conv2d', kernel: kh, stride: opts.strides, pads: opts.pads, ...common }, x, [n, oh, ow, cout], weights);
    },

    depthwiseConv2d(x, w, bias, opts) {
      assertRank(x, 4, 'depthwiseConv2d input');
      assertRank(w, 4, 'depthwiseConv2d kernel');
      const [n, h, wd, c] = x.shape as [number, number, number, number];
      const [kh, kw, wc, mult] = w.shape as [number, number, number, number];
      if (wc !== c || mult !== 1) throw new Error(`depthwiseConv2d: kernel [${w.shape.join(', ')}] does not fit ${c} channels (multiplier must be 1)`);
      if (bias && bias.size !== c) throw new Error(`depthwiseConv2d: bias has ${bias.size} values, input has ${c} channels`);
      if (kh !== kw) throw new Error(`depthwiseConv2d: kernels must be square, got ${kh}×${kw}`);
      const [oh, ow] = checkConv('depthwiseConv2d', opts, h, wd, kh, kw);
      const op = { kind: 'depthwiseConv2d' as const, kernel: kh, stride: opts.strides, pads: opts.pads, c, activation: opts.activation ?? 'none', batchNorm: null };
      return call(op, x, [n, oh, ow, c], { kernel: w.data, bias: bias?.data ?? null });
    },

    batchNorm(x, gamma, beta, mean, variance, epsilon) {
      const c = x.shape[x.rank - 1]!;
      for (const [name, t] of [['gamma', gamma], ['beta', beta], ['mean', mean], ['variance', variance]] as const) {
        if (t.size !== c) throw new Error(`batchNorm: ${name} has ${t.size} values, input has ${c} channels`);
      }
      const batchNorm = { gamma: gamma.data, beta: beta.data, mean: mean.data, variance: variance.data, epsilon };
      return call({ kind: 'batchNorm' }, x, x.shape, { batchNorm });
    },

    sigmoid: (x) => unary(x, 'sigmoid'),
    swish: (x) => unary(x, 'swish'),
    relu: (x) => unary(x, 'relu'),

    add(a, b) {
      sameShape(a, b, 'add');
      return call({ kind: 'add' }, a, a.shape, null, b);
    },

    mul(x, s) {
      assertRank(x, 4, 'mul input');
      const [n, , , c] = x.shape as [number, number, number, number];
      if (s.size !== n * c) throw new Error(`mul: scale [${s.shape.join(', ')}] does not broadcast over [${x.shape.join(', ')}]`);
      return call({ kind: 'multiply' }, x, x.shape, null, s);
    },

    globalAvgPool(x) {
      assertRank(x, 4, 'globalAvgPool input');
      const [n, , , c] = x.shape as [number, number, number, number];
      return call({ kind: 'globalAvgPool' }, x, [n, c], null);
    },

    dense(x, w, bias) {
      assertRank(x, 2, 'dense input');
      assertRank(w, 2, 'dense kernel');
      const [n, k] = x.shape as [number, number];
      const [wk, m] = w.shape as [number, number];
      if (wk !== k) throw new Error(`dense: kernel expects ${wk} inputs, input has ${k}`);
      if (bias && bias.size !== m) throw new Error(`dense: bias has ${bias.size} values, the kernel has ${m} units`);
      return call({ kind: 'dense', k, n: m, activation: 'none' }, x, [n, m], { kernel: w.data, bias: bias?.data ?? null });
    },

    softmax(x) {
      return call({ kind: 'softmax' }, x.rank === 1 ? x.reshape([1, x.size]) : x, x.rank === 1 ? [1, x.size] : x.shape, null).reshape(x.shape);
    },

    squeezeExcite(x, wReduce, bReduce, wExpand, bExpand) {
      assertRank(x, 4, 'squeezeExcite input');
      const c = x.shape[3]!;
      const cse = wReduce.shape[3]!;
      if (wReduce.rank !== 4 || wReduce.shape[0] !== 1 || wReduce.shape[1] !== 1 || wReduce.shape[2] !== c) {
        throw new Error(`squeezeExcite: reduce kernel [${wReduce.shape.join(', ')}] does not fit ${c} channels (expected [1, 1, ${c}, Cse])`);
      }
      if (wExpand.rank !== 4 || wExpand.shape[0] !== 1 || wExpand.shape[1] !== 1 || wExpand.shape[2] !== cse || wExpand.shape[3] !== c) {
        throw new Error(`squeezeExcite: expand kernel [${wExpand.shape.join(', ')}] does not fit (expected [1, 1, ${cse}, ${c}])`);
      }
      if (bReduce.size !== cse || bExpand.size !== c) throw new Error(`squeezeExcite: biases have ${bReduce.size} and ${bExpand.size} values, expected ${cse} and ${c}`);
      const op = { kind: 'squeezeExcite' as const, c, cse, reduce: 'se_reduce', expand: 'se_expand', actReduce: 'swish' as const, actExpand: 'sigmoid' as const };
      return call(op, x, x.shape, { kernel: wReduce.data, bias: bReduce.data, expandKernel: wExpand.data, expandBias: bExpand.data });
    },
  };
}
