import type { Backend, BackendName, BackendOptions } from './backend.js';
import { createReferenceBackend } from './reference/index.js';
import { createWasmBackend } from './wasm/index.js';
import { createWebGpuBackend, type WebGpuBackend } from './webgpu/index.js';

/** Any backend: the CPU ones with the synchronous ops API, or the GPU one. */
export type AnyBackend = Backend | WebGpuBackend;

// One device per GPU object for the process, as the wasm backends share one instance: every model
// made with `backend: 'webgpu'` (a verify run makes dozens) shares it, until it is lost.
const gpuBackends = new Map<GPU | undefined, Promise<WebGpuBackend>>();
function sharedWebGpuBackend(options: BackendOptions): Promise<WebGpuBackend> {
  const key = options.gpu;
  let pending = gpuBackends.get(key);
  if (!pending) {
    pending = createWebGpuBackend(options);
    gpuBackends.set(key, pending);
    pending.then(
      (b) => void b.device.lost.then(() => gpuBackends.get(key) === pending && gpuBackends.delete(key)),
      () => gpuBackends.get(key) === pending && gpuBackends.delete(key),
    );
  }
  return pending;
}

/**
 * A backend by name. 'reference' and 'wasm' expose the same ops API on NHWC tensors; 'webgpu'
 * compiles plans only, answering asynchronously (`await model.predict(x)`), on `options.gpu` or
 * the runtime's navigator.gpu. `wasmModule` is the precompiled `effnet/effnet.wasm` (or
 * `effnet/effnet-relaxed.wasm`), for runtimes that forbid compiling Wasm from bytes; `kernels`
 * picks the wasm kernel build (BackendOptions).
 */
export async function createBackend(name: 'webgpu', options?: BackendOptions): Promise<WebGpuBackend>;
export async function createBackend(name?: 'reference' | 'wasm', options?: BackendOptions): Promise<Backend>;
export async function createBackend(name?: BackendName, options?: BackendOptions): Promise<AnyBackend>;
export async function createBackend(name: BackendName = 'wasm', options: BackendOptions = {}): Promise<AnyBackend> {
  switch (name) {
    case 'reference':
      return createReferenceBackend();
    case 'wasm':
      return createWasmBackend(options);
    case 'webgpu':
      return sharedWebGpuBackend(options);
    default:
      throw new Error(`unknown backend '${String(name)}' (expected wasm, reference or webgpu)`);
  }
}
