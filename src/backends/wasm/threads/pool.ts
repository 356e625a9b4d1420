import type { KernelExports } from '../module.js';
import { kernelFor } from '../kernels/table.js';
import type { Geometry, Operands } from '../kernels/kernel.js';
import type { FusedOp } from '../../fused/ops.js';
import { CONTROL_INTS, DONE, FAILED, GO, LEFT, STOP, isParallel, share, threadCanBlock, waitWhile, type FromWorker, type ThreadStep, type ToWorker } from './protocol.js';
import type { Spawn, ThreadPort } from './spawn.js';

let nextProgram = 1;

/**
 * How long the caller waits for a step's workers to make any progress before it gives up on
 * them. A step takes milliseconds; this is only ever reached by a worker that died or hangs
 * mid-run (an exit event cannot reach a caller blocked in `step`).
 */
export const STALL_MS = 60_000;
let stallMs = STALL_MS;

/** @internal For tests: sets the stall limit of every pool (ms); returns the old one. */
export function setStallLimit(ms: number): number {
  const old = stallMs;
  stallMs = ms;
  return old;
}

const AFTERWARDS = 'create the backend again (new workers) and compile the model on it, or use threads: 1';

/**
 * The caller's side of a wasm backend's threads: `threads − 1` workers on the same shared
 * memory, started once. The caller's thread is thread 0: it runs share 0 of each parallel
 * step itself, then waits for the others (Atomics.wait, or spinning on a browser's main
 * thread, which may not block), so `run` stays synchronous. A pass that throws anywhere is
 * abandoned (`abort`): every worker leaves it before the error reaches the caller, so the next pass
 * starts in step. A pool that lost a worker is broken for good: every later pass throws the line
 * that says why.
 */
export class ThreadPool {
  private readonly ports: ThreadPort[] = [];
  private readonly control = new Int32Array(new SharedArrayBuffer(CONTROL_INTS * 4));
  private readonly canBlock = threadCanBlock();
  private failed = '';
  private why = '';

  private constructor(readonly threads: number) {}

  static async start(spawn: Spawn, threads: number, module: WebAssembly.Module, memory: WebAssembly.Memory): Promise<ThreadPool> {
    const pool = new ThreadPool(threads);
    const control = pool.control.buffer as SharedArrayBuffer;
    try {
      await Promise.all(
        Array.from({ length: threads - 1 }, (_, i) => {
          const port = spawn();
          pool.ports.push(port);
          return new Promise<void>((resolve, reject) => {
            port.onError(reject);
            port.onExit?.((how) => {
              reject(new Error(`a worker thread exited (${how}) before it was ready`));
              pool.break(`a worker thread of the wasm backend exited (${how}); ${AFTERWARDS}`);
            });
            port.onMessage((m) => {
              const message = m as FromWorker;
              if (message.type === 'ready') resolve();
              else reject(new Error(message.message));
            });
            port.post({ type: 'init', module, memory, control, index: i + 1, threads } satisfies ToWorker);
          });
        }),
      );
      if (pool.why) throw new Error(pool.why);
    } catch (e) {
      pool.terminate();
      throw e;
    }
    for (const p of pool.ports) p.unref?.();
    return pool;
  }

  /** Why this pool cannot run any more ('' while it can). */
  get broken(): string {
    return this.why;
  }

  /** Hands a compiled model's steps to the workers; returns the program's id. */
  load(ops: readonly FusedOp[], geometry: readonly { input: readonly number[]; output: readonly number[] }[], operands: readonly Operands[], scratchBytes: number, id = nextProgram++): number {
    const steps: ThreadStep[] = ops.map((op, s) => ({ op: { ...op, layers: [] }, ...geometry[s]!, operands: operands[s]! }));
    for (const p of this.ports) p.post({ type: 'program', id, steps, scratchBytes } satisfies ToWorker);
    return id;
  }

  forget(id: number): void {
    for (const p of this.ports) p.post({ type: 'forget', id } satisfies ToWorker);
  }

  /** Starts a pass of program `id`: the workers follow the caller step by step. */
  begin(id: number, batch: number): void {
    if (this.why) throw new Error(this.why);
    this.failed = '';
    Atomics.store(this.control, STOP, 0);
    Atomics.store(this.control, LEFT, 0);
    const go = Atomics.load(this.control, GO);
    for (const p of this.ports) p.post({ type: 'run', id, batch, go } satisfies ToWorker);
  }

  /**
   * Runs one step: split across every thread when it is worth it (the workers, told by
   * `begin`, decide alike), else on the caller's thread alone.
   */
  step(kernels: KernelExports, op: FusedOp, g: Geometry, at: Operands): void {
    const kernel = kernelFor(op.kind);
    const units = kernel.units(op, g);
    if (!isParallel(kernel, op, g, units, this.threads)) {
      kernel.run(kernels, op, g, at, 0, units);
      return;
    }
    Atomics.store(this.control, DONE, 0);
    Atomics.add(this.control, GO, 1);
    Atomics.notify(this.control, GO);
    const [from, to] = share(units, 0, this.threads);
    // if this throws, the pass's abort() lets the workers finish their shares and leave
    kernel.run(kernels, op, g, at, from, to);
    this.await(DONE, `in step ${op.name}`);
    // the pass goes on, so that every worker reaches its end; end() reports
    if (Atomics.exchange(this.control, FAILED, 0) !== 0) this.failed ||= op.name;
  }

  /** Ends a pass once every worker has left it; throws if a worker's kernel failed in it. */
  end(): void {
    this.await(LEFT, 'at the end of a pass');
    if (this.failed) throw new Error(`a worker thread failed in step ${this.failed}`);
  }

  /**
   * Abandons a pass after an error anywhere in it (a kernel, a dump callback, a copy): the workers
   * are woken with STOP set and leave the pass, and this returns once all have, so the next pass
   * starts with every thread in step. A broken pool has no workers to wait for.
   */
  abort(): void {
    if (this.why) return;
    Atomics.store(this.control, STOP, 1);
    Atomics.add(this.control, GO, 1);
    Atomics.notify(this.control, GO);
    this.await(LEFT, 'leaving an abandoned pass');
    Atomics.store(this.control, FAILED, 0);
  }

  /**
   * Waits until every worker has counted itself into control[index]. Bounded by progress, not by
   * the step's length, so a slow machine still gets through; an exit event cannot arrive while this
   * thread waits, so a stall is the only sign of a dead worker here, and it breaks the pool.
   */
  private await(index: number, where: string): void {
    for (let done = Atomics.load(this.control, index); done < this.threads - 1; done = Atomics.load(this.control, index)) {
      if (!waitWhile(this.control, index, done, this.canBlock, performance.now() + stallMs)) {
        const seconds = Math.round(stallMs / 100) / 10;
        this.break(`a worker thread of the wasm backend stopped responding ${where} (${this.threads - 1 - done} of ${this.threads - 1} not done after ${seconds} s); ${AFTERWARDS}`);
        throw new Error(this.why);
      }
    }
  }

  terminate(): void {
    this.break(`the worker threads of this wasm backend were terminated; ${AFTERWARDS}`);
  }

  /**
   * Marks the pool broken, keeping the first reason, and stops every worker: one that is alive
   * but stuck could otherwise still write into the shared memory later.
   */
  private break(why: string): void {
    if (this.why) return;
    this.why = why;
    for (const p of this.ports) p.terminate();
  }
}
