// The work every edge example does, from bytes only (no file system, no node: imports): classify
// a sample JPEG with the shipped Fashion-MNIST model, and run B0 with seeded weights. Each
// runtime's entry file only says how it gets the bytes and, on Workers, the precompiled kernels.
import { Classifier, EfficientNet, decodeJpeg, randomInput } from 'effnet';

/** Top-3 of the sample image under the shipped model (its pipeline and classes come from its metadata). */
export async function classifySample({ modelBytes, imageBytes, wasmModule }) {
  const classifier = await Classifier.load({ format: 'safetensors', bytes: modelBytes, name: 'fashion-effnet.safetensors' }, { wasmModule });
  const [top] = classifier.classify([decodeJpeg(imageBytes, 'sample.jpg')], { top: 3 });
  classifier.model.dispose();
  return top;
}

/** B0 @224 with seeded weights (seed 1) on a seeded input (seed 42): the model and its input. */
export async function seededB0({ wasmModule } = {}) {
  const model = await EfficientNet.create({ variant: 'b0', seed: 1, wasmModule });
  return { model, input: randomInput([1, 224, 224, 3], 42) };
}

/** The logits of the seeded B0 and the median of `runs` timed runs (where the runtime's clock moves). */
export async function runSeededB0({ wasmModule, runs = 10 } = {}) {
  const { model, input } = await seededB0({ wasmModule });
  const logits = Array.from(model.run(input).data);
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    model.run(input);
    ms.push(performance.now() - start);
  }
  model.dispose();
  ms.sort((a, b) => a - b);
  return { logits, medianMs: runs > 0 ? ms[Math.floor(runs / 2)] : null };
}

/** Everything an example prints: one JSON line. */
export async function edgeJob({ runtime, modelBytes, imageBytes, wasmModule, runs }) {
  const top = await classifySample({ modelBytes, imageBytes, wasmModule });
  const b0 = await runSeededB0({ wasmModule, runs });
  return { runtime, top, b0 };
}
