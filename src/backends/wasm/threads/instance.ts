import type { KernelBuild } from '../../backend.js';
import { Heap } from '../heap.js';
import { IMPORTS, decodeBase64, type KernelExports } from '../module.js';
import { WASM_RELAXED_THREADS_BASE64, WASM_THREADS_BASE64 } from '../module.generated.js';
import { ThreadPool } from './pool.js';
import { threadSpawner } from './spawn.js';

/** Pages of the shared memory at most (4 GiB, wasm32's whole address space): it cannot move, so its maximum is fixed up front. */
const MAX_PAGES = 65536;

export interface Threaded {
  heap: Heap;
  pool: ThreadPool;
}

// One shared-memory instance per build, and one pool per thread count on it.
const instances = new Map<KernelBuild, Promise<{ heap: Heap; module: WebAssembly.Module; memory: WebAssembly.Memory }>>();
const pools = new Map<string, Promise<Threaded>>();

/**
 * The kernels of `build` on a shared memory with `threads − 1` workers, or why this runtime
 * cannot have them (no SharedArrayBuffer, a page that is not cross-origin isolated, no way to
 * start workers). `worker`: the Web Worker script's URL (BackendOptions.threadWorker).
 */
export async function threadedKernels(build: KernelBuild, threads: number, worker?: string | URL): Promise<Threaded | string> {
  const spawn = threadSpawner(worker);
  if (typeof spawn === 'string') return spawn;
  const key = `${build}/${threads}`;
  let pending = pools.get(key);
  // a pool that lost a worker stays broken: the next backend gets a new one on the same memory
  if (pending && (await pending.catch(() => undefined))?.pool.broken) {
    if (pools.get(key) === pending) pools.delete(key);
    pending = pools.get(key);
  }
  if (!pending) {
    pending = (async () => {
      let instance = instances.get(build);
      if (!instance) instances.set(build, (instance = instantiateShared(build)));
      const { heap, module, memory } = await instance;
      return { heap, pool: await ThreadPool.start(spawn, threads, module, memory) };
    })();
    pools.set(key, pending);
    pending.catch(() => pools.delete(key));
  }
  try {
    return await pending;
  } catch (e) {
    return `its worker threads did not start (${(e as Error).message})`;
  }
}

async function instantiateShared(build: KernelBuild) {
  const module = await WebAssembly.compile(decodeBase64(build === 'relaxed-simd' ? WASM_RELAXED_THREADS_BASE64 : WASM_THREADS_BASE64) as BufferSource);
  const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
  const made = await WebAssembly.instantiate(module, { env: { ...IMPORTS.env, memory } });
  const kernels = { ...(made.exports as unknown as KernelExports), memory };
  return { heap: new Heap(kernels), module, memory };
}
