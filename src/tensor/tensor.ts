import ndarray, { type NdArray } from 'ndarray';

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * A dense float32 tensor in row-major order. Activations are NHWC, conv kernels HWIO
 * `[kh, kw, cin, cout]`, depthwise kernels `[kh, kw, c, 1]`, dense kernels `[in, out]`.
 */
export class Tensor {
  readonly shape: Shape;
  readonly data: Float32Array;

  constructor(shape: Shape, data?: Float32Array) {
    const size = sizeOf(shape);
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new Error(`invalid tensor shape [${shape.join(', ')}]`);
    }
    if (data && data.length !== size) {
      throw new Error(`tensor data has ${data.length} values but shape [${shape.join(', ')}] needs ${size}`);
    }
    this.shape = Object.freeze([...shape]);
    this.data = data ?? new Float32Array(size);
  }

  static zeros(shape: Shape): Tensor {
    return new Tensor(shape);
  }

  static from(shape: Shape, values: ArrayLike<number>): Tensor {
    return new Tensor(shape, Float32Array.from(values));
  }

  get size(): number {
    return this.data.length;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** The same values under another shape of the same size (shares the data). */
  reshape(shape: Shape): Tensor {
    return new Tensor(shape, this.data);
  }

  clone(): Tensor {
    return new Tensor(this.shape, this.data.slice());
  }

  /** An ndarray view over the same data, for the reference kernels' loops. */
  view(): NdArray<Float32Array> {
    return ndarray(this.data, [...this.shape]);
  }

  toString(): string {
    return `Tensor[${this.shape.join('×')}]`;
  }
}

export function assertRank(t: Tensor, rank: number, what: string): void {
  if (t.rank !== rank) throw new Error(`${what}: expected rank ${rank}, got shape [${t.shape.join(', ')}]`);
}
