// The convolutions with a k×k window: the direct convolution (in EfficientNet, the stem) and the
// depthwise one, one thread per output value (neighbouring threads on neighbouring channels, so
// they read neighbouring floats), bias (with the batch norm folded in) and activation fused into the store.
// Pads may be anything: TF 'same' puts the odd pixel at the bottom and right, which only the
// bounds of the window see.
import type { Activation } from '../../../model/activations.js';
import { folded, type OpWeights } from '../../fused/weights.js';
import { activationFn, perValue, perValueGroups, product, variants, type Geometry, type GpuKernelsOf, type Operands } from './kernel.js';

/**
 * Packed: the kernel in its TF layout with the batch norm folded in ([kh][kw][cin][cout], or
 * [kh][kw][c] for depthwise: the output channel fastest), then the bias ([cout] or [c], zeros when
 * there is none).
 */
function withBias(w: OpWeights, channels: number): Float32Array {
  const { kernel, bias } = folded(w);
  const out = new Float32Array(kernel.length + channels);
  out.set(kernel);
  if (bias) out.set(bias.subarray(0, channels), kernel.length);
  return out;
}

const WINDOW = ['x', 'out', 'count', 'h', 'wd', 'oh', 'ow', 'kh', 'kw', 'stride', 'top', 'left'] as const;

// i = ((n·oh + oy)·ow + ox)·channels + channel
const position = (channels: string) => `
  let ch = i % ${channels};
  let q = i / ${channels};
  let ox = q % p.ow;
  let oy = (q / p.ow) % p.oh;
  let n = q / (p.ow * p.oh);
  let y0 = i32(oy * p.stride) - i32(p.top);
  let x0 = i32(ox * p.stride) - i32(p.left);`;

const conv = variants((a: Activation) => perValue([...WINDOW, 'cin', 'cout'] as const, `${position('p.cout')}
  var acc = w[p.kh * p.kw * p.cin * p.cout + ch];
  for (var ky = 0u; ky < p.kh; ky++) {
    let iy = y0 + i32(ky);
    if (iy < 0 || iy >= i32(p.h)) { continue; }
    for (var kx = 0u; kx < p.kw; kx++) {
      let ix = x0 + i32(kx);
      if (ix < 0 || ix >= i32(p.wd)) { continue; }
      let xb = p.x + ((n * p.h + u32(iy)) * p.wd + u32(ix)) * p.cin;
      let wb = (ky * p.kw + kx) * p.cin * p.cout + ch;
      for (var c = 0u; c < p.cin; c++) { acc += arena[xb + c] * w[wb + c * p.cout]; }
    }
  }
  arena[p.out + i] = act(acc);`, activationFn('act', a)));

const depthwise = variants((a: Activation) => perValue([...WINDOW, 'c'] as const, `${position('p.c')}
  var acc = w[p.kh * p.kw * p.c + ch];
  for (var ky = 0u; ky < p.kh; ky++) {
    let iy = y0 + i32(ky);
    if (iy < 0 || iy >= i32(p.h)) { continue; }
    let row = p.x + (n * p.h + u32(iy)) * p.wd * p.c + ch;
    for (var kx = 0u; kx < p.kw; kx++) {
      let ix = x0 + i32(kx);
      if (ix < 0 || ix >= i32(p.wd)) { continue; }
      acc += arena[row + u32(ix) * p.c] * w[(ky * p.kw + kx) * p.c + ch];
    }
  }
  arena[p.out + i] = act(acc);`, activationFn('act', a)));

/** The parameters both window kernels share: operands, values to compute, and the window's geometry. */
function windowFields(op: { kernel: readonly [number, number]; stride: number; pads: readonly number[] }, g: Geometry, at: Operands) {
  const [h, wd] = g.input as [number, number], [oh, ow] = g.output as [number, number];
  const [kh, kw] = op.kernel;
  return { x: at.x, out: at.out, count: g.images * product(g.output), h, wd, oh, ow, kh, kw, stride: op.stride, top: op.pads[0]!, left: op.pads[1]! };
}

export const windowKernels: GpuKernelsOf<'conv2d' | 'depthwiseConv2d'> = {
  conv2d: {
    pack: (op, w) => withBias(w, op.cout),
    dispatches(op, g, at) {
      const s = conv(op.activation);
      const f = windowFields(op, g, at);
      return [{ code: s.code, params: s.paramsOf({ ...f, cin: op.cin, cout: op.cout }), groups: perValueGroups(f.count) }];
    },
  },
  depthwiseConv2d: {
    pack: (op, w) => withBias(w, op.c),
    dispatches(op, g, at) {
      const s = depthwise(op.activation);
      const f = windowFields(op, g, at);
      return [{ code: s.code, params: s.paramsOf({ ...f, c: op.c }), groups: perValueGroups(f.count) }];
    },
  },
};
