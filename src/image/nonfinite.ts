import type { Tensor } from '../tensor/tensor.js';
import type { Prediction } from './labels.js';

/** An image whose logits hold NaN or infinities: no class can be named for it. */
export interface NonFiniteRow {
  /** Its index in the batch. */
  image: number;
  nan: number;
  infinite: number;
  classes: number;
}

/** One clause for a row, e.g. "the network's output is not finite (10 NaN of 10 logits)". */
export function describeNonFinite(r: NonFiniteRow): string {
  const parts = [r.nan > 0 ? `${r.nan} NaN` : '', r.infinite > 0 ? `${r.infinite} infinite` : ''].filter(Boolean);
  return `the network's output is not finite (${parts.join(', ')} of ${r.classes} logits)`;
}

/**
 * Thrown by Classifier.classify when some images' logits are not all finite, rather than ranking
 * NaN as if it were a score. `predictions` keeps the batch's other results, in order, with null
 * where an image failed; `failed` says what each failed image's logits held.
 */
export class NonFiniteOutputError extends Error {
  override readonly name = 'NonFiniteOutputError';

  constructor(
    readonly failed: readonly NonFiniteRow[],
    readonly predictions: readonly (Prediction[] | null)[],
    /** The checkpoint (or model) whose output it was, named first in the message. */
    readonly source = 'model',
  ) {
    const n = predictions.length;
    const shown = failed.slice(0, 3).map((r) => (n === 1 ? describeNonFinite(r) : `image ${r.image + 1} of ${n}: ${describeNonFinite(r)}`));
    super(`${source}: ${shown.join('; ')}${failed.length > 3 ? `; … and ${failed.length - 3} more images` : ''}`);
  }
}

/** Throws NonFiniteOutputError (naming `source`) when a row of logits [N, classes] holds NaN or an infinity. */
export function checkFiniteLogits(logits: Tensor, predictions: readonly Prediction[][], source?: string): void {
  const classes = logits.shape[logits.rank - 1]!;
  const failed: NonFiniteRow[] = [];
  for (let image = 0; image < predictions.length; image++) {
    let nan = 0, infinite = 0;
    for (const v of logits.data.subarray(image * classes, (image + 1) * classes)) {
      if (Number.isNaN(v)) nan++;
      else if (!Number.isFinite(v)) infinite++;
    }
    if (nan + infinite > 0) failed.push({ image, nan, infinite, classes });
  }
  if (failed.length > 0) throw new NonFiniteOutputError(failed, predictions.map((p, i) => (failed.some((r) => r.image === i) ? null : p)), source);
}
