// This engine: the wasm backend (the one measured against the peers) and the reference backend
// (seconds a run: timed apart, on the smallest case only). With `imageByImage`, a batch runs as one
// model.run per image on its own model: beside the batch folded into the kernels, in the same turns,
// it measures what folding gains (a busy spell on the machine falls on both alike).
// Node's entry: the core with worker_threads registered, for threads > 1.
import { createBackend, Tensor } from '../../dist/src/index.node.js';

export async function effnetEngine(backendName, threads = 1, { imageByImage = false } = {}) {
  const backend = await createBackend(backendName, { threads });
  let model = null, variant = null, images = [];
  const runAll = () => images.map((x) => model.run(x));
  return {
    name: `effnet ${backendName}${threads > 1 ? `, ${threads} threads` : ''}${imageByImage ? ', image by image' : ''}`,
    info: { backend: backendName, threads: backend.threads ?? 1, ...(backend.kernels ? { kernels: backend.kernels } : {}), ...(imageByImage ? { imageByImage } : {}) },
    /** Image by image only where there is a batch to split. */
    wants: (k) => !imageByImage || k.batch > 1,
    prepare(k) {
      if (variant !== k.variant) {
        model?.dispose?.();
        model = backend.compile(k.plan, k.weights);
        variant = k.variant;
      }
      const [n, ...image] = k.x.shape;
      const size = k.x.size / n;
      images = imageByImage ? Array.from({ length: n }, (_, i) => new Tensor([1, ...image], k.x.data.slice(i * size, (i + 1) * size))) : [k.x];
    },
    run() {
      const t0 = performance.now();
      runAll();
      return performance.now() - t0;
    },
    logits() {
      const outs = runAll();
      if (outs.length === 1) return outs[0].data;
      const all = new Float32Array(outs.reduce((a, t) => a + t.size, 0));
      let at = 0;
      for (const t of outs) {
        all.set(t.data, at);
        at += t.size;
      }
      return all;
    },
    get memory() {
      return model?.memory;
    },
    close() {
      model?.dispose?.();
    },
  };
}
