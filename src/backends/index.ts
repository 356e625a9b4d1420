import type { Backend, BackendName } from './backend.js';
import { createReferenceBackend } from './reference/index.js';
import { createWasmBackend } from './wasm/index.js';

/** A backend by name; both expose the same ops API on NHWC tensors. */
export async function createBackend(name: BackendName = 'wasm'): Promise<Backend> {
  switch (name) {
    case 'reference':
      return createReferenceBackend();
    case 'wasm':
      return createWasmBackend();
    default:
      throw new Error(`unknown backend '${String(name)}' (expected wasm or reference)`);
  }
}
