// What the op table (table.ts) holds for each kernel: how to gather and pack its weights, how
// much work it has and how to run part of it. Every other part of the wasm backend — the
// compiler (compile.ts), the single-op API (ops.ts), the kernel benchmark — reads the table.
import type { Ops } from '../../backend.js';
import type { Activation } from '../../../model/layers.js';
import type { FusedOp } from '../fuse.js';
import { ACTIVATION_CODES, type KernelExports } from '../module.js';
import { foldBatchNorm, type BatchNormParams } from '../pack.js';

/** A step's kind: which kernel runs it. */
export type Kind = FusedOp['kind'];
export type OpOf<K extends Kind> = Extract<FusedOp, { kind: K }>;

/** The unpacked weights of one op, as a checkpoint stores them (TF layouts), by role. */
export interface OpWeights {
  kernel?: Float32Array;
  bias?: Float32Array | null;
  /** Folded into the kernel at pack time. */
  batchNorm?: BatchNormParams | null;
  /** Squeeze-excitation's second 1×1 convolution. */
  expandKernel?: Float32Array;
  expandBias?: Float32Array;
}

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
  /** The ops-API ops this kernel computes: their reference implementations are its oracle. */
  reference: readonly (keyof Ops)[];
  /** Weight names the op reads, by role (`<layer>/<role>` in a WeightMap). */
  gather?(op: OpOf<K>, get: (layer: string, role: string) => Float32Array, batchNorm: (layer: string) => BatchNormParams): OpWeights;
  /** The weights in the layout the kernel reads (pack.ts). */
  pack?(op: OpOf<K>, w: OpWeights): Float32Array;
  /** Floats of scratch each thread needs. */
  scratchFloats?(op: OpOf<K>): number;
  /** Multiply-adds (or, for kernels without, floats written) of a step: what splitting it must beat. */
  work?(op: OpOf<K>, g: Geometry): number;
  /** Independent parts of the work (rows, images, chunks): run(from, to) covers [from, to). */
  units(op: OpOf<K>, g: Geometry): number;
  run(k: KernelExports, op: OpOf<K>, g: Geometry, at: Operands, from: number, to: number): void;
}

export function activationCode(activation: Activation = 'none'): number {
  const code = ACTIVATION_CODES[activation];
  if (code === undefined) throw new Error(`unknown activation '${String(activation)}' (expected none, swish, sigmoid or relu)`);
  return code;
}

export const product = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** A convolution's weights: its kernel (stored under `role`), its bias if it has one, its batch norm. */
export function convWeights(
  op: { layers: readonly { name: string }[]; batchNorm: string | null; useBias?: boolean }, role: 'kernel' | 'depthwise_kernel',
  get: (layer: string, role: string) => Float32Array, batchNorm: (layer: string) => BatchNormParams,
): OpWeights {
  const layer = op.layers[0]!.name;
  return { kernel: get(layer, role), bias: op.useBias ? get(layer, 'bias') : null, batchNorm: op.batchNorm ? batchNorm(op.batchNorm) : null };
}

/** The kernel and bias with the batch norm folded in: bn(conv(x) + b) = conv'(x) + b' (pack.ts). */
export function folded(w: OpWeights): { kernel: Float32Array; bias: Float32Array | null } {
  return w.batchNorm ? foldBatchNorm(w.kernel!, w.bias ?? null, w.batchNorm) : { kernel: w.kernel!, bias: w.bias ?? null };
}

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
