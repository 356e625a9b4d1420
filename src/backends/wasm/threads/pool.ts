import type { KernelExports } from '../module.js';
import { kernelFor } from '../kernels/table.js';
import type { Geometry, Kernel, Kind, Operands } from '../kernels/kernel.js';
import type { FusedOp } from '../fuse.js';
import { CONTROL_INTS, DONE, FAILED, GO, isParallel, share, threadCanBlock, waitWhile, type FromWorker, type ThreadStep, type ToWorker } from './protocol.js';
import type { Spawn, ThreadPort } from './spawn.js';

let nextProgram = 1;

/**
 * The caller's side of a wasm backend's threads: `threads − 1` workers on the same shared
 * memory, started once. The caller's thread is thread 0: it runs share 0 of each parallel
 * step itself, then waits for the others (Atomics.wait, or spinning on a browser's main
 * thread, which may not block), so `run` stays synchronous.
 */
export class ThreadPool {
  private readonly control: Int32Array;
  private readonly canBlock = threadCanBlock();
  private failed = '';

  private constructor(private readonly ports: ThreadPort[], control: SharedArrayBuffer, readonly threads: number) {
    this.control = new Int32Array(control);
  }

  static async start(spawn: Spawn, threads: number, module: WebAssembly.Module, memory: WebAssembly.Memory): Promise<ThreadPool> {
    const control = new SharedArrayBuffer(CONTROL_INTS * 4);
    const ports: ThreadPort[] = [];
    try {
      await Promise.all(
        Array.from({ length: threads - 1 }, (_, i) => {
          const port = spawn();
          ports.push(port);
          return new Promise<void>((resolve, reject) => {
            port.onError(reject);
            port.onMessage((m) => {
              const message = m as FromWorker;
              if (message.type === 'ready') resolve();
              else reject(new Error(message.message));
            });
            port.post({ type: 'init', module, memory, control, index: i + 1, threads } satisfies ToWorker);
          });
        }),
      );
    } catch (e) {
      for (const p of ports) p.terminate();
      throw e;
    }
    for (const p of ports) p.unref?.();
    return new ThreadPool(ports, control, threads);
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
    this.failed = '';
    const go = Atomics.load(this.control, GO);
    for (const p of this.ports) p.post({ type: 'run', id, batch, go } satisfies ToWorker);
  }

  /**
   * Runs one step: split across every thread when it is worth it (the workers, told by
   * `begin`, decide alike), else on the caller's thread alone.
   */
  step(kernels: KernelExports, op: FusedOp, g: Geometry, at: Operands): void {
    const kernel = kernelFor(op.kind);
    const units = kernel.units(op as never, g);
    if (!isParallel(kernel as Kernel<Kind>, op, g, units, this.threads)) {
      kernel.run(kernels, op as never, g, at, 0, units);
      return;
    }
    Atomics.store(this.control, DONE, 0);
    Atomics.add(this.control, GO, 1);
    Atomics.notify(this.control, GO);
    const [from, to] = share(units, 0, this.threads);
    kernel.run(kernels, op as never, g, at, from, to);
    for (let done = Atomics.load(this.control, DONE); done < this.threads - 1; done = Atomics.load(this.control, DONE)) {
      waitWhile(this.control, DONE, done, this.canBlock);
    }
    // the pass goes on, so that every worker reaches its end; end() reports
    if (Atomics.exchange(this.control, FAILED, 0) !== 0) this.failed ||= op.name;
  }

  /** Ends a pass: throws if a worker's kernel failed in it. */
  end(): void {
    if (this.failed) throw new Error(`a worker thread failed in step ${this.failed}`);
  }

  terminate(): void {
    for (const p of this.ports) p.terminate();
  }
}
