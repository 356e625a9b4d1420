// Worker threads for the wasm backend in Node: worker_threads, which the edge-safe core may not
// import, registered with it (src/backends/wasm/threads/spawn.ts). Imported by effnet's Node
// entry (src/index.node.ts) and by effnet/node.
import { Worker } from 'node:worker_threads';
import { setThreadSpawner } from '../backends/wasm/threads/spawn.js';

// The worker must be JavaScript: run from the sources (the tests), it is the built one.
const here = import.meta.url;
const script = here.endsWith('.ts') ? new URL('../../dist/src/node/thread-worker.js', here) : new URL('./thread-worker.js', here);

setThreadSpawner(() => {
  const worker = new Worker(script);
  return {
    post: (m) => worker.postMessage(m),
    onMessage: (h) => void worker.on('message', h),
    onError: (h) => void worker.on('error', h),
    terminate: () => void worker.terminate(),
    onExit: (h) => void worker.on('exit', (code) => h(`code ${code}`)),
    // idle workers do not keep the process alive (a 'message' listener refs the worker's port)
    unref: () => worker.unref(),
  };
});
