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
    const backend = await createBackend('wasm', wasmOptions());
    return gpuNotice ? { backend, notice: gpuNotice } : { backend };
  } catch (e) {
    return { backend: await createBackend('reference'), notice: fallbackNotice(e) };
  }
}

/** Most threads the page asks for: B0's steps gain little beyond four. */
const MAX_PAGE_THREADS = 4;

/**
 * The wasm backend's threads: one per core up to four when the page is cross-origin isolated (`npm
 * run web -- --isolated` serves it so), whose workers run thread-worker.js beside this bundle;
 * otherwise one, as SharedArrayBuffer needs isolation.
 */
export function wasmOptions(): { threads?: number; threadWorker?: URL } {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const threads = isolated ? Math.min(MAX_PAGE_THREADS, navigator.hardwareConcurrency || 1) : 1;
  return threads > 1 ? { threads, threadWorker: new URL('./thread-worker.js', import.meta.url) } : {};
}

export function fallbackNotice(e: unknown): string {
  return `The WASM SIMD backend is unavailable (${(e as Error).message}); running the pure-TypeScript reference backend, which is slower.`;
}
