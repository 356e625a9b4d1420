// The webgpu op table: every kind of fused op (../../fused/ops.ts) and the kernel that runs it on
// the GPU, beside the wasm table (../../wasm/kernels/table.ts) that has the same kinds.
import type { Kind } from '../../fused/ops.js';
import type { GpuKernel } from './kernel.js';
import { elementwiseKernels } from './elementwise.js';
import { pointwiseKernels } from './pointwise.js';
import { reduceKernels } from './reduce.js';
import { squeezeExciteKernels } from './squeeze-excite.js';
import { windowKernels } from './window.js';

export const GPU_KERNELS: { readonly [K in Kind]: GpuKernel<K> } = {
  ...pointwiseKernels,
  ...windowKernels,
  ...squeezeExciteKernels,
  ...elementwiseKernels,
  ...reduceKernels,
};

export function gpuKernelFor<K extends Kind>(kind: K): GpuKernel<K> {
  return GPU_KERNELS[kind];
}
