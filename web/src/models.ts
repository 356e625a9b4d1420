import { Classifier, Tensor, type AnyBackend, type Checkpoint, type Variant } from '../../src/index.js';
import type { ModelInfo } from './protocol.js';

/**
 * A checkpoint as a Classifier: the same class, pipeline and labels `effnet classify` uses. One
 * run on zeros at load pays for the first run's extra costs (wasm tier-up, memory growth), so
 * the latency the page shows for an image is the model's own.
 */
export async function loadClassifier(checkpoint: Checkpoint, backend: AnyBackend, variant?: Variant): Promise<Classifier> {
  const classifier = await Classifier.load(checkpoint, { backend, variant });
  const size = classifier.pipeline.size;
  await classifier.model.predict(new Tensor([1, size, size, 3]));
  return classifier;
}

export function describeModel(c: Classifier): ModelInfo {
  const info = c.model.checkpoint;
  const s = c.model.summary();
  return {
    name: info?.name ?? s.name,
    source: info ? `${info.format}, ${info.family} names` : 'seeded weights',
    variant: s.name,
    resolution: c.pipeline.size,
    classes: c.labels.length,
    params: s.params,
  };
}
