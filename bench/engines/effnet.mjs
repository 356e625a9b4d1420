// This engine: the wasm backend (the one measured against the peers) and the reference backend
// (seconds a run: timed apart, on the smallest case only).
import { createBackend } from '../../dist/src/index.js';

export async function effnetEngine(backendName) {
  const backend = await createBackend(backendName);
  let model = null, variant = null, x = null;
  return {
    name: `effnet ${backendName}`,
    info: { backend: backendName, ...(backend.kernels ? { kernels: backend.kernels } : {}) },
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
