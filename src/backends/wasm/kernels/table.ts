// The op table: every kernel of the wasm backend by the kind of step it runs. A new op is one
// entry here (a Kernel, kernel.ts) plus its assembly/ file.
import type { FusedOp } from '../fuse.js';
import type { KernelExports } from '../module.js';
import type { Geometry, Kernel, Kind, Operands } from './kernel.js';
import { conv2d } from './conv2d.js';
import { depthwiseConv2d } from './depthwise.js';
import { activation, add, batchNorm, multiply } from './elementwise.js';
import { pointwise } from './pointwise.js';
import { dense, globalAvgPool, softmax } from './reduce.js';
import { squeezeExcite } from './squeeze-excite.js';

export const KERNELS: { readonly [K in Kind]: Kernel<K> } = {
  pointwise,
  conv2d,
  depthwiseConv2d,
  squeezeExcite,
  batchNorm,
  activation,
  add,
  multiply,
  globalAvgPool,
  dense,
  softmax,
};

/** The table entry for a step, typed by its kind. */
export function kernelFor<K extends Kind>(kind: K): Kernel<K> {
  return KERNELS[kind] as Kernel<K>;
}

/** Runs a step whole, every unit on this thread. */
export function runStep(k: KernelExports, op: FusedOp, g: Geometry, at: Operands): void {
  const kernel = kernelFor(op.kind) as Kernel<Kind>;
  kernel.run(k, op as never, g, at, 0, kernel.units(op as never, g));
}
