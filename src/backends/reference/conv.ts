import type { ConvOptions } from '../backend.js';
import { Tensor, assertRank } from '../../tensor/tensor.js';
import { activate } from '../../model/activations.js';
import { convOutputSize as outputSize } from '../../model/layers.js';

// out[n, y, x, o] = bias[o] + Σ_{i, j, c} in[n, y·s + i − top, x·s + j − left, c] · w[i, j, c, o],
// with zeros wherever the input index falls in the padding.
export function conv2d(x: Tensor, w: Tensor, bias: Tensor | null, opts: ConvOptions): Tensor {
  assertRank(x, 4, 'conv2d input');
  assertRank(w, 4, 'conv2d kernel');
  const [n, h, wd, cin] = x.shape as [number, number, number, number];
  const [kh, kw, wcin, cout] = w.shape as [number, number, number, number];
  if (wcin !== cin) throw new Error(`conv2d: kernel expects ${wcin} input channels, input has ${cin}`);
  const [top, left, bottom, right] = opts.pads;
  const s = opts.strides;
  const oh = outputSize(h, kh, s, top, bottom);
  const ow = outputSize(wd, kw, s, left, right);
  const out = Tensor.zeros([n, oh, ow, cout]);
  const X = x.view(), W = w.view(), O = out.view(), B = bias?.view();
  for (let b = 0; b < n; b++)
    for (let y = 0; y < oh; y++)
      for (let xo = 0; xo < ow; xo++)
        for (let o = 0; o < cout; o++) {
          let acc = B ? B.get(o) : 0;
          for (let i = 0; i < kh; i++) {
            const iy = y * s + i - top;
            if (iy < 0 || iy >= h) continue;
            for (let j = 0; j < kw; j++) {
              const ix = xo * s + j - left;
              if (ix < 0 || ix >= wd) continue;
              for (let c = 0; c < cin; c++) acc += X.get(b, iy, ix, c) * W.get(i, j, c, o);
            }
          }
          O.set(b, y, xo, o, activate(acc, opts.activation));
        }
  return out;
}

// out[n, y, x, c] = bias[c] + Σ_{i, j} in[n, y·s + i − top, x·s + j − left, c] · w[i, j, c, 0]
export function depthwiseConv2d(x: Tensor, w: Tensor, bias: Tensor | null, opts: ConvOptions): Tensor {
  assertRank(x, 4, 'depthwiseConv2d input');
  assertRank(w, 4, 'depthwiseConv2d kernel');
  const [n, h, wd, c] = x.shape as [number, number, number, number];
  const [kh, kw, wc, mult] = w.shape as [number, number, number, number];
  if (wc !== c || mult !== 1) throw new Error(`depthwiseConv2d: kernel [${w.shape.join(', ')}] does not fit ${c} channels (multiplier must be 1)`);
  const [top, left, bottom, right] = opts.pads;
  const s = opts.strides;
  const oh = outputSize(h, kh, s, top, bottom);
  const ow = outputSize(wd, kw, s, left, right);
  const out = Tensor.zeros([n, oh, ow, c]);
  const X = x.view(), W = w.view(), O = out.view(), B = bias?.view();
  for (let b = 0; b < n; b++)
    for (let y = 0; y < oh; y++)
      for (let xo = 0; xo < ow; xo++)
        for (let ch = 0; ch < c; ch++) {
          let acc = B ? B.get(ch) : 0;
          for (let i = 0; i < kh; i++) {
            const iy = y * s + i - top;
            if (iy < 0 || iy >= h) continue;
            for (let j = 0; j < kw; j++) {
              const ix = xo * s + j - left;
              if (ix < 0 || ix >= wd) continue;
              acc += X.get(b, iy, ix, ch) * W.get(i, j, ch, 0);
            }
          }
          O.set(b, y, xo, ch, activate(acc, opts.activation));
        }
  return out;
}

// out[n, m] = bias[m] + Σ_k x[n, k] · w[k, m]
export function dense(x: Tensor, w: Tensor, bias: Tensor | null): Tensor {
  assertRank(x, 2, 'dense input');
  assertRank(w, 2, 'dense kernel');
  const [n, k] = x.shape as [number, number];
  const [wk, m] = w.shape as [number, number];
  if (wk !== k) throw new Error(`dense: kernel expects ${wk} inputs, input has ${k}`);
  const out = Tensor.zeros([n, m]);
  const X = x.view(), W = w.view(), O = out.view(), B = bias?.view();
  for (let b = 0; b < n; b++)
    for (let o = 0; o < m; o++) {
      let acc = B ? B.get(o) : 0;
      for (let i = 0; i < k; i++) acc += X.get(b, i) * W.get(i, o);
      O.set(b, o, acc);
    }
  return out;
}
