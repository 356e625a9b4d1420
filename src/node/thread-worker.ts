// A worker thread of the wasm backend in Node (started by threads.ts): see worker-loop.ts.
import { parentPort } from 'node:worker_threads';
import type { ToWorker } from '../backends/wasm/threads/protocol.js';
import { workerLoop } from '../backends/wasm/threads/worker-loop.js';

const port = parentPort!;
const handle = workerLoop((m) => port.postMessage(m));
port.on('message', (m: ToWorker) => void handle(m));
