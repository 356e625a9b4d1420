// How this runtime starts a worker thread. Browsers, Deno and Bun have Web Workers (a global
// `Worker`); Node has worker_threads, which the core may not import: effnet's Node entry
// (src/index.node.ts, what `import 'effnet'` resolves to in Node) registers it here.

/** A started worker, whatever the runtime calls it. */
export interface ThreadPort {
  post(message: unknown): void;
  onMessage(handler: (message: unknown) => void): void;
  onError(handler: (error: Error) => void): void;
  terminate(): void;
  /**
   * Calls `handler` once the worker has died, with how (`code 1`), so that the pool stops
   * waiting for it. A Web Worker has no exit event: its 'error' event is the sign there.
   */
  onExit?(handler: (how: string) => void): void;
  /** Lets the process end while this worker idles (Node); called once it is ready. */
  unref?(): void;
}

export type Spawn = () => ThreadPort;

let registered: Spawn | undefined;

/** Sets how worker threads are started (Node's entry does: src/node/threads.ts). */
export function setThreadSpawner(spawn: Spawn): void {
  registered = spawn;
}

type WebWorker = {
  postMessage(m: unknown): void;
  onmessage: ((e: { data: unknown }) => void) | null;
  onerror: ((e: { message?: string }) => void) | null;
  addEventListener(type: 'error', listener: (e: { message?: string }) => void): void;
  terminate(): void;
};

/**
 * A way to start workers here, or why there is none. A Web Worker runs `script`
 * (BackendOptions.threadWorker), else worker-web.js beside this module: a bundle has no such file.
 */
export function threadSpawner(script?: string | URL): Spawn | string {
  if (typeof SharedArrayBuffer !== 'function') {
    return 'this runtime has no SharedArrayBuffer (a browser page must be cross-origin isolated: COOP same-origin and COEP require-corp)';
  }
  if ((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false) return 'this page is not cross-origin isolated (COOP and COEP headers), so it cannot share memory with workers';
  if (registered) return registered;
  const Worker = (globalThis as { Worker?: new (url: string | URL, options: { type: 'module' }) => WebWorker }).Worker;
  if (typeof Worker !== 'function') return 'this runtime cannot start worker threads';
  const url = script ?? new URL('./worker-web.js', import.meta.url);
  return () => {
    const worker = new Worker(url, { type: 'module' });
    return {
      post: (m) => worker.postMessage(m),
      onMessage: (h) => void (worker.onmessage = (e) => h(e.data)),
      onError: (h) => void (worker.onerror = (e) => h(new Error(e.message ?? 'worker failed to start'))),
      terminate: () => worker.terminate(),
      onExit: (h) => worker.addEventListener('error', (e) => h(`after an error: ${e.message ?? 'unknown'}`)),
    };
  };
}
