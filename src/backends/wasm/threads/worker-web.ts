// The Web Worker entry of the wasm backend's threads (browsers, Deno, Bun): see worker-loop.ts.
import { workerLoop } from './worker-loop.js';
import type { ToWorker } from './protocol.js';

const scope = globalThis as unknown as { postMessage(m: unknown): void; onmessage: ((e: { data: ToWorker }) => void) | null };
const handle = workerLoop((m) => scope.postMessage(m));
scope.onmessage = (e) => void handle(e.data);
