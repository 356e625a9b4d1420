#!/usr/bin/env node
// effnet wasm against its peers on the same seeded network and input, in one process, the engines
// taking turns run by run (each after a full garbage collection and a 50 ms pause): effnet on 1 and 2 threads
// (and, for a batch, the same batch one image a run: what folding it into the kernels gains), onnxruntime-web (wasm, SIMD; 1 and 2 threads), tfjs-backend-wasm
// (XNNPACK), onnxruntime-node (native, the ceiling); tfjs-backend-cpu and effnet's reference
// backend on the first case only (seconds a run). Logits of every peer are compared with effnet's,
// so a wrong export cannot pass as fast. Writes bench/results/latest.json; bench/table.mjs turns
// it into the performance table of docs/performance.md. Run after `npm run build` (npm run bench does both).
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';

const usage = `Usage: npm run bench -- [options]   (or node bench/run.mjs after npm run build)
  --models LIST     variants, comma-separated (default b0,b3; each at its own resolution)
  --batches LIST    batch sizes (default 1,8)
  --runs N          timed rounds per case (default 20), after --warmup N rounds (default 3)
  --peers LIST      of ort-web, tfjs-wasm, ort-node (default all three)
  --threads LIST    thread counts of effnet and onnxruntime (default 1,2)
  --cpu-runs N      tfjs-backend-cpu runs on the first case (default 10; 0 skips)
  --reference-runs N  effnet reference backend runs on the first case (default 3; 0 skips)
  --note TEXT       stored in the JSON and printed above the performance table
  --out FILE        the JSON report (default bench/results/latest.json)
  --readme          also regenerate docs/performance.md's table from it (bench/table.mjs)
  --json            print the report as JSON on stdout instead of the table
The ONNX files of the onnxruntime peers are made on demand in bench/.cache/ by scripts/onnx/
(needs /usr/bin/python3 with numpy and onnx); without them those peers are skipped, said in one line.
Quick run: npm run bench -- --models b0 --batches 1 --runs 5 --cpu-runs 0 --reference-runs 0`;

const PEERS = ['ort-web', 'tfjs-wasm', 'ort-node'];
const here = dirname(fileURLToPath(import.meta.url));
const log = (s) => process.stderr.write(`${s}\n`);
const fail = (s) => {
  log(`bench: ${s}`);
  process.exit(2);
};

function parseArgs(args) {
  const o = { models: ['b0', 'b3'], batches: [1, 8], runs: 20, warmup: 3, peers: PEERS, threads: [1, 2], cpuRuns: 10, referenceRuns: 3, note: null, out: join(here, 'results/latest.json'), readme: false, json: false };
  const count = (flag, v, min) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > 10000) fail(`${flag} wants an integer from ${min} to 10000, got '${String(v).slice(0, 40)}'`);
    return n;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = () => (i + 1 < args.length ? args[++i] : fail(`${a} needs a value`));
    switch (a) {
      case '--models': o.models = value().split(','); break;
      case '--batches': o.batches = value().split(',').map((v) => count(a, v, 1)); break;
      case '--runs': o.runs = count(a, value(), 1); break;
      case '--warmup': o.warmup = count(a, value(), 0); break;
      case '--peers': o.peers = value().split(',').filter(Boolean); break;
      case '--threads': o.threads = value().split(',').map((v) => count(a, v, 1)); break;
      case '--cpu-runs': o.cpuRuns = count(a, value(), 0); break;
      case '--reference-runs': o.referenceRuns = count(a, value(), 0); break;
      case '--note': o.note = value().slice(0, 300); break;
      case '--out': o.out = value(); break;
      case '--readme': o.readme = true; break;
      case '--json': o.json = true; break;
      default: fail(`unknown option '${JSON.stringify(a).slice(1, -1).slice(0, 60)}' (see --help)`);
    }
  }
  for (const m of o.models) if (!/^b[0-7]$/.test(m)) fail(`--models: '${m.slice(0, 20)}' is not b0…b7`);
  for (const p of o.peers) if (!PEERS.includes(p)) fail(`--peers: '${p.slice(0, 20)}' is not one of ${PEERS.join(', ')}`);
  return o;
}

if (process.argv.includes('--help')) {
  console.log(usage);
  process.exit(0);
}
const opt = parseArgs(process.argv.slice(2));

