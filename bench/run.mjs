#!/usr/bin/env node
// B0 @224, batch 1: latency of this engine (wasm), @tensorflow/tfjs-backend-wasm (XNNPACK, SIMD,
// one thread in Node), @tensorflow/tfjs-backend-cpu and the reference backend, all in this
// process with the same seeded weights and input; then peak RSS of a wasm-only process.
// Run after `npm run build` (npm run bench does both). Options: --runs N (default 30),
// --cpu-runs N (tfjs-backend-cpu, default 20), --reference-runs N (default 3: seconds a run), --json.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPlan, createBackend, randomInput, randomWeights } from '../dist/src/index.js';
import { buildEfficientNet, setSeededWeights, variantOptions } from '../scripts/golden/tfjs-efficientnet.mjs';
import { interleaved, machine, time } from './machine.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const runs = option('--runs', 30);
const referenceRuns = option('--reference-runs', 3);
const cpuRuns = option('--cpu-runs', 20);
const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const log = (s) => process.stderr.write(`${s}\n`);

const SEED = 1;
const plan = buildPlan('b0');
const weights = randomWeights(plan, SEED);
const x = randomInput([1, 224, 224, 3], 42);
const results = {};

// effnet wasm
const wasm = await createBackend('wasm');
const model = wasm.compile(plan, weights);
const ours = model.run(x);

// TF.js: the golden generator's EfficientNet with the same seeded weights
const tfc = await import('@tensorflow/tfjs-core');
const tfl = await import('@tensorflow/tfjs-layers');
await import('@tensorflow/tfjs-backend-cpu');
const tfWasm = await import('@tensorflow/tfjs-backend-wasm');
// Which binary tfjs-backend-wasm loads: its Emscripten glue reads the file with fs in Node.
const loaded = [];
for (const fn of ['readFileSync', 'readFile']) {
  const original = fs[fn];
  fs[fn] = function (file, ...rest) {
    if (String(file).endsWith('.wasm')) loaded.push(basename(String(file)));
    return original.call(this, file, ...rest);
  };
}
tfWasm.setWasmPaths(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + '/');
const tf = { ...tfc, ...tfl };
await tf.setBackend('cpu');
const net = buildEfficientNet(tf, variantOptions('b0'));
setSeededWeights(net, SEED);
const xt = tf.tensor(x.data, [1, 224, 224, 3]);
const tfRun = () => tf.tidy(() => net.predict(xt).dataSync());
const tfInfo = {};
for (const backend of ['wasm', 'cpu']) {
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend '${backend}' could not be initialised`);
  await tf.ready();
  const logits = tfRun();
  let err = 0, scale = 0;
  for (let i = 0; i < logits.length; i++) {
    err = Math.max(err, Math.abs(logits[i] - ours.data[i]));
    scale = Math.max(scale, Math.abs(logits[i]));
  }
  tfInfo[backend] = { maxRelDiffToEffnet: err / scale };
  if (backend === 'wasm') {
    tfInfo.wasm.simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    tfInfo.wasm.multithread = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    tfInfo.wasm.threads = tfWasm.getThreadsCount();
    tfInfo.wasm.binary = loaded.join(', ') || 'unknown (no .wasm read through fs)';
    // effnet wasm and tfjs-backend-wasm take turns, so a busy spell on the machine hits both
    const [a, b] = interleaved([() => model.run(x), tfRun], { warmup: 5, runs });
    results['effnet wasm'] = a;
    results['tfjs-backend-wasm'] = b;
  } else {
    results['tfjs-backend-cpu'] = time(tfRun, { warmup: 1, runs: cpuRuns });
  }
  log(`tfjs-backend-${backend}: ${results[`tfjs-backend-${backend}`].median.toFixed(1)} ms (logits max rel diff to effnet ${tfInfo[backend].maxRelDiffToEffnet.toExponential(1)})`);
}

// the reference backend: seconds a run, so only a few
const reference = (await createBackend('reference')).compile(plan, weights);
results['effnet reference'] = time(() => reference.run(x), { warmup: 0, runs: referenceRuns });
log(`effnet reference: ${results['effnet reference'].median.toFixed(0)} ms`);

// peak RSS of a process that only runs the wasm engine
const child = spawnSync(process.execPath, [join(here, 'rss.mjs'), '20'], { encoding: 'utf8' });
if (child.status !== 0) throw new Error(`bench/rss.mjs failed: ${child.stderr.trim().split('\n').at(-1)}`);
const memory = JSON.parse(child.stdout.trim().split('\n').at(-1));

const ms = (k) => results[k].median;
const ratios = {
  'effnet wasm / tfjs-backend-wasm': ms('effnet wasm') / ms('tfjs-backend-wasm'),
  'effnet wasm / tfjs-backend-cpu': ms('effnet wasm') / ms('tfjs-backend-cpu'),
  'reference / effnet wasm (speed-up)': ms('effnet reference') / ms('effnet wasm'),
};
const report = { machine: machine(), model: 'b0 @224, batch 1, seed 1', results, ratios, tfjs: tfInfo, memory };

if (args.includes('--json')) {
  console.log(JSON.stringify(report, null, 2));
} else {
  const m = report.machine;
  console.log(`\nB0 @224, batch 1 — ${m.cpu}, nproc ${m.nproc}, node ${m.node}, ${m.platform}`);
  console.log(`tfjs-backend-wasm binary: ${tfInfo.wasm.binary} (SIMD ${tfInfo.wasm.simd}, threads ${tfInfo.wasm.threads})\n`);
  console.log('| engine | median ms | min ms | max ms | runs | effnet wasm ÷ this |');
  console.log('|---|---|---|---|---|---|');
  for (const [name, r] of Object.entries(results)) {
    console.log(`| ${name} | ${r.median.toFixed(1)} | ${r.min.toFixed(1)} | ${r.max.toFixed(1)} | ${r.runs} | ${(ms('effnet wasm') / r.median).toFixed(3)} |`);
  }
  console.log('');
  for (const [name, r] of Object.entries(ratios)) console.log(`${name}: ${r.toFixed(3)}`);
  const mib = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  console.log(`\nmemory: peak RSS ${mib(memory.maxRssBytes)} (a process running only effnet wasm), wasm memory ${mib(memory.wasmMemoryBytes)}: ` +
    `weights ${mib(memory.weightBytes)}, activation arena ${mib(memory.arenaBytes)}, SE scratch ${memory.scratchBytes} B`);
}
