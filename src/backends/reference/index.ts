import type { Backend, ConvOptions } from '../backend.js';
import { Tensor } from '../../tensor/tensor.js';
import { compileReference } from './compile.js';
import { conv2d, dense, depthwiseConv2d } from './conv.js';
import { add, batchNorm, globalAvgPool, map, mul, softmax } from './elementwise.js';

const UNIT: ConvOptions = { strides: 1, pads: [0, 0, 0, 0] };

// Squeeze-excitation as its parts: the mean of each channel, a 1×1 reduce with swish,
// a 1×1 expand with sigmoid, and the per-channel scale.
function squeezeExcite(x: Tensor, wReduce: Tensor, bReduce: Tensor, wExpand: Tensor, bExpand: Tensor): Tensor {
  const [n, , , c] = x.shape as [number, number, number, number];
  const squeezed = globalAvgPool(x).reshape([n, 1, 1, c]);
  const reduced = conv2d(squeezed, wReduce, bReduce, { ...UNIT, activation: 'swish' });
  const scale = conv2d(reduced, wExpand, bExpand, { ...UNIT, activation: 'sigmoid' });
  return mul(x, scale);
}

// ndarray compiles each view class with new Function on first use; runtimes that forbid code
// generation (Cloudflare Workers) refuse that, so ask once, up front, instead of failing mid-run.
function codeGenerationAllowed(): boolean {
  try {
    return new Function('return true')() === true;
  } catch {
    return false;
  }
}

/** The oracle: every op a plain loop over ndarray views, written to be read. */
export function createReferenceBackend(): Backend {
  if (!codeGenerationAllowed()) {
    throw new Error(
      "the reference backend cannot run here: its ndarray views need code generation, which this runtime forbids; use the wasm backend (createBackend('wasm', { wasmModule }))",
    );
  }
  const ops = {
    conv2d,
    depthwiseConv2d,
    batchNorm,
    activation: map,
    sigmoid: (x: Tensor) => map(x, 'sigmoid'),
    swish: (x: Tensor) => map(x, 'swish'),
    relu: (x: Tensor) => map(x, 'relu'),
    add,
    mul,
    globalAvgPool,
    dense,
    softmax,
    squeezeExcite,
  };
  return { name: 'reference', ...ops, compile: (plan, weights) => compileReference(ops, plan, weights) };
}