const { buildPlan, randomInput, randomWeights } = await import('../dist/src/index.js');
const { machine, stats } = await import('./machine.mjs');
const { effnetEngine } = await import('./engines/effnet.mjs');
const { ortNodeEngine, ortWebEngine, toNchw } = await import('./engines/ort.mjs');
const { onnxModel } = await import('./onnx-model.mjs');

const SEED = 1, INPUT_SEED = 42;
/** Milliseconds between two engines' runs. */
const SETTLE_MS = 50;
// A full collection before each run, so that one engine's garbage is not collected on the next
// one's time: V8 collects on helper threads too, which on a 2-core machine is the second thread.
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc');
const loadStart = os.loadavg();
const skipped = [];
const skip = (engine, reason) => {
  if (skipped.some((s) => s.engine === engine && s.reason === reason)) return;
  skipped.push({ engine, reason });
  log(`bench: skipped ${engine}: ${reason}`);
};

// Rows in the order the table shows them: ours, the Wasm peers, the native ceiling, the slow ones.
const ours = await effnetEngine('wasm');
const timed = [ours];
for (const t of opt.threads.filter((t) => t > 1)) timed.push(await effnetEngine('wasm', t));
// beside a batch folded into the kernels, the same batch one image a run, in the same turns
if (opt.batches.some((b) => b > 1)) for (const t of opt.threads) timed.push(await effnetEngine('wasm', t, { imageByImage: true }));
// Each engine is compared with effnet at its own thread count (1 for engines that have one).
const threadsOf = (e) => e.info?.threads ?? e.info?.numThreadsRequested ?? e.info?.intraOpNumThreads ?? 1;
const oursAt = (e) => timed.find((o) => o.name.startsWith('effnet wasm') && !o.info.imageByImage && threadsOf(o) === threadsOf(e)) ?? ours;
const add = (e, label) => ('skipped' in e ? skip(label, e.skipped) : timed.push(e));
if (opt.peers.includes('ort-web')) for (const t of opt.threads) add(await ortWebEngine(t, log), `onnxruntime-web, ${t} thread(s)`);
let tfjs = null;
if (opt.peers.includes('tfjs-wasm') || opt.cpuRuns > 0) {
  const { tfjsEngines } = await import('./engines/tfjs.mjs');
  tfjs = await tfjsEngines(SEED);
  if (opt.peers.includes('tfjs-wasm')) timed.push(tfjs.wasm);
}
if (opt.peers.includes('ort-node')) for (const t of opt.threads) add(await ortNodeEngine(t), `onnxruntime-node, ${t} thread(s)`);
const apart = [];
if (opt.cpuRuns > 0) apart.push({ engine: tfjs.cpu, runs: opt.cpuRuns });
if (opt.referenceRuns > 0) apart.push({ engine: await effnetEngine('reference'), runs: opt.referenceRuns });

const maxRelDiff = (a, ref) => {
  let err = 0, scale = 0;
  for (let i = 0; i < ref.length; i++) {
    err = Math.max(err, Math.abs(a[i] - ref[i]));
    scale = Math.max(scale, Math.abs(ref[i]));
  }
  return a.length === ref.length ? err / scale : Infinity;
};

// Written after every case (partial: true until the end), so a run cut short keeps what it measured.
function writeReport(partial, memory = undefined) {
  const root = join(here, '..');
  const used = [...timed, ...apart.map((a) => a.engine)].filter((e) => cases.some((c) => c.results[e.name]));
  const report = {
    generatedBy: 'bench/run.mjs',
    date: new Date().toISOString(),
    ...(partial ? { partial } : {}),
    machine: machine(),
    load: { start: loadStart, end: os.loadavg() },
    note: opt.note,
    seed: SEED,
    inputSeed: INPUT_SEED,
    warmup: opt.warmup,
    output: relative(root, opt.out).startsWith('..') ? opt.out : relative(root, opt.out),
    engines: used.map((e) => ({ name: e.name, ...e.info })),
    skipped,
    cases,
    ...(memory ? { memory } : {}),
  };
  mkdirSync(dirname(opt.out), { recursive: true });
  writeFileSync(opt.out, `${JSON.stringify(report, null, 2)}\n`);
  log(`bench: ${partial ? 'partial ' : ''}report written to ${opt.out}`);
  return report;
}

