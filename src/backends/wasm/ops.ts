import type { ConvOptions, Ops } from '../backend.js';
import { Tensor, assertRank } from '../../tensor/tensor.js';
import { activationOf, type Activation } from '../../model/activations.js';
import { convOutputSize } from '../../model/layers.js';
import { definitionOf, isPointwise, type FusedOp, type Kind, type OpOf, type OpWeights } from '../fused/ops.js';
import type { Heap } from './heap.js';
import { kernelFor, runStep } from './kernels/table.js';

function checkConv(what: string, opts: ConvOptions, h: number, w: number, kh: number, kw: number): void {
  const [top, left, bottom, right] = opts.pads;
  if (!Number.isInteger(opts.strides) || opts.strides < 1) throw new Error(`${what}: stride must be a positive integer, got ${opts.strides}`);
  if (opts.pads.some((p) => !Number.isInteger(p) || p < 0)) throw new Error(`${what}: pads must be non-negative integers, got [${opts.pads.join(', ')}]`);
  const oh = convOutputSize(h, kh, opts.strides, top, bottom);
  const ow = convOutputSize(w, kw, opts.strides, left, right);
  if (oh < 1 || ow < 1) throw new Error(`${what}: a ${kh}×${kw} kernel does not fit a ${h}×${w} input with pads [${opts.pads.join(', ')}]`);
}

function activationName(opts: ConvOptions): Activation {
  const act = opts.activation ?? 'none';
  activationOf(act);
  return act;
}

function sameShape(a: Tensor, b: Tensor, op: string): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new Error(`${op}: shapes [${a.shape.join(', ')}] and [${b.shape.join(', ')}] differ`);
  }
}

/** A fused op as one call describes it: no Keras layers behind it. */
type Described<K extends Kind> = Omit<OpOf<K>, 'name' | 'inputs' | 'layers'>;

/**
 * One fused op (fused/ops.ts) on the wasm kernels, its weights as the checkpoint stores them: packs
 * them with the table's packer, copies the inputs into blocks of the heap, runs the table's kernel
 * over the whole batch, copies the output out and gives the blocks back. The single-op API and the
 * parity harness run ops this way; compiled models avoid the packing and copies (compile.ts) but
 * run the same table entries.
 */
export function runFusedOp(heap: Heap, op: FusedOp, [x, y]: readonly Tensor[], weights: OpWeights | null): Tensor {
  const kernel = kernelFor(op.kind);
  const batch = x!.shape[0] ?? 1;
  const input = x!.shape.slice(1);
  const g = { batch, input, output: definitionOf(op.kind).outputShape(op, input) };
  const outFloats = batch * g.output.reduce((a, b) => a * b, 1);
  const blocks: number[] = [];
  const take = (at: number) => (blocks.push(at), at);
  try {
    const at = {
      x: take(heap.put(x!.data)),
      y: y ? take(heap.put(y.data)) : 0,
      w: weights && kernel.pack ? take(heap.put(kernel.pack(op, weights))) : 0,
      scratch: kernel.scratchFloats ? take(heap.alloc(kernel.scratchFloats(op, g) * 4)) : 0,
      out: take(heap.alloc(outFloats * 4)),
    };
    runStep(heap.kernels, op, g, at);
    return new Tensor([batch, ...g.output], heap.read(at.out, outFloats));
  } finally {
    for (const b of blocks) heap.free(b);
  }
}

/**
 * The ops API on the wasm kernels, one call at a time: each call checks its arguments, describes
 * itself as one fused op with no Keras layers behind it, and runs it (runFusedOp).
 */
