import { createBackend, type AnyBackend } from '../../src/index.js';
import type { BackendChoice } from './protocol.js';

export interface Chosen {
  backend: AnyBackend;
  /** Shown on the page whenever the fast path is not the one running. */
  notice?: string;
}

/**
 * WebGPU where the browser has an adapter (unless ?backend= asks for another), else the WASM SIMD
 * backend, else the reference one, with a notice saying why whenever it is not the one asked for.
 */
export async function chooseBackend(wanted: BackendChoice | undefined): Promise<Chosen> {
  if (wanted === 'reference') return { backend: await createBackend('reference'), notice: 'Running the pure-TypeScript reference backend, as ?backend=reference asks.' };
  let gpuNotice: string | undefined;
  if (wanted === undefined || wanted === 'webgpu') {
    try {
      return { backend: await createBackend('webgpu') };
    } catch (e) {
      // a browser without WebGPU is the common case; say so only when WebGPU was asked for
      if (wanted === 'webgpu') gpuNotice = `WebGPU is unavailable (${(e as Error).message}); running the WASM SIMD backend.`;
    }
  }
  try {
    if (gpuNotice) return { backend: await createBackend('wasm'), notice: gpuNotice };
    return { backend: await createBackend('wasm') };
  } catch (e) {
    return { backend: await createBackend('reference'), notice: fallbackNotice(e) };
  }
}

export function fallbackNotice(e: unknown): string {
  return `The WASM SIMD backend is unavailable (${(e as Error).message}); running the pure-TypeScript reference backend, which is slower.`;
}
