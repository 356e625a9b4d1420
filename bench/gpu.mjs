// The GPU table of `npm run bench`: effnet's webgpu backend against @tensorflow/tfjs-backend-webgpu
// on one adapter, the same seeded network (effnet's randomWeights; TF.js's model is the golden
// generator's, written from Keras's source, with the same seeded values) and the same input, each
// run timed until its logits are back on the CPU. Runs under Deno (its WebGPU: lavapipe where
// there is no GPU) or Node (Dawn's binding, npm webgpu: SwiftShader where there is no GPU).
//
//   npm run bench:gpu                       # Deno, B0 @224 and B3 @300, batch 1 and 8
//   node bench/gpu.mjs --models b0 --batches 1
//
// onnxruntime-web's webgpu EP is not in the table: in Node on Dawn it needs the model as bytes and
// copies of the shared-memory views it hands to writeBuffer, and takes 40–75 s to create a session
// here (shared/REFERENCE.md); left for a later round.
const args = (typeof Deno !== 'undefined' ? Deno.args : process.argv.slice(2));
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
if (args.includes('--help')) {
  console.log('Usage: bench/gpu.mjs [--models b0,b3] [--batches 1,8] [--runs N] [--json FILE]\n\neffnet webgpu against tfjs-backend-webgpu on this runtime\'s WebGPU adapter; medians and ratios.');
  (typeof Deno !== 'undefined' ? Deno : process).exit(0);
}
const models = option('models', 'b0,b3').split(',');
const batches = option('batches', '1,8').split(',').map(Number);
const runsWanted = Number(option('runs', '0'));
const SEED = 1, INPUT_SEED = 42;

if (typeof Deno === 'undefined') {
  // Node: the GPU from effnet's Node entry (Dawn, SwiftShader where there is no GPU); tfjs-webgpu reads navigator.gpu
  const { nodeGpu } = await import('../dist/src/node/index.js');
  globalThis.navigator ??= {};
  Object.defineProperty(globalThis.navigator, 'gpu', { value: await nodeGpu(), configurable: true });
}
const effnet = await import('../dist/src/index.js');
const tfc = await import('@tensorflow/tfjs-core');
const tfl = await import('@tensorflow/tfjs-layers');
await import('@tensorflow/tfjs-backend-webgpu');
const { buildEfficientNet, setSeededWeights, variantOptions } = await import('../scripts/golden/tfjs-efficientnet.mjs');
const tf = { ...tfc, ...tfl };
if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs-backend-webgpu could not start on this runtime');
await tf.ready();

const backend = await effnet.createBackend('webgpu');
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
async function timed(run, runs) {
  await run(); // warm-up: pipelines compiled, buffers made
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  return { median: median(times), min: Math.min(...times), max: Math.max(...times), runs };
}

const rows = [];
for (const variant of models) {
  const plan = effnet.buildPlan(variant);
  const weights = effnet.randomWeights(plan, SEED);
  const net = buildEfficientNet(tf, variantOptions(variant, { resolution: plan.resolution }));
  setSeededWeights(net, SEED);
  const model = backend.compile(plan, weights);
  for (const batch of batches) {
    const x = effnet.randomInput([batch, plan.resolution, plan.resolution, 3], INPUT_SEED);
    const runs = runsWanted || (variant === 'b0' && batch === 1 ? 10 : 3);
    const xt = tf.tensor(x.data, x.shape);
    let theirs;
    const tfjs = await timed(async () => {
      const y = net.predict(xt);
      theirs = await y.data();
      y.dispose();
    }, runs);
    xt.dispose();
    let ours;
    const mine = await timed(async () => (ours = await model.predict(x)), runs);
    let maxDiff = 0, maxAbs = 0;
    for (let i = 0; i < theirs.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(ours.data[i] - theirs[i]));
      maxAbs = Math.max(maxAbs, Math.abs(theirs[i]));
    }
    const row = {
      model: variant, resolution: plan.resolution, batch, adapter: backend.adapter,
      effnet: mine, tfjsWebgpu: tfjs, ratio: mine.median / tfjs.median, agreement: maxDiff / maxAbs,
      perRun: { submits: 1, mapAsync: 1, passes: Math.ceil(batch / model.batchCapacity), dispatches: Math.ceil(batch / model.batchCapacity) * model.dispatchesPerPass, bytesReadBack: 4 * ours.size },
    };
    rows.push(row);
    console.error(`bench:gpu ${variant} @${plan.resolution} batch ${batch}: effnet ${mine.median.toFixed(1)} ms, tfjs-webgpu ${tfjs.median.toFixed(1)} ms (${row.ratio.toFixed(2)}×), agree ${row.agreement.toExponential(1)}`);
  }
  model.dispose();
  net.dispose();
}

const runtime = typeof Deno !== 'undefined' ? `Deno ${Deno.version.deno}` : `Node ${process.version}`;
console.log(`WebGPU on ${backend.adapter} (${runtime}); medians in ms, each run timed until the logits are back on the CPU\n`);
console.log('| model | batch | effnet webgpu | tfjs-backend-webgpu | effnet ÷ tfjs | dispatches / submits / mapAsync a run | bytes read back | agreement |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.model} @${r.resolution} | ${r.batch} | ${r.effnet.median.toFixed(1)} | ${r.tfjsWebgpu.median.toFixed(1)} | ${r.ratio.toFixed(2)} | ${r.perRun.dispatches} / 1 / 1 | ${r.perRun.bytesReadBack.toLocaleString('en-US')} | ${r.agreement.toExponential(1)} |`);
}
const out = option('json');
if (out) {
  const text = JSON.stringify({ generatedBy: 'bench/gpu.mjs', date: new Date().toISOString(), runtime, adapter: backend.adapter, seed: SEED, inputSeed: INPUT_SEED, rows }, null, 2);
  if (typeof Deno !== 'undefined') Deno.writeTextFileSync(out, text + '\n');
  else (await import('node:fs')).writeFileSync(out, text + '\n');
}
backend.destroy();
