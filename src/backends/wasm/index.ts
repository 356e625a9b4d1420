import type { Backend, BackendOptions } from '../backend.js';
import { compileWasm } from './compile.js';
import { sharedHeap } from './heap.js';
import { createWasmOps } from './ops.js';

export type { WasmCompiledModel } from './compile.js';

/**
 * The fast path: the ops API and compiled plans on the embedded AssemblyScript SIMD kernels.
 * Every wasm backend of a process on one kernel build (BackendOptions.kernels) shares its instance and memory.
 */
export async function createWasmBackend(options: BackendOptions = {}): Promise<Backend> {
  const heap = await sharedHeap(options);
  return { name: 'wasm', kernels: heap.build, ...createWasmOps(heap), compile: (plan, weights, options) => compileWasm(heap, plan, weights, options) };
}
