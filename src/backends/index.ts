import type { Backend, BackendName, BackendOptions } from './backend.js';
import { createReferenceBackend } from './reference/index.js';
import { createWasmBackend } from './wasm/index.js';

/**
 * A backend by name; both expose the same ops API on NHWC tensors. `wasmModule` is the
 * precompiled `effnet/effnet.wasm` (or `effnet/effnet-relaxed.wasm`), for runtimes that forbid
 * compiling Wasm from bytes; `kernels` picks the wasm kernel build (BackendOptions).
 */
export async function createBackend(name: BackendName = 'wasm', options: BackendOptions = {}): Promise<Backend> {
  switch (name) {
    case 'reference':
      return createReferenceBackend();
    case 'wasm':
      return createWasmBackend(options);
    default:
      throw new Error(`unknown backend '${String(name)}' (expected wasm or reference)`);
  }
}
