import { escapeText, MAX_ERROR } from '../limits.js';

/** A tensor as a checkpoint stores it, under the checkpoint's own name and layout. */
export interface SourceTensor {
  /** The stored dtype, as the format names it (`F16`, `float32`, `uint8`…). */
  dtype: string;
  shape: number[];
  /** Float values widened to float32 (dequantized); null for integer and boolean tensors. */
  data: Float32Array | null;
}

/**
 * A checkpoint that cannot be used: the message is one line naming the file and the problem,
 * escaped and bounded, since names and metadata in it come from the file.
 */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
  constructor(message: string) {
    super(escapeText(message, MAX_ERROR));
  }
}
