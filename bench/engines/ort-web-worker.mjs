// One onnxruntime-web instance in its own worker: the wasm backend's thread count is fixed when
// it first initialises, once per isolate, so 1 and 2 threads need two isolates. The worker times
// session.run itself, so the message round trip is not counted.
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

const ort = await import('onnxruntime-web');
ort.env.wasm.numThreads = workerData.numThreads;
const osThreads = () => Number(/^Threads:\s*(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN);
let session = null;
let feeds = null;

const handlers = {
  async load({ path }) {
    await session?.release();
    const before = osThreads();
    session = await ort.InferenceSession.create(path, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    return { threads: ort.env.wasm.numThreads, osThreadsAdded: osThreads() - before };
  },
  input({ data, dims }) {
    feeds = { input: new ort.Tensor('float32', data, dims) };
    return {};
  },
  async run() {
    const t0 = performance.now();
    await session.run(feeds);
    return { ms: performance.now() - t0 };
  },
  async logits() {
    const out = await session.run(feeds);
    return { logits: out.logits.data };
  },
  async close() {
    await session?.release();
    session = null;
    return {};
  },
};

parentPort.on('message', async (m) => {
  try {
    parentPort.postMessage({ ok: true, ...(await handlers[m.type](m)) });
  } catch (e) {
    parentPort.postMessage({ ok: false, error: String(e?.message ?? e).split('\n')[0] });
  }
});
