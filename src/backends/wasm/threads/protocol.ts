// How the threads of a wasm backend agree, in a small shared Int32Array ("control"): the caller's
// thread starts each parallel step by bumping GO; each worker runs its share of the step's units
// and counts itself into DONE; the caller runs share 0, then waits until every worker is done.
// Every thread sees the same linear memory, so a step's output is its parts, written in place.
// A pass ends when every worker has counted itself into LEFT: after its last parallel step, or at
// once when it wakes to find STOP set, which the caller sets (and wakes it with one more GO) when
// anything in the pass threw. So no worker is ever still inside an old pass when a new one begins.
import type { FusedOp } from '../../fused/ops.js';
import type { Geometry, Kernel, Operands } from '../kernels/kernel.js';

export const GO = 0;
export const DONE = 1;
/** Set by a worker whose kernel threw; the caller reports it. */
export const FAILED = 2;
/** Set by the caller to abandon the pass: workers leave it instead of taking the next step. */
export const STOP = 3;
/** Workers that have left the current pass. */
export const LEFT = 4;
export const CONTROL_INTS = 16;

/** One step as a worker runs it: the op (without its Keras layers), shapes per image, operands. */
export interface ThreadStep {
  op: FusedOp;
  input: readonly number[];
  output: readonly number[];
  operands: Operands;
}

/** Messages from the caller's thread to a worker. */
export type ToWorker =
  | { type: 'init'; module: WebAssembly.Module; memory: WebAssembly.Memory; control: SharedArrayBuffer; index: number; threads: number }
  | { type: 'program'; id: number; steps: ThreadStep[]; scratchBytes: number }
  | { type: 'forget'; id: number }
  | { type: 'run'; id: number; batch: number; go: number };

export type FromWorker = { type: 'ready' } | { type: 'error'; message: string };

/** Units [from, to) of `units` that thread `t` of `threads` computes. */
export function share(units: number, t: number, threads: number): [number, number] {
  return [Math.floor((units * t) / threads), Math.floor((units * (t + 1)) / threads)];
}

/**
 * Below this much work (multiply-adds, or floats written by kernels without) a step runs on
 * the caller's thread alone: waking the workers and waiting for them costs more.
 */
const PARALLEL_WORK = 131072;

/** Whether a step of `units` units is split across threads; the caller and every worker decide alike. */
export function isParallel(kernel: Kernel<FusedOp['kind']>, op: FusedOp, g: Geometry, units: number, threads: number): boolean {
  const work = kernel.work?.(op, g) ?? g.batch * g.output.reduce((a, b) => a * b, 1);
  return units >= threads && work >= PARALLEL_WORK;
}

/**
 * Waits until control[index] differs from `value`, or until `deadline` (performance.now()) has
 * passed; says whether it changed. Spins a while (a step lasts microseconds to milliseconds),
 * then sleeps in Atomics.wait where the thread may block; a browser's main thread may not, so
 * there it spins.
 */
export function waitWhile(control: Int32Array, index: number, value: number, canBlock: boolean, deadline = Infinity): boolean {
  for (let i = 0; i < 1000000; i++) if (Atomics.load(control, index) !== value) return true;
  while (Atomics.load(control, index) === value) {
    if (performance.now() > deadline) return false;
    if (canBlock) Atomics.wait(control, index, value, 100);
  }
  return true;
}

/** Whether this thread may block in Atomics.wait (not a browser's main thread). */
export function threadCanBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}
