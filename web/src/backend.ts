import { createBackend, type Backend } from '../../src/index.js';
import type { BackendChoice } from './protocol.js';

export interface Chosen {
  backend: Backend;
  /** Shown on the page whenever the fast path is not the one running. */
  notice?: string;
}

/** The WASM SIMD backend when it can be created, else the reference one with a notice saying why. */
export async function chooseBackend(wanted: BackendChoice): Promise<Chosen> {
  if (wanted === 'reference') return { backend: await createBackend('reference'), notice: 'Running the pure-TypeScript reference backend, as ?backend=reference asks.' };
  try {
    return { backend: await createBackend('wasm') };
  } catch (e) {
    return { backend: await createBackend('reference'), notice: fallbackNotice(e) };
  }
}

export function fallbackNotice(e: unknown): string {
  return `The WASM SIMD backend is unavailable (${(e as Error).message}); running the pure-TypeScript reference backend, which is slower.`;
}
