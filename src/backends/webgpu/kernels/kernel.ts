// What the webgpu op table (table.ts) holds for each kind of fused op (../../fused/ops.ts): how to
// pack its weights and the dispatches that run it. What a fused op is, and what it must compute, is
// said once in fused/ops.ts; this is only how the GPU runs it.
//
// Every shader sees three bindings: the arena (`arena`, read_write: every activation of the pass,
// at float offsets the compiler planned), the step's packed weights (`w`, read-only, bound at the
// step's own range) and its parameters (`p`, a uniform struct of u32: offsets, shapes, counts). A
// shader's text depends only on its variant (the GEMM's tile, a window's or a dense layer's
// activation), never on shapes or offsets, so a B0 needs 9 to 11 pipelines, and the parameters are
// written once when a plan is compiled.
import { ACTIVATIONS, activationOf, type Activation } from '../../../model/activations.js';
import type { Kind, OpOf, OpWeights } from '../../fused/ops.js';

/** Shapes a step runs on: per-image input and output shapes, and how many images this pass has. */
export interface Geometry {
  images: number;
  input: readonly number[];
  output: readonly number[];
}

/** Float offsets in the arena of a step's operands (of its first image). */
export interface Operands {
  x: number;
  /** The second input (residual, gate, addend); 0 when there is none. */
  y: number;
  out: number;
  /** Scratch of the step (scratchFloats floats). */
  scratch: number;
}

/** One dispatch: its shader (entry point `main`), its parameters (the struct `p`, in order) and its workgroups. */
export interface Dispatch {
  code: string;
  params: readonly number[];
  groups: readonly [number, number, number];
}

/**
 * What a device asks of the kernels: 'tiled' GEMMs staged through workgroup memory (GPUs), or
 * 'direct' ones without (GPUs emulated on a CPU, where a workgroup barrier is dear: pointwise.ts).
 */
export interface KernelTarget {
  gemm: 'tiled' | 'direct';
}

export interface GpuKernel<K extends Kind> {
  /** The weights (batch norm unfolded, fused/weights.ts) laid out as the shader reads them. */
  pack?(op: OpOf<K>, w: OpWeights): Float32Array;
  /** Floats of scratch the step needs in the arena for a pass of g.images images. */
  scratchFloats?(op: OpOf<K>, g: Geometry): number;
  /** The kernel may write its output over its first input, when nothing reads that input later. */
  inPlace?: boolean;
  /** The dispatches of one step, in order. */
  dispatches(op: OpOf<K>, g: Geometry, at: Operands, target: KernelTarget): Dispatch[];
}

export type GpuKernelsOf<K extends Kind> = { readonly [P in K]: GpuKernel<P> };

export const product = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** WebGPU's default maxComputeWorkgroupsPerDimension: past it, a dispatch folds into the next dimension. */
const MAX_GROUPS = 65535;

/** `x` workgroups along x and `count` along y, folded into z past 65,535 (the shader rebuilds the index from num_workgroups). */
export function fold(count: number, x = 1): [number, number, number] {
  const n = Math.max(1, count);
  if (n <= MAX_GROUPS) return [x, n, 1];
  return [x, MAX_GROUPS, Math.ceil(n / MAX_GROUPS)];
}

/**
 * Whether a float is NaN, by its bits: a GPU's exp may turn NaN into a number (SwiftShader's does),
 * and a float comparison `v != v` may be folded away where WGSL lets a compiler assume no NaN.
 */
export const IS_NAN = 'fn isNan(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u; }';

/**
 * The exact activations: sigmoid through WGSL's exp (no approximation beyond exp's) with NaN kept,
 * swish as v·sigmoid(v) (NaN times anything stays NaN), relu as a select that keeps NaN, as the
 * reference's `v < 0 ? 0 : v` does.
 */
function activationBody(a: Activation): string {
  switch (a) {
    case 'none':
      return 'return v;';
    case 'swish':
      return 'return v / (1.0 + exp(-v));';
    case 'sigmoid':
      return 'return select(1.0 / (1.0 + exp(-v)), v, isNan(v));';
    case 'relu':
      return 'return select(v, 0.0, v < 0.0);';
    default:
      throw new Error(`the webgpu kernels have no activation '${String(a)}'`);
  }
}

/** A WGSL function `name(v: f32) -> f32` computing the activation. */
export function activationFn(name: string, a: Activation): string {
  return `fn ${name}(v: f32) -> f32 { ${activationBody(a)} }`;
}

/**
 * A WGSL function `activate(v: f32, code: u32) -> f32`: the activation chosen at run time by its code
 * (model/activations.ts), for kernels whose compile is dear enough that one pipeline should serve
 * every activation (the GEMM); the branch is uniform across the dispatch.
 */
export function activationSwitch(): string {
  const cases = (Object.keys(ACTIVATIONS) as Activation[]).filter((a) => a !== 'none').map((a) => `    case ${activationOf(a).code}u: { ${activationBody(a)} }`);
  return `fn activate(v: f32, code: u32) -> f32 {
  switch code {
${cases.join('\n')}
    default: { return v; }
  }
}`;
}

/** An activation's code, as activationSwitch's `activate` reads it. */
export const activationCode = (a: Activation) => activationOf(a).code;

/**
 * A shader: the three bindings, the parameter struct of `fields` (u32 each, in this order: a
 * Dispatch's params follow it), then `body`. `paramsOf` turns named values into that order.
 */
export function shader<F extends string>(fields: readonly F[], body: string): { code: string; paramsOf(values: Record<F, number>): number[] } {
  const code = /* wgsl */ `struct Params { ${fields.map((f) => `${f}: u32,`).join(' ')} }
@group(0) @binding(0) var<storage, read_write> arena: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;
${IS_NAN}
${body}`;
  return { code, paramsOf: (values) => fields.map((f) => values[f]) };
}

/** Threads per workgroup of the one-thread-per-value kernels. */
export const GROUP = 256;

/**
 * A one-thread-per-value shader over `p.count` threads: `body` uses `i`, the value's flat index
 * (the threads past the end return first). Its fields must include `count`.
 */
export function perValue<F extends string>(fields: readonly F[], body: string, helpers = '') {
  return shader(fields, `${helpers}
@compute @workgroup_size(${GROUP})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) t: u32, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = ((wg.z * groups.y + wg.y) * groups.x + wg.x) * ${GROUP}u + t;
  if (i >= p.count) { return; }
${body}
}`);
}

/** The workgroups of a perValue dispatch over `count` threads: along x, then rows of 65,535 along y. */
export function perValueGroups(count: number): [number, number, number] {
  const n = Math.max(1, Math.ceil(count / GROUP));
  return n <= MAX_GROUPS ? [n, 1, 1] : [MAX_GROUPS, Math.ceil(n / MAX_GROUPS), 1];
}

/** Memoises a shader generator by its arguments (the variant: activation, tile, flags). */
export function variants<A extends unknown[], R>(make: (...args: A) => R): (...args: A) => R {
  const made = new Map<string, R>();
  return (...args) => {
    const key = JSON.stringify(args);
    let r = made.get(key);
    if (r === undefined) made.set(key, (r = make(...args)));
    return r;
  };
}
