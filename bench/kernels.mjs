#!/usr/bin/env node
// Per-kernel throughput on B0 @224's own layer shapes: each fused op of the compiled plan timed
// alone (fastest of --repeats runs, default 20), as GFLOP/s = 2 · multiply-adds / time, then
// totals by kernel family. Run after `npm run build`. --json for machine-readable output;
// --kernels simd|relaxed-simd picks the kernel build (default auto: relaxed SIMD where the runtime has
// it, which Node 20 gets from --experimental-wasm-relaxed-simd). Each family's GFLOP/s is also given as a
// share of the core's f32x4 multiply-add ceiling in this runtime (bench/ceiling.mjs).
import { buildPlan, createBackend, randomInput, randomWeights } from '../dist/src/index.js';
import { simdCeiling } from './ceiling.mjs';
import { machine } from './machine.mjs';

const args = process.argv.slice(2);
const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const repeats = Number(option('--repeats') || 20);
const plan = buildPlan('b0');
const backend = await createBackend('wasm', { kernels: option('--kernels') ?? 'auto' });
const model = backend.compile(plan, randomWeights(plan, 1));
const x = randomInput([1, 224, 224, 3], 42);
model.profile(x, 3);
const rows = model.profile(x, repeats);
const shapes = new Map([['input', plan.inputShape], ...plan.layers.map((l) => [l.name, l.shape])]);
const opShape = (op) => {
  const first = op.layers[0];
  return `${shapes.get(first.inputs[0]).join('×')} → ${shapes.get(op.name).join('×')}`;
};
const family = (op) => (op.kind === 'expandDepthwise' ? `expand + depthwise ${op.depthwise.kernel.join('×')}` : op.kind === 'pointwise' ? 'pointwise (gemm4x8)' : op.kind === 'conv2d' ? `conv ${op.kernel.join("×")}/${op.stride}` : op.kind === 'depthwiseConv2d' ? `depthwise ${op.kernel.join("×")}` : op.kind);
const gflops = (macs, ms) => (ms > 0 ? (2 * macs) / ms / 1e6 : 0);
const ceiling = await simdCeiling(backend.kernels);

if (args.includes('--json')) {
  console.log(JSON.stringify({ machine: machine(), kernels: backend.kernels, ceilingGflops: ceiling, rows: rows.map((r, i) => ({ ...r, family: family(model.ops[i]), shape: opShape(model.ops[i]), gflops: gflops(r.macs, r.ms) })) }, null, 2));
} else {
  const m = machine();
  console.log(`B0 @224 per op — ${m.cpu}, nproc ${m.nproc}, node ${m.node}, ${backend.kernels} kernels; fastest of ${repeats}\n`);
  console.log('| op | kernel | shape | MACs | ms | GFLOP/s |');
  console.log('|---|---|---|---|---|---|');
  rows.forEach((r, i) => console.log(`| ${r.name} | ${family(model.ops[i])} | ${opShape(model.ops[i])} | ${(r.macs / 1e6).toFixed(2)} M | ${r.ms.toFixed(3)} | ${gflops(r.macs, r.ms).toFixed(1)} |`));
  const by = new Map();
  rows.forEach((r, i) => {
    const f = family(model.ops[i]).replace(/ \d×\d\/\d$/, (s) => s);
    const t = by.get(f) ?? { ms: 0, macs: 0, n: 0 };
    by.set(f, { ms: t.ms + r.ms, macs: t.macs + r.macs, n: t.n + 1 });
  });
  const total = rows.reduce((a, r) => a + r.ms, 0);
  console.log(`\n| kernel family | ops | MACs | ms | share | GFLOP/s | of ceiling |`);
  console.log('|---|---|---|---|---|---|---|');
  for (const [f, t] of [...by].sort((a, b) => b[1].ms - a[1].ms)) {
    console.log(`| ${f} | ${t.n} | ${(t.macs / 1e6).toFixed(1)} M | ${t.ms.toFixed(2)} | ${((100 * t.ms) / total).toFixed(1)}% | ${gflops(t.macs, t.ms).toFixed(1)} | ${((100 * gflops(t.macs, t.ms)) / ceiling).toFixed(0)}% |`);
  }
  const macs = rows.reduce((a, r) => a + r.macs, 0);
  console.log(`\nsum of per-op minima: ${total.toFixed(2)} ms for ${(macs / 1e6).toFixed(0)} M MACs (${gflops(macs, total).toFixed(1)} GFLOP/s)`);
  console.log(`ceiling: ${ceiling.toFixed(1)} GFLOP/s, ten independent f32x4 multiply-add chains on one core (${backend.kernels}; bench/ceiling.mjs)`);
}
