import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackendName } from '../backends/backend.js';
import { Classifier } from '../image/classifier.js';
import { cropRect, type RgbImage } from '../image/image.js';
import { readNpy } from '../tensor/npy.js';
import { loadCheckpointFile } from './checkpoint.js';
import { readImage } from './decode.js';
import { readBytes } from './files.js';

// The shipped Fashion-MNIST model against what PyTorch made of the same 1,000 test images
// (fixtures/fashion/test-1000.json, written by scripts/train/train_fashion.py): the image
// pipeline and the network together, where the golden cases check the network alone.

export const FASHION_CASE = 'fashion-1000';

/** Agreement and accuracy bounds: top-1 as PyTorch's on ≥ 99.5%, accuracy within 0.5 points. */
export const FASHION_LIMITS = { agreement: 0.995, accuracyDelta: 0.005, logitTolerance: 1e-4 } as const;

interface FashionDoc {
  tile: number;
  columns: number;
  count: number;
  torch_version: string;
  torchvision_version?: string;
  items: { label: number; torch_top1: number }[];
}

export interface FashionResult {
  case: string;
  producer: string;
  backend: BackendName;
  count: number;
  /** Images whose top-1 is PyTorch's. */
  agree: number;
  accuracy: number;
  torchAccuracy: number;
  /** max |ours − torch| over all logits, and max |torch logit|. */
  maxError: number;
  maxLogit: number;
  relative: number;
  tolerance: number;
  failures: string[];
  ok: boolean;
}

/**
 * Runs `fixtures/models/fashion-effnet.safetensors` through its own pipeline on the 1,000 tiles
 * of `fixtures/fashion/test-1000.png` and compares with the stored PyTorch logits and top-1.
 */
export async function checkFashion(fixtures: string, backend: BackendName): Promise<FashionResult> {
  const dir = join(fixtures, 'fashion');
  const docFile = join(dir, 'test-1000.json');
  let doc: FashionDoc;
  try {
    doc = JSON.parse(await readFile(docFile, 'utf8')) as FashionDoc;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`${docFile}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message.split('\n')[0]}`);
  }
  if (!Array.isArray(doc.items) || doc.items.length !== doc.count) throw new Error(`${docFile}: 'items' must list all ${doc.count} images`);
  const torchLogits = readNpy(await readBytes(join(dir, 'test-1000-logits.npy')), join(dir, 'test-1000-logits.npy'));
  const sprite = await readImage(join(dir, 'test-1000.png'));
  const tiles: RgbImage[] = Array.from({ length: doc.count }, (_, i) =>
    cropRect(sprite, (i % doc.columns) * doc.tile, Math.floor(i / doc.columns) * doc.tile, doc.tile, doc.tile));

  const model = await loadCheckpointFile(join(fixtures, 'models', 'fashion-effnet.safetensors'), { backend });
  let logits;
  try {
    const classifier = Classifier.fromModel(model);
    logits = await model.predict(classifier.preprocess(tiles));
  } finally {
    model.dispose();
  }
  const classes = logits.shape[1]!;
  if (logits.shape.join() !== torchLogits.shape.join()) {
    throw new Error(`${join(dir, 'test-1000-logits.npy')}: shape [${torchLogits.shape.join(', ')}], the model gives [${logits.shape.join(', ')}]`);
  }
  let agree = 0, correct = 0, maxError = 0, maxLogit = 0;
  for (let i = 0; i < doc.count; i++) {
    const row = logits.data.subarray(i * classes, (i + 1) * classes);
    const top1 = row.indexOf(Math.max(...row));
    if (top1 === doc.items[i]!.torch_top1) agree++;
    if (top1 === doc.items[i]!.label) correct++;
    for (let c = 0; c < classes; c++) {
      const t = torchLogits.data[i * classes + c]!;
      maxError = Math.max(maxError, Math.abs(row[c]! - t));
      maxLogit = Math.max(maxLogit, Math.abs(t));
    }
  }
  const accuracy = correct / doc.count;
  const torchAccuracy = doc.items.filter((it) => it.torch_top1 === it.label).length / doc.count;
  const relative = maxError / (maxLogit || 1);
  const failures: string[] = [];
  if (agree / doc.count < FASHION_LIMITS.agreement) failures.push(`top-1 agrees with PyTorch on ${agree}/${doc.count}, below ${FASHION_LIMITS.agreement * 100}%`);
  if (Math.abs(accuracy - torchAccuracy) > FASHION_LIMITS.accuracyDelta) failures.push(`accuracy ${accuracy.toFixed(4)}, PyTorch ${torchAccuracy.toFixed(4)}: more than ${FASHION_LIMITS.accuracyDelta} apart`);
  if (!(relative <= FASHION_LIMITS.logitTolerance)) failures.push(`logits: max error ${maxError.toExponential(3)} = ${relative.toExponential(2)} × max|logit| ${maxLogit.toPrecision(4)} (tolerance ${FASHION_LIMITS.logitTolerance})`);
  const producer = `torchvision ${doc.torchvision_version ?? '?'}, torch ${doc.torch_version} eval`;
  return {
    case: FASHION_CASE, producer, backend, count: doc.count, agree, accuracy, torchAccuracy,
    maxError, maxLogit, relative, tolerance: FASHION_LIMITS.logitTolerance, failures, ok: failures.length === 0,
  };
}
