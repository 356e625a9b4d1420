// The op table: every kind of fused op (../../fused/ops.ts) and the wasm kernel that runs it. Each
// kernel file exports its family's entries; a new op in a family is one entry there plus its
// assembly/ kernel.
import type { FusedOp } from '../../fused/ops.js';
import type { KernelExports } from '../module.js';
import type { Geometry, Kernel, Kind, Operands } from './kernel.js';
import { windowKernels } from './window.js';
import { expandDepthwiseKernels } from './expand-depthwise.js';
import { exciteProjectKernels } from './excite-project.js';
import { elementwiseKernels } from './elementwise.js';
import { pointwiseKernels } from './pointwise.js';
import { reduceKernels } from './reduce.js';
import { squeezeExciteKernels } from './squeeze-excite.js';

export const KERNELS: { readonly [K in Kind]: Kernel<K> } = {
  ...pointwiseKernels,
  ...windowKernels,
  ...expandDepthwiseKernels,
  ...squeezeExciteKernels,
  ...exciteProjectKernels,
  ...elementwiseKernels,
  ...reduceKernels,
};

/** The table entry for a kind, typed by it. */
export function kernelFor<K extends Kind>(kind: K): Kernel<K> {
  return KERNELS[kind];
}

/** Runs a step whole, every unit on this thread. */
export function runStep(k: KernelExports, op: FusedOp, g: Geometry, at: Operands): void {
  const kernel = kernelFor(op.kind);
  kernel.run(k, op, g, at, 0, kernel.units(op, g));
}