const cases = [];
for (const variant of opt.models) {
  const plan = buildPlan(variant);
  const weights = randomWeights(plan, SEED);
  let onnx = null;
  if (timed.some((e) => e.needsOnnx)) {
    log(`bench: ${variant}: exporting the seeded network to ONNX (cached in bench/.cache/)…`);
    const r = onnxModel({ variant, resolution: plan.resolution, seed: SEED });
    if (r.skipped) skip('onnxruntime-web and onnxruntime-node', r.skipped);
    onnx = r.path ?? null;
  }
  for (const batch of opt.batches) {
    const x = randomInput([batch, plan.resolution, plan.resolution, 3], INPUT_SEED);
    const k = { variant, resolution: plan.resolution, batch, plan, weights, x, nchw: toNchw(x), onnx };
    const label = `${variant} @${plan.resolution}, batch ${batch}`;
    const first = cases.length === 0;
    const prepare = async (e) => {
      if ((e.needsOnnx && !onnx) || e.wants?.(k) === false) return false;
      try {
        await e.prepare(k);
        return true;
      } catch (err) {
        skip(e.name, `${label}: ${String(err.message).split('\n')[0].slice(0, 200)}`);
        return false;
      }
    };
    const rounds = [];
    for (const e of timed) if (await prepare(e)) rounds.push(e);
    const reference = await ours.logits();
    const agreement = {};
    for (const e of rounds) if (e !== ours) agreement[e.name] = maxRelDiff(await e.logits(), reference);
    // Turns: one run of each engine a round, the starting engine rotating, so a busy spell on
    // the machine falls on all of them alike.
    const times = new Map(rounds.map((e) => [e, []]));
    log(`bench: ${label}: ${rounds.length} engines in turns, ${opt.warmup} warm-up + ${opt.runs} timed rounds…`);
    for (let i = 0; i < opt.warmup + opt.runs; i++) {
      for (let j = 0; j < rounds.length; j++) {
        const e = rounds[(i + j) % rounds.length];
        // a collection and a pause first, so that the previous engine's garbage is gone and its
        // worker threads, which may spin a while after a run (onnxruntime's do), are idle
        collectGarbage();
        await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
        const ms = await e.run();
        if (i >= opt.warmup) times.get(e).push(ms);
      }
    }
    const results = Object.fromEntries(rounds.map((e) => [e.name, stats(times.get(e))]));
    if (first) {
      // After the turns: tfjs-backend-cpu's prepare moves TF.js's global backend off wasm.
      for (const { engine, runs } of apart) {
        if (!(await prepare(engine))) continue;
        agreement[engine.name] = maxRelDiff(await engine.logits(), reference);
        log(`bench: ${label}: ${engine.name}, ${runs} runs…`);
        await engine.run();
        const t = [];
        for (let i = 0; i < runs; i++) t.push(await engine.run());
        results[engine.name] = stats(t);
      }
    }
    const engineNamed = (name) => [...timed, ...apart.map((a) => a.engine)].find((e) => e.name === name);
    const ratios = Object.fromEntries(Object.entries(results).map(([name, r]) => [name, (results[oursAt(engineNamed(name)).name] ?? results[ours.name]).median / r.median]));
    cases.push({ model: variant, resolution: plan.resolution, batch, results, agreement, ratios });
    for (const [name, r] of Object.entries(results)) {
      const agree = agreement[name] === undefined ? '' : `, logits max rel diff ${agreement[name].toExponential(1)}`;
      log(`  ${name}: median ${r.median.toFixed(1)} ms (min ${r.min.toFixed(1)}, max ${r.max.toFixed(1)}, ${r.runs} runs; ${(r.median / batch).toFixed(1)} per image), effnet ÷ this ${ratios[name].toFixed(3)}${agree}`);
    }
    writeReport(true);
  }
}

const memory = (() => {
  const child = spawnSync(process.execPath, [join(here, 'rss.mjs'), '20'], { encoding: 'utf8' });
  if (child.status !== 0) return { error: `bench/rss.mjs failed: ${child.stderr.trim().split('\n').at(-1)?.slice(0, 200)}` };
  return JSON.parse(child.stdout.trim().split('\n').at(-1));
})();
const report = writeReport(false, memory);
for (const e of [...timed, ...apart.map((a) => a.engine)]) await e.close?.();
const { renderTable, replaceBetweenMarkers } = await import('./table.mjs');
if (opt.readme) {
  const { readFileSync } = await import('node:fs');
  const readme = join(here, '../docs/performance.md');
  writeFileSync(readme, replaceBetweenMarkers(readFileSync(readme, 'utf8'), renderTable(report)));
  log('bench: docs/performance.md table regenerated');
}
if (opt.json) console.log(JSON.stringify(report, null, 2));
else console.log(`\n${renderTable(report)}`);
process.exit(0);
