import type { Tensor } from '../tensor/tensor.js';
import { IMAGENET_CLASSES } from './imagenet-classes.js';

export interface Prediction {
  label: string;
  index: number;
  probability: number;
}

/**
 * Class names from a labels file: a JSON array of strings, or one name a line (blank lines at the
 * end ignored, a BOM and CR line ends tolerated). `name` is the file, for errors.
 */
export function parseLabels(text: string, name: string): string[] {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trimStart().startsWith('[')) {
    let names: unknown;
    try {
      names = JSON.parse(body);
    } catch (e) {
      throw new Error(`${name}: not valid JSON (${(e as Error).message})`);
    }
    if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) throw new Error(`${name}: the JSON must be an array of strings`);
    return names;
  }
  const lines = body.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  if (lines.length === 0) throw new Error(`${name}: no labels (expected one a line, or a JSON array)`);
  return lines.map((l) => l.trim());
}

/**
 * Names for a classifier's outputs: those given, else the checkpoint's own, else ImageNet's for
 * 1000 classes, else "class 0", "class 1"…; a list of the wrong length is an error.
 */
export function labelsFor(numClasses: number, given: readonly string[] | undefined, what: string): readonly string[] {
  const names = given ?? (numClasses === 1000 ? IMAGENET_CLASSES : Array.from({ length: numClasses }, (_, i) => `class ${i}`));
  if (names.length !== numClasses) throw new Error(`${what}: ${names.length} labels but the model has ${numClasses} classes`);
  return names;
}

/** The k most probable classes of each row of logits [N, classes] (softmax in double precision). */
export function topK(logits: Tensor, labels: readonly string[], k: number): Prediction[][] {
  const [n, classes] = logits.shape as [number, number];
  if (logits.rank !== 2 || classes !== labels.length) throw new Error(`logits [${logits.shape.join(', ')}] do not match ${labels.length} labels`);
  const take = Math.max(1, Math.min(Math.floor(k), classes));
  const out: Prediction[][] = [];
  for (let r = 0; r < n; r++) {
    const row = logits.data.subarray(r * classes, (r + 1) * classes);
    let max = -Infinity;
    for (const v of row) max = Math.max(max, v);
    let sum = 0;
    for (const v of row) sum += Math.exp(v - max);
    const order = Array.from({ length: classes }, (_, i) => i).sort((a, b) => row[b]! - row[a]! || a - b);
    out.push(order.slice(0, take).map((index) => ({ label: labels[index]!, index, probability: Math.exp(row[index]! - max) / sum })));
  }
  return out;
}
