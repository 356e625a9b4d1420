// Run by test/threads.test.ts in Deno and Bun: the wasm backend on 2 threads against 1.
import { buildPlan, createBackend, randomInput, randomWeights } from 'effnet';
const plan = buildPlan('b0', { resolution: 64 });
const w = randomWeights(plan, 1);
const x = randomInput([2, 64, 64, 3], 3);
const a = (await createBackend('wasm')).compile(plan, w).run(x);
const be = await createBackend('wasm', { threads: 2 });
const b = be.compile(plan, w).run(x);
console.log('threads', be.threads, 'identical', a.data.every((v, i) => Object.is(v, b.data[i])));
