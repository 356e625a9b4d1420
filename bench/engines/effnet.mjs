// This engine: the wasm backend (the one measured against the peers) and the reference backend
// (seconds a run: timed apart, on the smallest case only).
// Node's entry: the core with worker_threads registered, for threads > 1.
import { createBackend } from '../../dist/src/index.node.js';

export async function effnetEngine(backendName, threads = 1) {
  const backend = await createBackend(backendName, { threads });
  let model = null, variant = null, x = null;
  return {
    name: `effnet ${backendName}${threads > 1 ? `, ${threads} threads` : ''}`,
    info: { backend: backendName, threads: backend.threads ?? 1, ...(backend.kernels ? { kernels: backend.kernels } : {}) },
    prepare(k) {
      if (variant !== k.variant) {
        model?.dispose?.();
        model = backend.compile(k.plan, k.weights);
        variant = k.variant;
      }
      x = k.x;
    },
    run() {
      const t0 = performance.now();
      model.run(x);
      return performance.now() - t0;
    },
    logits() {
      return model.run(x).data;
    },
    get memory() {
      return model?.memory;
    },
    close() {
      model?.dispose?.();
    },
  };
}
