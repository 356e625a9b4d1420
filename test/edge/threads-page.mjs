// Run by test/browser-threads.test.ts in chromium, bundled by esbuild: B0 at 64×64 on 2 threads
// against 1, on the page's main thread and, when the page says so, in a Web Worker running this
// same bundle. The worker threads run thread-worker.js, bundled apart from effnet/thread-worker.js.
import { buildPlan, createBackend, randomInput, randomWeights } from 'effnet';

async function job() {
  const plan = buildPlan('b0', { resolution: 64 });
  const weights = randomWeights(plan, 1);
  const x = randomInput([2, 64, 64, 3], 3);
  const one = (await createBackend('wasm')).compile(plan, weights).run(x);
  const backend = await createBackend('wasm', { threads: 2, threadWorker: new URL('thread-worker.js', location.href) });
  const two = backend.compile(plan, weights).run(x);
  return { crossOriginIsolated, threads: backend.threads, logits: one.data.length, identical: one.data.every((v, i) => Object.is(v, two.data[i])) };
}

const inWorker = typeof document === 'undefined';
const inPage = async () => {
  const main = await job();
  if (!new URL(location.href).searchParams.has('worker')) return { main };
  const worker = new Worker('threads-page.js', { type: 'module' });
  const fromWorker = await new Promise((ok, fail) => {
    worker.onmessage = (e) => ok(e.data);
    worker.onerror = (e) => fail(new Error(`the page's worker failed: ${e.message}`));
  });
  return { main, worker: fromWorker };
};
const result = (inWorker ? job() : inPage()).catch((e) => ({ error: String(e?.stack ?? e) }));
if (inWorker) postMessage(await result);
else document.body.dataset.result = JSON.stringify(await result);
