// A worker thread of the wasm backend, whatever starts it (worker-web.ts, src/node/thread-worker.ts):
// it instantiates the kernels on the caller's shared memory, keeps the compiled programs it is
// sent, and for each run takes its share of every parallel step (protocol.ts).
import type { KernelExports } from '../module.js';
import { kernelFor } from '../kernels/table.js';
import { DONE, FAILED, GO, LEFT, STOP, isParallel, share, waitWhile, type FromWorker, type ThreadStep, type ToWorker } from './protocol.js';

export function workerLoop(post: (message: FromWorker) => void): (message: ToWorker) => Promise<void> {
  let kernels: KernelExports | undefined;
  let control: Int32Array;
  let index = 0, threads = 1;
  const programs = new Map<number, { steps: ThreadStep[]; scratchBytes: number }>();

  return async (message) => {
    switch (message.type) {
      case 'init': {
        control = new Int32Array(message.control);
        index = message.index;
        threads = message.threads;
        try {
          const instance = await WebAssembly.instantiate(message.module, {
            env: {
              memory: message.memory,
              abort: (_m: number, _f: number, line: number, col: number) => {
                throw new Error(`wasm kernel aborted at ${line}:${col}`);
              },
            },
          });
          kernels = { ...(instance.exports as unknown as KernelExports), memory: message.memory };
          post({ type: 'ready' });
        } catch (e) {
          post({ type: 'error', message: (e as Error).message });
        }
        return;
      }
      case 'program':
        programs.set(message.id, { steps: message.steps, scratchBytes: message.scratchBytes });
        return;
      case 'forget':
        programs.delete(message.id);
        return;
      case 'run': {
        const program = programs.get(message.id)!;
        let go = message.go;
        for (const step of program.steps) {
          const kernel = kernelFor(step.op.kind);
          const g = { batch: message.batch, input: step.input, output: step.output };
          const units = kernel.units(step.op, g);
          if (!isParallel(kernel, step.op, g, units, threads)) continue;
          waitWhile(control, GO, go, true);
          go++;
          if (Atomics.load(control, STOP)) break;
          try {
            const [from, to] = share(units, index, threads);
            const at = { ...step.operands, scratch: step.operands.scratch + index * program.scratchBytes };
            if (to > from) kernel.run(kernels!, step.op, g, at, from, to);
          } catch {
            Atomics.store(control, FAILED, 1);
          }
          if (Atomics.add(control, DONE, 1) + 1 === threads - 1) Atomics.notify(control, DONE);
        }
        if (Atomics.add(control, LEFT, 1) + 1 === threads - 1) Atomics.notify(control, LEFT);
      }
    }
  };
}
