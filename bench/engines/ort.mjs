// The onnxruntime peers, on effnet's seeded network exported to ONNX (bench/onnx-model.mjs):
// onnxruntime-node (native MLAS kernels, the ceiling a Wasm engine is measured against) with
// intraOpNumThreads 1 and 2, and onnxruntime-web's wasm backend (SIMD) with 1 and 2 threads,
// each in its own worker. Inputs are NCHW, transposed once before timing, as an ORT user feeds them.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ensureNative, nativeRequire } from '../native.mjs';

const require = createRequire(import.meta.url);
const native = nativeRequire();
// onnxruntime-web's exports map hides its package.json: walk up from its entry point instead.
const version = (pkg) => {
  try {
    const resolve = pkg === 'onnxruntime-node' ? native.resolve : require.resolve;
    for (let dir = dirname(resolve(pkg)); dir !== dirname(dir); dir = dirname(dir)) {
      const file = join(dir, 'package.json');
      if (existsSync(file)) {
        const json = JSON.parse(readFileSync(file, 'utf8'));
        if (json.name === pkg) return json.version;
      }
    }
  } catch {
    // not installed
  }
  return null;
};

/** NHWC → NCHW. */
export function toNchw(x) {
  const [n, h, w, c] = x.shape;
  const out = new Float32Array(x.size);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h; y++)
      for (let i = 0; i < w; i++)
        for (let k = 0; k < c; k++) out[((b * c + k) * h + y) * w + i] = x.data[((b * h + y) * w + i) * c + k];
  return out;
}

const dimsOf = (x) => [x.shape[0], x.shape[3], x.shape[1], x.shape[2]];

/** onnxruntime-node with intraOpNumThreads = threads; null with a reason when it will not load. */
export async function ortNodeEngine(threads) {
  let ort;
  try {
    ensureNative();
    ort = native('onnxruntime-node');
  } catch (e) {
    return { skipped: `onnxruntime-node did not load: ${String(e.message).split('\n')[0]}` };
  }
  ort = ort.default ?? ort;
  let session = null, feeds = null, path = null;
  return {
    name: `onnxruntime-node ${version('onnxruntime-node')} cpu, ${threads} thread${threads > 1 ? 's' : ''}`,
    info: { package: 'onnxruntime-node', version: version('onnxruntime-node'), intraOpNumThreads: threads },
    needsOnnx: true,
    async prepare(k) {
      if (path !== k.onnx) {
        await session?.release();
        session = await ort.InferenceSession.create(k.onnx, { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
        path = k.onnx;
      }
      feeds = { input: new ort.Tensor('float32', k.nchw, dimsOf(k.x)) };
    },
    async run() {
      const t0 = performance.now();
      await session.run(feeds);
      return performance.now() - t0;
    },
    async logits() {
      return (await session.run(feeds)).logits.data;
    },
    async close() {
      await session?.release();
    },
  };
}

/** onnxruntime-web's wasm backend with env.wasm.numThreads = threads, in a worker of its own. */
export async function ortWebEngine(threads, log) {
  if (!version('onnxruntime-web')) return { skipped: 'onnxruntime-web is not installed (npm install in a checkout)' };
  const worker = new Worker(new URL('./ort-web-worker.mjs', import.meta.url), { workerData: { numThreads: threads } });
  worker.unref();
  const call = (msg, transfer) => new Promise((resolve, reject) => {
    const onMessage = (r) => {
      worker.off('error', onError);
      r.ok ? resolve(r) : reject(new Error(`onnxruntime-web (${threads} threads): ${r.error}`));
    };
    const onError = (e) => {
      worker.off('message', onMessage);
      reject(e);
    };
    worker.once('message', onMessage);
    worker.once('error', onError);
    worker.postMessage(msg, transfer);
  });
  let path = null;
  const engine = {
    name: `onnxruntime-web ${version('onnxruntime-web')} wasm, ${threads} thread${threads > 1 ? 's' : ''}`,
    info: { package: 'onnxruntime-web', version: version('onnxruntime-web'), numThreadsRequested: threads },
    needsOnnx: true,
    async prepare(k) {
      if (path !== k.onnx) {
        const r = await call({ type: 'load', path: k.onnx });
        path = k.onnx;
        if (engine.info.numThreads === undefined) {
          engine.info.numThreads = r.threads;
          engine.info.osThreadsStarted = r.osThreadsAdded;
          if (r.threads < threads) log(`${engine.name}: multi-threading could not start, onnxruntime-web runs ${r.threads} thread`);
        }
      }
      const data = k.nchw.slice();
      await call({ type: 'input', data, dims: dimsOf(k.x) }, [data.buffer]);
    },
    async run() {
      return (await call({ type: 'run' })).ms;
    },
    async logits() {
      return (await call({ type: 'logits' })).logits;
    },
    async close() {
      await call({ type: 'close' }).catch(() => {});
      await worker.terminate();
    },
  };
  return engine;
}
