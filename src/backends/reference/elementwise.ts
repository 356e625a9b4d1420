import type { Activation } from '../../model/layers.js';
import { Tensor, assertRank } from '../../tensor/tensor.js';
import { activationOf } from '../../model/activations.js';

function sameShape(a: Tensor, b: Tensor, op: string): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new Error(`${op}: shapes [${a.shape.join(', ')}] and [${b.shape.join(', ')}] differ`);
  }
}

export function map(x: Tensor, activation: Activation): Tensor {
  const f = activationOf(activation).apply;
  const out = Tensor.zeros(x.shape);
  for (let i = 0; i < x.size; i++) out.data[i] = f(x.data[i]!);
  return out;
}

export function add(a: Tensor, b: Tensor): Tensor {
  sameShape(a, b, 'add');
  const out = Tensor.zeros(a.shape);
  for (let i = 0; i < a.size; i++) out.data[i] = a.data[i]! + b.data[i]!;
  return out;
}

// y = γ · (x − mean) / √(variance + ε) + β, per channel (the last axis).
export function batchNorm(x: Tensor, gamma: Tensor, beta: Tensor, mean: Tensor, variance: Tensor, epsilon: number): Tensor {
  const c = x.shape[x.rank - 1]!;
  for (const [name, t] of [['gamma', gamma], ['beta', beta], ['mean', mean], ['variance', variance]] as const) {
    if (t.size !== c) throw new Error(`batchNorm: ${name} has ${t.size} values, input has ${c} channels`);
  }
  const out = Tensor.zeros(x.shape);
  for (let i = 0; i < x.size; i++) {
    const ch = i % c;
    out.data[i] = (gamma.data[ch]! * (x.data[i]! - mean.data[ch]!)) / Math.sqrt(variance.data[ch]! + epsilon) + beta.data[ch]!;
  }
  return out;
}

// out[n, y, x, c] = x[n, y, x, c] · s[n, c]
export function mul(x: Tensor, s: Tensor): Tensor {
  assertRank(x, 4, 'mul input');
  const [n, h, w, c] = x.shape as [number, number, number, number];
  if (s.size !== n * c) throw new Error(`mul: scale [${s.shape.join(', ')}] does not broadcast over [${x.shape.join(', ')}]`);
  const out = Tensor.zeros(x.shape);
  const X = x.view(), S = s.reshape([n, c]).view(), O = out.view();
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h; y++)
      for (let xi = 0; xi < w; xi++)
        for (let ch = 0; ch < c; ch++) O.set(b, y, xi, ch, X.get(b, y, xi, ch) * S.get(b, ch));
  return out;
}

// out[n, c] = mean over y, x of x[n, y, x, c]
export function globalAvgPool(x: Tensor): Tensor {
  assertRank(x, 4, 'globalAvgPool input');
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const out = Tensor.zeros([n, c]);
  const X = x.view(), O = out.view();
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++) {
      let acc = 0;
      for (let y = 0; y < h; y++) for (let xi = 0; xi < w; xi++) acc += X.get(b, y, xi, ch);
      O.set(b, ch, acc / (h * w));
    }
  return out;
}

// Over the last axis, shifted by the row maximum so exp never overflows.
export function softmax(x: Tensor): Tensor {
  const m = x.shape[x.rank - 1]!;
  const out = Tensor.zeros(x.shape);
  for (let r = 0; r < x.size / m; r++) {
    let max = -Infinity;
    for (let i = 0; i < m; i++) max = Math.max(max, x.data[r * m + i]!);
    let total = 0;
    for (let i = 0; i < m; i++) total += out.data[r * m + i] = Math.exp(x.data[r * m + i]! - max);
    for (let i = 0; i < m; i++) out.data[r * m + i]! /= total;
  }
  return out;
}