export function createWasmOps(heap: Heap): Ops {
  const call = <K extends Kind>(described: Described<K>, x: Tensor, weights: OpWeights | null, y: Tensor | null = null): Tensor =>
    runFusedOp(heap, { ...described, name: described.kind, inputs: y ? ['x', 'y'] : ['x'], layers: [] } as unknown as OpOf<K>, y ? [x, y] : [x], weights);

  const activation = (x: Tensor, act: Activation) => {
    activationOf(act);
    return call<'activation'>({ kind: 'activation', activation: act }, x.rank === 0 ? x.reshape([1]) : x, null).reshape(x.shape);
  };

  return {
    conv2d(x, w, bias, opts) {
      assertRank(x, 4, 'conv2d input');
      assertRank(w, 4, 'conv2d kernel');
      const [, h, wd, cin] = x.shape as [number, number, number, number];
      const [kh, kw, wcin, cout] = w.shape as [number, number, number, number];
      if (wcin !== cin) throw new Error(`conv2d: kernel expects ${wcin} input channels, input has ${cin}`);
      if (bias && bias.size !== cout) throw new Error(`conv2d: bias has ${bias.size} values, the kernel has ${cout} filters`);
      checkConv('conv2d', opts, h, wd, kh, kw);
      const common = { cin, cout, activation: activationName(opts), useBias: bias !== null, batchNorm: null };
      const weights = { kernel: w.data, bias: bias?.data ?? null };
      return isPointwise([kh, kw], opts.strides, opts.pads)
        ? call<'pointwise'>({ kind: 'pointwise', ...common }, x, weights)
        : call<'conv2d'>({ kind: 'conv2d', kernel: [kh, kw], stride: opts.strides, pads: opts.pads, ...common }, x, weights);
    },

    depthwiseConv2d(x, w, bias, opts) {
      assertRank(x, 4, 'depthwiseConv2d input');
      assertRank(w, 4, 'depthwiseConv2d kernel');
      const [, h, wd, c] = x.shape as [number, number, number, number];
      const [kh, kw, wc, mult] = w.shape as [number, number, number, number];
      if (wc !== c || mult !== 1) throw new Error(`depthwiseConv2d: kernel [${w.shape.join(', ')}] does not fit ${c} channels (multiplier must be 1)`);
      if (bias && bias.size !== c) throw new Error(`depthwiseConv2d: bias has ${bias.size} values, input has ${c} channels`);
      checkConv('depthwiseConv2d', opts, h, wd, kh, kw);
      const op = { kind: 'depthwiseConv2d' as const, kernel: [kh, kw] as const, stride: opts.strides, pads: opts.pads, c, activation: activationName(opts), useBias: bias !== null, batchNorm: null };
      return call<'depthwiseConv2d'>(op, x, { kernel: w.data, bias: bias?.data ?? null });
    },

    batchNorm(x, gamma, beta, mean, variance, epsilon) {
      const c = x.shape[x.rank - 1]!;
      for (const [name, t] of [['gamma', gamma], ['beta', beta], ['mean', mean], ['variance', variance]] as const) {
        if (t.size !== c) throw new Error(`batchNorm: ${name} has ${t.size} values, input has ${c} channels`);
      }
      const batchNorm = { gamma: gamma.data, beta: beta.data, mean: mean.data, variance: variance.data, epsilon };
      return call<'batchNorm'>({ kind: 'batchNorm' }, x, { batchNorm });
    },

    activation,
    sigmoid: (x) => activation(x, 'sigmoid'),
    swish: (x) => activation(x, 'swish'),
    relu: (x) => activation(x, 'relu'),

    add(a, b) {
      sameShape(a, b, 'add');
      return call<'add'>({ kind: 'add' }, a, null, b);
    },

    mul(x, s) {
      assertRank(x, 4, 'mul input');
      const [n, , , c] = x.shape as [number, number, number, number];
      if (s.size !== n * c) throw new Error(`mul: scale [${s.shape.join(', ')}] does not broadcast over [${x.shape.join(', ')}]`);
      return call<'multiply'>({ kind: 'multiply' }, x, null, s);
    },

    globalAvgPool(x) {
      assertRank(x, 4, 'globalAvgPool input');
      return call<'globalAvgPool'>({ kind: 'globalAvgPool' }, x, null);
    },

    dense(x, w, bias) {
      assertRank(x, 2, 'dense input');
      assertRank(w, 2, 'dense kernel');
      const k = x.shape[1]!;
      const [wk, m] = w.shape as [number, number];
      if (wk !== k) throw new Error(`dense: kernel expects ${wk} inputs, input has ${k}`);
      if (bias && bias.size !== m) throw new Error(`dense: bias has ${bias.size} values, the kernel has ${m} units`);
      return call<'dense'>({ kind: 'dense', k, n: m, activation: 'none' }, x, { kernel: w.data, bias: bias?.data ?? null });
    },

    softmax(x) {
      return call<'softmax'>({ kind: 'softmax' }, x.rank === 1 ? x.reshape([1, x.size]) : x, null).reshape(x.shape);
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
      return call<'squeezeExcite'>(op, x, { kernel: wReduce.data, bias: bReduce.data, expandKernel: wExpand.data, expandBias: bExpand.data });
    },
  };
}
