import { createWebGpuBackend, type WebGpuBackend, type WebGpuOptions } from '../src/backends/webgpu/index.js';
import { nodeGpu } from '../src/node/webgpu.js';
import type { Tensor } from '../src/tensor/tensor.js';

// The webgpu tests' GPU: Dawn's Node binding (the npm package webgpu), on SwiftShader where this
// machine has no GPU adapter (src/node/webgpu.ts sets VK_ICD_FILENAMES for this process before
// Dawn makes its instance). SwiftShader is slow: the tests keep their shapes small.

export async function webGpuBackend(options: Omit<WebGpuOptions, 'gpu'> = {}): Promise<WebGpuBackend> {
  return createWebGpuBackend({ ...options, gpu: await nodeGpu() });
}

/** max |got − want| and max |want|: the tests hold the first to a fraction of the second. */
export function distance(want: Tensor, got: Tensor): { error: number; scale: number; relative: number; at: number } {
  let error = 0, scale = 0, at = -1;
  for (let i = 0; i < want.size; i++) {
    const g = got.data[i]!, v = want.data[i]!;
    // NaN against NaN agrees; NaN against a number is as far as it gets
    const d = Number.isNaN(g) && Number.isNaN(v) ? 0 : Number.isNaN(g - v) ? Infinity : Math.abs(g - v);
    if (d > error) {
      error = d;
      at = i;
    }
    scale = Math.max(scale, Math.abs(want.data[i]!));
  }
  return { error, scale, relative: error / (scale || 1), at };
}
