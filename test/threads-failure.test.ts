import { describe, expect, it } from 'vitest';
// The package as Node resolves it (dist/src/index.node.js), and beside it, from the same files (so
// the same module instances), the internals that let a test stand between the pool and its workers.
import { buildPlan, createBackend, randomInput, randomWeights } from 'effnet';
import { setThreadSpawner, threadSpawner, type ThreadPort } from '../dist/src/backends/wasm/threads/spawn.js';
import { setStallLimit } from '../dist/src/backends/wasm/threads/pool.js';

// Node's spawner, wrapped: every worker started is kept, and one can be told to miss its next pass.
const node = threadSpawner();
if (typeof node === 'string') throw new Error(node);
const started: ThreadPort[] = [];
let missNextRun: ThreadPort | undefined;
setThreadSpawner(() => {
  const port = node();
  started.push(port);
  return {
    ...port,
    post: (m) => {
      // the worker dies as the pass begins: it never takes its share of a step
      if (port === missNextRun && (m as { type: string }).type === 'run') {
        missNextRun = undefined;
        port.terminate();
      } else {
        port.post(m);
      }
    },
  };
});

const plan = buildPlan('b0', { resolution: 32 });
const weights = randomWeights(plan, 1);

// Two tests, two thread counts: each gets a pool of its own (pools are per process and count).
async function threaded(threads: number) {
  started.length = 0;
  const backend = await createBackend('wasm', { threads });
  expect(backend.threads).toBe(threads);
  return { model: backend.compile(plan, weights), workers: [...started] };
}

const x = randomInput([1, 32, 32, 3], 2);

/** How long `f` took to throw, and what. */
function throwing(f: () => unknown): { ms: number; message: string } {
  const t0 = performance.now();
  try {
    f();
  } catch (e) {
    return { ms: performance.now() - t0, message: (e as Error).message };
  }
  throw new Error('it did not throw');
}

describe('the wasm backend on threads, when a worker dies', () => {
  it('between runs: the next run throws one line at once, and so does every run after it; a new backend has new workers', async () => {
    const { model, workers } = await threaded(2);
    expect(model.run(x).shape).toEqual([1, 1000]);
    const exited = new Promise((resolve) => workers[0]!.onExit!(resolve));
    workers[0]!.terminate();
    expect(await exited).toBe('code 1');
    for (let attempt = 0; attempt < 2; attempt++) {
      const { ms, message } = throwing(() => model.run(x));
      expect(message).toBe('a worker thread of the wasm backend exited (code 1); create the backend again (new workers) and compile the model on it, or use threads: 1');
      expect(ms).toBeLessThan(1000);
    }
    // as the line says: the same thread count again gets a new pool, which runs as one thread does
    const again = await threaded(2);
    expect(again.workers).toHaveLength(1);
    expect(again.workers[0]).not.toBe(workers[0]);
    const one = await createBackend('wasm');
    expect(Array.from(again.model.run(x).data)).toEqual(Array.from(one.compile(plan, weights).run(x).data));
  });

  it('during a run: the caller stops waiting after the stall limit, naming the step, and stays stopped', async () => {
    const old = setStallLimit(500);
    try {
      const { model, workers } = await threaded(3);
      // the lowered limit lets a healthy pass through
      expect(model.run(x).shape).toEqual([1, 1000]);
      missNextRun = workers[0];
      const first = throwing(() => model.run(x));
      expect(first.message).toMatch(/^a worker thread of the wasm backend stopped responding in step \w+ \(1 of 2 not done after 0\.5 s\); create the backend again \(new workers\) and compile the model on it, or use threads: 1$/);
      expect(first.ms).toBeGreaterThanOrEqual(500);
      expect(first.ms).toBeLessThan(3000);
      const again = throwing(() => model.run(x));
      expect(again.message).toBe(first.message);
      expect(again.ms).toBeLessThan(1000);
    } finally {
      setStallLimit(old);
    }
  });
});
