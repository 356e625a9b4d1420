import type { Activation, Conv2DLayer, Layer, Pads } from '../../model/layers.js';
import type { Plan } from '../../model/plan.js';
import { isPointwise } from './kernels/pointwise.js';

/**
 * One kernel call of a compiled plan: a run of Keras layers executed as one, named after the
 * last of them (the name its output is dumped under). `inputs` and `output` name values by the
 * layer that produced them; `layers` are the Keras layers the op stands for.
 */
export type FusedOp =
  | { kind: 'conv2d'; name: string; inputs: [string]; layers: Layer[]; kernel: number; stride: number; pads: Pads;
      cin: number; cout: number; activation: Activation; useBias: boolean; batchNorm: string | null }
  /** A 1×1 convolution; a second input is the residual added in its store. */
  | { kind: 'pointwise'; name: string; inputs: [string] | [string, string]; layers: Layer[];
      cin: number; cout: number; activation: Activation; useBias: boolean; batchNorm: string | null }
  | { kind: 'depthwiseConv2d'; name: string; inputs: [string]; layers: Layer[]; kernel: number; stride: number; pads: Pads;
      c: number; activation: Activation; batchNorm: string | null }
  | { kind: 'squeezeExcite'; name: string; inputs: [string]; layers: Layer[]; c: number; cse: number; reduce: string; expand: string;
      actReduce: Activation; actExpand: Activation }
  | { kind: 'batchNorm'; name: string; inputs: [string]; layers: Layer[] }
  | { kind: 'activation'; name: string; inputs: [string]; layers: Layer[]; activation: Activation }
  | { kind: 'globalAvgPool'; name: string; inputs: [string]; layers: Layer[] }
  | { kind: 'multiply'; name: string; inputs: [string, string]; layers: Layer[] }
  | { kind: 'add'; name: string; inputs: [string, string]; layers: Layer[] }
  | { kind: 'dense'; name: string; inputs: [string]; layers: Layer[]; k: number; n: number; activation: Activation }
  /** Only as a single op (ops.ts): no plan has one. */
  | { kind: 'softmax'; name: string; inputs: [string]; layers: Layer[] };

export interface FusedPlan {
  ops: FusedOp[];
  /** Layers that compute nothing (reshape, dropout): their value is their input's. */
  aliases: Map<string, string>;
}

/**
 * Groups the plan's layers into kernel calls: conv → batch norm → activation (batch norm
 * folded into the conv's weights at compile), the same for depthwise, a pointwise conv's
 * residual add fused into its store, and the squeeze-excitation sub-graph
 * (se_squeeze … se_excite) into one op. A layer is only absorbed into its predecessor's
 * group when it is that value's sole reader, so every value another layer needs stays whole.
 * Anything that fits no pattern runs as its own op.
 */
