// A process that does nothing but compile B0 @224 on the wasm backend and run it: its peak
// resident set is what an edge user pays. Prints one JSON line.
import { readFileSync } from 'node:fs';
import { buildPlan, createBackend, randomInput, randomWeights } from '../dist/src/index.js';

const runs = Number(process.argv[2] ?? 20);
const plan = buildPlan('b0');
const weights = randomWeights(plan, 1);
const backend = await createBackend('wasm');
const model = backend.compile(plan, weights);
const x = randomInput([1, 224, 224, 3], 42);
for (let i = 0; i < runs; i++) model.run(x);
const memory = await import('../dist/src/backends/wasm/module.js').then((m) => m.instantiateKernels()).then((k) => k.memory.buffer.byteLength);
// getrusage's maxRSS survives exec on Linux, so a child of a big bench process would report its
// parent's peak; /proc/self/status's VmHWM belongs to this process's own address space.
const hwm = (() => {
  try {
    const kb = /VmHWM:\s*(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return kb ? Number(kb[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
})();
console.log(JSON.stringify({ maxRssBytes: hwm ?? process.resourceUsage().maxRSS * 1024, wasmMemoryBytes: memory, ...model.memory }));
