// The page's worker: every model load, decode and inference runs here, so the main thread only
// draws. Requests are served one at a time, in the order they arrive.
import { CheckpointError, EfficientNet, parseVariant, randomInput, type AnyBackend, type Classifier } from '../../src/index.js';
import { topK } from '../../src/image/labels.js';
import { chooseBackend, fallbackNotice } from './backend.js';
import { checkpointFromFiles, fetchDefaultCheckpoint } from './checkpoint.js';
import { decodeImage } from './decode.js';
import { describeModel, loadClassifier } from './models.js';
import type { BackendChoice, Reply, Request } from './protocol.js';
import { median, timedRun } from './timing.js';

const post = (reply: Reply) => self.postMessage(reply);
const asked = new URLSearchParams(self.location.search).get('backend');
const wanted: BackendChoice | undefined = asked === 'reference' || asked === 'wasm' || asked === 'webgpu' ? asked : undefined;

/** Runs before a benchmark's timed ones; web/bench.mjs makes as many in Node. */
const WARMUP_RUNS = 3;

let backend: AnyBackend;
let classifier: Classifier | undefined;
/** Why the page is not on its fast path, or has no model: shown above everything else. */
const notices: string[] = [];

function announce(): void {
  post({ type: 'ready', backend: backend.name, threads: (backend.name === 'wasm' && backend.threads) || 1, notice: notices.join(' ') || undefined, model: classifier && describeModel(classifier) });
}

// A model that fails to compile on the GPU (a limit it passes) is retried on wasm, and one that
// fails on wasm on the reference backend; a checkpoint that is wrong in itself fails the same way
// on every backend, so it is not retried.
async function withFallback<T>(make: (b: AnyBackend) => Promise<T>): Promise<T> {
  try {
    return await make(backend);
  } catch (e) {
    if (backend.name === 'reference' || e instanceof CheckpointError) throw e;
    const next = backend.name === 'webgpu' ? 'wasm' : 'reference';
    const { backend: other } = await chooseBackend(next);
    const result = await make(other);
    backend = other;
    notices.push(next === 'wasm' ? `WebGPU could not run this model (${(e as Error).message}); running the WASM SIMD backend.` : fallbackNotice(e));
    announce();
    return result;
  }
}

async function start(): Promise<void> {
  const chosen = await chooseBackend(wanted);
  backend = chosen.backend;
  if (chosen.notice) notices.push(chosen.notice);
  try {
    const checkpoint = await fetchDefaultCheckpoint(self.location.href);
    classifier = await withFallback((b) => loadClassifier(checkpoint, b));
  } catch (e) {
    notices.push(`No default model: ${(e as Error).message}`);
  }
  announce();
}

async function handle(req: Request): Promise<void> {
  switch (req.type) {
    case 'classify': {
      if (!classifier) throw new Error('no model is loaded: load a checkpoint first');
      const image = await decodeImage(req.image, req.name);
      const x = classifier.preprocess([image]);
      const { logits, totalMs, runs, layers, method } = await timedRun(classifier.model, x);
      const top = topK(logits, classifier.labels, 5)[0]!;
      post({ type: 'result', id: req.id, top, totalMs, runs, layers, method, image: { width: image.width, height: image.height } });
      return;
    }
    case 'load': {
      post({ type: 'progress', id: req.id, message: `Reading ${req.files.length} file(s)…` });
      const variant = req.variant.trim() ? parseVariant(req.variant) : undefined;
      const checkpoint = await checkpointFromFiles(req.files);
      const loaded = await withFallback((b) => loadClassifier(checkpoint, b, variant));
      classifier?.model.dispose();
      classifier = loaded;
      post({ type: 'loaded', id: req.id, model: describeModel(classifier) });
      return;
    }
    case 'bench': {
      const variant = parseVariant(req.variant);
      const model = await withFallback((b) => EfficientNet.create({ variant, seed: 1, backend: b }));
      const x = randomInput([1, model.plan.resolution, model.plan.resolution, 3], 42);
      // Warm-up: wasm functions start on the baseline compiler and tier up once they are hot.
      for (let i = 0; i < WARMUP_RUNS; i++) await model.predict(x);
      const runsMs: number[] = [];
      for (let i = 0; i < req.runs; i++) {
        const t0 = performance.now();
        await model.predict(x);
        runsMs.push(performance.now() - t0);
        post({ type: 'progress', id: req.id, message: `Benchmark run ${i + 1}/${req.runs}: ${runsMs[i]!.toFixed(1)} ms` });
      }
      post({ type: 'bench', id: req.id, variant: model.plan.coefficients.name, resolution: model.plan.resolution, backend: backend.name, runsMs, medianMs: median(runsMs) });
      model.dispose();
      return;
    }
  }
}

let queue: Promise<void> = start().catch((e) => post({ type: 'error', message: `the worker failed to start: ${(e as Error).message}` }));
self.onmessage = (event: MessageEvent<Request>) => {
  const req = event.data;
  queue = queue.then(() => handle(req)).catch((e) => post({ type: 'error', id: req.id, message: (e as Error).message }));
};
