// What the op table (table.ts) holds for each kind of fused op on the wasm backend: how to pack its
// weights, how much work it has and how to run part of it. What a fused op is (its layers, weights
// and reference composition) is said once, in ../../fused/ops.ts; this is only how wasm runs it.
// The compiler (compile.ts), the single-op API (ops.ts), the threads and the kernel benchmark read the table.
import { activationOf, type Activation } from '../../../model/activations.js';
import type { Kind, OpOf, OpWeights } from '../../fused/ops.js';
import type { KernelExports } from '../module.js';

export type { Kind, OpOf } from '../../fused/ops.js';

/** Shapes a step runs on: per-image input and output shapes, and how many images. */
export interface Geometry {
  batch: number;
  input: readonly number[];
  output: readonly number[];
}

/** Byte offsets of a step's operands in linear memory. */
export interface Operands {
  x: number;
  /** The second input: the residual (pointwise), the gate (multiply), the addend (add); else 0. */
  y: number;
  out: number;
  /** The packed weights; 0 when the kernel has none. */
  w: number;
  /** This thread's scratch (scratchFloats floats). */
  scratch: number;
}

export interface Kernel<K extends Kind> {
  /** The weights (fused/weights.ts, batch norm unfolded) in the layout the kernel reads (layouts.ts). */
  pack?(op: OpOf<K>, w: OpWeights): Float32Array;
  /** Floats of scratch each thread needs, for one image's input and output shapes. */
  scratchFloats?(op: OpOf<K>, g: Omit<Geometry, 'batch'>): number;
  /**
   * The kernel may write its output over its first input, when nothing reads that input later:
   * true, or only on this many threads (a split whose threads read the whole input may not).
   */
  inPlace?: boolean | ((threads: number) => boolean);
  /** Multiply-adds (or, for kernels without, floats written) of a step: what splitting it must beat. */
  work?(op: OpOf<K>, g: Geometry): number;
  /** Independent parts of the work (rows, images, chunks): run(from, to) covers [from, to). */
  units(op: OpOf<K>, g: Geometry): number;
  /**
   * Values inside the op that a dump may ask for (a composite's parts: Step.inner), by layer name,
   * each computed apart for the whole batch from the op's operands into `out`, bit for bit as inside.
   */
  inner?(op: OpOf<K>): { name: string; run(k: KernelExports, g: Geometry, at: Operands, out: number): void }[];
  run(k: KernelExports, op: OpOf<K>, g: Geometry, at: Operands, from: number, to: number): void;
}

/** Entries of the op table for some kinds: what each kernel file exports. */
export type KernelsOf<K extends Kind> = { readonly [P in K]: Kernel<P> };

/** An activation as the kernels' `act` argument (assembly/math.ts). */
export function activationCode(activation: Activation = 'none'): number {
  return activationOf(activation).code;
}

export const product = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** A convolution's units: the output rows of every image. */
export const outputRows = (_op: unknown, g: Geometry) => g.batch * g.output[0]!;

/** An image's input and output for a convolution kernel: where they are, their sizes, the rows to compute. */
export interface ImageRows { x: number; out: number; h: number; w: number; oh: number; ow: number; y0: number; y1: number }

/** Calls `rows` for every image with output rows in units [from, to) (outputRows). */
export function overOutputRows(g: Geometry, at: Operands, from: number, to: number, rows: (r: ImageRows) => void): void {
  const [h, w] = g.input as [number, number, number];
  const [oh, ow] = g.output as [number, number, number];
  const inBytes = product(g.input) * 4, outBytes = product(g.output) * 4;
  byImageRows(oh, from, to, (b, y0, y1) => rows({ x: at.x + b * inBytes, out: at.out + b * outBytes, h, w, oh, ow, y0, y1 }));
}

/**
 * Runs `perImage(b, r0, r1)` for every image b whose rows [b·rows, (b+1)·rows) meet units
 * [from, to), with r0…r1 the rows of that image inside the range.
 */
export function byImageRows(rows: number, from: number, to: number, perImage: (b: number, r0: number, r1: number) => void): void {
  for (let b = Math.floor(from / rows); b * rows < to; b++) perImage(b, Math.max(from - b * rows, 0), Math.min(to - b * rows, rows));
}
