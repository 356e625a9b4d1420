import type { Backend, BackendOptions } from '../backend.js';
import { compileWasm } from './compile.js';
import { sharedHeap } from './heap.js';
import { createWasmOps } from './ops.js';
import { threadedKernels } from './threads/instance.js';
import type { ThreadPool } from './threads/pool.js';

export type { WasmCompiledModel } from './compile.js';

/** Threads at most: more than a machine has only adds waiting. */
export const MAX_THREADS = 64;

const warned = new Set<string>();

/**
 * The fast path: the ops API and compiled plans on the embedded AssemblyScript SIMD kernels.
 * Every wasm backend of a process on one kernel build (BackendOptions.kernels) shares its
 * instance and memory; with `threads` > 1, one on shared memory with a pool of workers.
 */
export async function createWasmBackend(options: BackendOptions = {}): Promise<Backend> {
  const threads = options.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
    throw new Error(`threads must be an integer from 1 to ${MAX_THREADS}, got ${String(threads)}`);
  }
  let heap = await sharedHeap(options);
  let pool: ThreadPool | undefined;
  if (threads > 1) {
    const threaded = options.wasmModule ? 'it was given a precompiled wasmModule, which has no shared memory' : await threadedKernels(heap.build, threads, options.threadWorker);
    if (typeof threaded === 'string') {
      const line = `effnet: ${threads} threads asked for, running on one: ${threaded}`;
      if (!warned.has(line)) console.warn(line);
      warned.add(line);
    } else {
      ({ heap, pool } = threaded);
    }
  }
  return {
    name: 'wasm',
    kernels: heap.build,
    threads: pool?.threads ?? 1,
    ...createWasmOps(heap),
    compile: (plan, weights, compileOptions) => compileWasm(heap, plan, weights, compileOptions, pool),
  };
}