export function fusePlan(plan: Plan): FusedPlan {
  const layers = plan.layers;
  const readers = new Map<string, number>();
  for (const l of layers) for (const name of l.inputs) readers.set(name, (readers.get(name) ?? 0) + 1);
  const aliases = new Map<string, string>();
  const resolve = (name: string) => aliases.get(name) ?? name;
  const shapeOf = new Map<string, readonly number[]>([['input', plan.inputShape]]);
  for (const l of layers) shapeOf.set(l.name, l.shape);
  // layers[i] exists, reads only `from`, and is from's sole reader
  const follows = (i: number, from: string) => {
    const l = layers[i];
    return l !== undefined && l.inputs.length === 1 && l.inputs[0] === from && readers.get(from) === 1 ? l : undefined;
  };

  const ops: FusedOp[] = [];
  let i = 0;
  while (i < layers.length) {
    const l = layers[i]!;
    if (l.kind === 'conv2d' || l.kind === 'depthwiseConv2d') {
      const group: Layer[] = [l];
      let activation: Activation = l.kind === 'conv2d' ? l.activation : 'none';
      let batchNorm: string | null = null;
      let next = follows(i + 1, l.name);
      if (next?.kind === 'batchNorm' && activation === 'none') {
        batchNorm = next.name;
        group.push(next);
        next = follows(i + group.length, next.name);
      }
      if (next?.kind === 'activation' && activation === 'none') {
        activation = next.activation;
        group.push(next);
      }
      const inputShape = shapeOf.get(l.inputs[0]!)!;
      if (l.kind === 'depthwiseConv2d') {
        ops.push({ kind: 'depthwiseConv2d', name: group.at(-1)!.name, inputs: [resolve(l.inputs[0]!)], layers: group,
          kernel: l.kernel, stride: l.stride, pads: l.pads, c: inputShape[2]!, activation, batchNorm });
      } else {
        const inputs: [string] | [string, string] = [resolve(l.inputs[0]!)];
        const pointwise = isPointwise(l.kernel, l.stride, l.pads);
        if (pointwise) {
          // [dropout →] add(this, residual): the residual joins the store
          let last = group.at(-1)!.name;
          let j = i + group.length;
          const drop = follows(j, last);
          if (drop?.kind === 'dropout') {
            last = drop.name;
            j++;
          }
          const add = layers[j];
          if (add?.kind === 'add' && add.inputs.length === 2 && add.inputs.includes(last) && readers.get(last) === 1) {
            const other = add.inputs[0] === last ? add.inputs[1]! : add.inputs[0]!;
            if (drop) group.push(drop);
            group.push(add);
            inputs.push(resolve(other));
          }
        }
        const common = { name: group.at(-1)!.name, layers: group, cin: inputShape[2]!, cout: l.filters, activation, useBias: l.useBias, batchNorm };
        ops.push(pointwise
          ? { kind: 'pointwise', inputs, ...common }
          : { kind: 'conv2d', inputs: [inputs[0]], kernel: l.kernel, stride: l.stride, pads: l.pads, ...common });
      }
      i += group.length;
      continue;
    }
    if (l.kind === 'globalAvgPool') {
      const se = matchSqueezeExcite(layers, i, follows);
      if (se) {
        const { reduce, expand, excite } = se;
        ops.push({ kind: 'squeezeExcite', name: excite.name, inputs: [resolve(l.inputs[0]!)], layers: se.layers,
          c: expand.filters, cse: reduce.filters, reduce: reduce.name, expand: expand.name,
          actReduce: reduce.activation, actExpand: expand.activation });
        i += se.layers.length;
        continue;
      }
    }
    switch (l.kind) {
      case 'reshape':
      case 'dropout':
        aliases.set(l.name, resolve(l.inputs[0]!));
        break;
      case 'batchNorm':
        ops.push({ kind: 'batchNorm', name: l.name, inputs: [resolve(l.inputs[0]!)], layers: [l] });
        break;
      case 'activation':
        ops.push({ kind: 'activation', name: l.name, inputs: [resolve(l.inputs[0]!)], layers: [l], activation: l.activation });
        break;
      case 'dense':
        ops.push({ kind: 'dense', name: l.name, inputs: [resolve(l.inputs[0]!)], layers: [l], k: shapeOf.get(l.inputs[0]!)!.at(-1)!, n: l.units, activation: l.activation });
        break;
      case 'globalAvgPool':
        ops.push({ kind: l.kind, name: l.name, inputs: [resolve(l.inputs[0]!)], layers: [l] });
        break;
      case 'multiply':
        ops.push({ kind: 'multiply', name: l.name, inputs: [resolve(l.inputs[0]!), resolve(l.inputs[1]!)], layers: [l] });
        break;
      case 'add':
        ops.push({ kind: 'add', name: l.name, inputs: [resolve(l.inputs[0]!), resolve(l.inputs[1]!)], layers: [l] });
        break;
    }
    i++;
  }
  return { ops, aliases };
}

// se_squeeze(X) → se_reshape → se_reduce (1×1, bias) → se_expand (1×1, bias) → se_excite(X, expand)
function matchSqueezeExcite(layers: readonly Layer[], i: number, follows: (i: number, from: string) => Layer | undefined) {
  const squeeze = layers[i]!;
  const x = squeeze.inputs[0]!;
  const reshape = follows(i + 1, squeeze.name);
  const reduce = reshape && follows(i + 2, reshape.name);
  const expand = reduce && follows(i + 3, reduce.name);
  const excite = layers[i + 4];
  const unitConv = (l: Layer | undefined): l is Conv2DLayer => l?.kind === 'conv2d' && isPointwise(l.kernel, l.stride, l.pads) && l.useBias;
  if (reshape?.kind !== 'reshape' || !unitConv(reduce) || !unitConv(expand) || excite?.kind !== 'multiply') return undefined;
  if (excite.inputs[0] !== x || excite.inputs[1] !== expand.name) return undefined;
  return { layers: [squeeze, reshape, reduce, expand, excite], reduce, expand, excite };
}
