// The webgpu op table: every kind of fused op (../../fused/ops.ts) and the kernel that runs it on
// the GPU, beside the wasm table (../../wasm/kernels/table.ts) that has the same kinds.
import type { Kind } from '../../fused/ops.js';
import type { GpuKernel } from './kernel.js';
import { elementwiseKernels } from './elementwise.js';
import { pointwiseKernels } from './pointwise.js';
import { reduceKernels } from './reduce.js';
import { squeezeExciteKernels } from './squeeze-excite.js';
import { windowKernels } from './window.js';

/**
 * The kinds with a kernel here: all but the composites expandDepthwise and exciteProject, which are
 * a CPU cache matter (a GPU runs their parts as separate dispatches: fusePlan(plan, GPU_KINDS)).
 */
export type GpuKind = Exclude<Kind, 'expandDepthwise' | 'exciteProject'>;

export const GPU_KERNELS: { readonly [K in GpuKind]: GpuKernel<K> } = {
  ...pointwiseKernels,
  ...windowKernels,
  ...squeezeExciteKernels,
  ...elementwiseKernels,
  ...reduceKernels,
};

export const GPU_KINDS = Object.keys(GPU_KERNELS) as GpuKind[];

export function gpuKernelFor<K extends Kind>(kind: K): GpuKernel<K> {
  const kernel = (GPU_KERNELS as { readonly [P in Kind]?: GpuKernel<P> })[kind];
  if (!kernel) throw new Error(`internal error: the webgpu backend has no kernel for ${kind} (fuse with GPU_KINDS)`);
  return kernel;
}
