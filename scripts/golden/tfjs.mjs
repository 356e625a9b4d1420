#!/usr/bin/env node
// Golden outputs from TF.js: an EfficientNet built in tfjs-layers with Keras's names
// (tfjs-efficientnet.mjs, written independently of effnet's plan), seeded weights, run on the
// tfjs 'cpu' backend (or tfjs-node when it loads), the 'wasm' backend's difference recorded.
//
//   node scripts/golden/tfjs.mjs                  # every case
//   node scripts/golden/tfjs.mjs tfjs-b3-64       # one case
//   node scripts/golden/tfjs.mjs --tfjs-node      # insist on @tensorflow/tfjs-node(-gpu)
//   node scripts/golden/tfjs.mjs --tfjs-node-gpu --out DIR   # on a CUDA machine: DIR/tfjs-node-gpu-*
//
// --tfjs-node-gpu runs on TensorFlow's CUDA kernels: case names become tfjs-node-gpu-<v>-<res>,
// seeds are the committed CPU cases', the difference from tfjs's cpu backend on the same model is
// measured and the tolerance derived from it (tolerance.mjs), so `effnet verify --fixtures DIR`
// checks them as they are.
//
// tfjs-b0-224: B0 at 224, weights shipped as a float16-quantized LayersModel (model.json +
// group1-shard*of*.bin, the converter's format); goldens computed by the model tfjs reloads from
// those files. tfjs-bN-64 (N = 1…7): 64×64 input, weights not shipped: effnet rebuilds them with
// randomWeights(plan, seed), the scheme setSeededWeights re-implements.

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildEfficientNet, kerasWeights, mulberry32, setSeededWeights, variantOptions } from './tfjs-efficientnet.mjs';
import { folderHandler, writeLayersModel } from './tfjs-format.mjs';
import { writeNpy } from './npy.mjs';
import { loadTf } from './tfjs-runtime.mjs';
import { RULE, toleranceFor } from './tolerance.mjs';

const ROOT = new URL('../../fixtures/golden/', import.meta.url).pathname;
const TOLERANCE = 1e-4;

const CASES = [
  { name: 'tfjs-b0-224', variant: 'b0', resolution: 224, seed: 1, inputSeed: 42, ship: 'float16' },
  ...['b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7'].map((v, i) => ({ name: `tfjs-${v}-64`, variant: v, resolution: 64, seed: 101 + i, inputSeed: 201 + i, ship: null })),
];

// Which activations a case stores (fixtures/ must stay under 40 MB): every layer of B0 at 224
// would be ~100 MB, so B0 keeps the stem, each stage's output, block6d's every layer and the
// head; the 64×64 cases keep the outputs of stages 3–7 (a few KB each) and the head.
function dumpLayers(model, { ship }) {
  const names = model.layers.map((l) => l.name);
  const stageEnd = new Map();
  for (const n of names) {
    const m = /^(block\d+)[a-z]_(add|project_bn)$/.exec(n);
    if (m) stageEnd.set(m[1], n);
  }
  const pick = new Set(['top_activation', 'avg_pool', 'predictions']);
  for (const [stage, n] of stageEnd) if (ship || Number(stage.slice(5)) >= 3) pick.add(n);
  if (ship) {
    pick.add('stem_activation');
    for (const part of ['expand_activation', 'activation', 'se_reshape', 'se_reduce', 'se_expand', 'se_excite', 'project_bn', 'add']) pick.add(`block6d_${part}`);
  }
  return names.filter((n) => pick.has(n));
}

function seededInput(shape, seed) {
  const next = mulberry32(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: size }, () => 2 * next() - 1);
}

async function run(tf, model, layerNames, input, shape) {
  const probe = tf.model({ inputs: model.inputs, outputs: layerNames.map((n) => model.getLayer(n).output) });
  const x = tf.tensor(input, shape);
  const ys = probe.predict(x);
  const outs = await Promise.all((Array.isArray(ys) ? ys : [ys]).map(async (t) => ({ shape: t.shape, data: await t.data() })));
  tf.dispose([x, ys]);
  return new Map(layerNames.map((n, i) => [n, outs[i]]));
}

function relativeDifference(golden, other) {
  let worst = { layer: '', relative: 0, maxAbs: 0 };
  for (const [n, t] of golden) {
    const o = other.get(n).data;
    let maxAbs = 0;
    let ref = 0;
    for (let i = 0; i < t.data.length; i++) {
      maxAbs = Math.max(maxAbs, Math.abs(t.data[i] - o[i]));
      ref = Math.max(ref, Math.abs(t.data[i]));
    }
    const relative = maxAbs / (ref || 1);
    if (relative >= worst.relative) worst = { layer: n, relative, maxAbs };
  }
  return worst;
}

// Seeded networks this deep sometimes blow up (B7 at 64×64, some seeds: logits ~10³) and then
// amplify float32 rounding 10⁵-fold, so two correct float32 implementations disagree by 10⁻¹: no
// golden can be checked to 1e-4 there. A seeded case therefore takes the first seed of
// seed, seed + 1000, … on which tfjs's own cpu and wasm backends agree to CONDITIONED, and its
// manifest lists the seeds it rejected.
const CONDITIONED = 1e-5;

async function chooseSeed(rt, model, layers, input, shape, c) {
  const { tf } = rt;
  const rejected = [];
  for (let k = 0; k < 10; k++) {
    const seed = c.seed + 1000 * k;
    setSeededWeights(model, seed);
    const main = tf.getBackend();
    const golden = await run(tf, model, layers, input, shape);
    if (!(await tf.setBackend('wasm').catch(() => false))) return { seed, rejected, golden };
    const other = await run(tf, model, layers, input, shape);
    await tf.setBackend(main);
    const d = relativeDifference(golden, other);
    if (d.relative <= CONDITIONED) return { seed, rejected, golden };
    rejected.push({ seed, tfjs_cpu_vs_wasm: d.relative, layer: d.layer });
    console.error(`${c.name}: seed ${seed} is ill-conditioned (tfjs cpu vs wasm ${d.relative.toExponential(2)} at ${d.layer}), trying the next`);
  }
  throw new Error(`${c.name}: no well-conditioned seed among 10`);
}

// The seed a committed CPU case settled on: a GPU run reuses it, so both hold the same weights.
function committedSeed(c) {
  const file = join(ROOT, c.name, 'manifest.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).seed : undefined;
}

async function generate(rt, c, root, gpu) {
  const { tf } = rt;
  const name = gpu ? c.name.replace(/^tfjs-/, 'tfjs-node-gpu-') : c.name;
  const dir = join(root, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const options = variantOptions(c.variant, { resolution: c.resolution });
  const built = buildEfficientNet(tf, options);
  const shape = [1, c.resolution, c.resolution, 3];
  const input = seededInput(shape, c.inputSeed);
  const layers = dumpLayers(built, c);
  let seed = c.seed;
  let rejected = [];
  if (gpu) seed = committedSeed(c) ?? seed;
  if (c.ship || gpu) setSeededWeights(built, seed);
  else ({ seed, rejected } = await chooseSeed(rt, built, layers, input, shape, c));
  let model = built;
  let weights;
  if (c.ship) {
    await writeLayersModel(built, dir, { quantize: c.ship, generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}` });
    model = await tf.loadLayersModel(folderHandler(dir));
    const a = kerasWeights(built).map((w) => w.name).join();
    const b = kerasWeights(model).map((w) => w.name).join();
    if (a !== b) throw new Error(`${c.name}: the reloaded model's weight names differ from the built one's`);
    weights = {
      file: 'model.json',
      format: 'TF.js LayersModel (tensorflowjs_converter layout: one group, 4 MiB shards)',
      quantization: c.ship,
      note: 'the goldens are computed by the model tfjs-layers reloads from these files, so they hold the float16-rounded weights',
    };
  } else {
    weights = {
      shipped: false,
      scheme: 'effnet randomWeights(plan, seed) = setSeededWeights in scripts/golden/tfjs-efficientnet.mjs',
      prng: 'mulberry32(seed), one stream',
      order: 'Keras weight order: layer by layer in model order, within a layer kernel, bias / depthwise_kernel / gamma, beta, moving_mean, moving_variance; each tensor row-major in its TF layout',
      values: 'u = 2·next() − 1; kernel, depthwise_kernel u·√(6/fanIn) (fanIn = kh·kw·cin, kh·kw, or in); bias, beta, moving_mean 0.02·u; gamma 1 + 0.25·u; moving_variance 1 + 0.5·u',
      seed_rule: `the first of seed, seed + 1000, … on which tfjs cpu and wasm agree to ${CONDITIONED} (ill-conditioned seeds amplify float32 rounding beyond any tolerance)`,
      rejected_seeds: rejected,
    };
  }

  writeNpy(join(dir, 'input.npy'), shape, input);
  const t0 = Date.now();
  const golden = await run(tf, model, layers, input, shape);
  const ms = Date.now() - t0;
  const tensors = {};
  for (const [n, t] of golden) {
    writeNpy(join(dir, `${n}.npy`), t.shape, t.data);
    tensors[n] = t.shape;
  }

  // The same model on another tfjs backend (wasm; cpu for a GPU run): how far two tfjs backends
  // already disagree. For a GPU run the tolerance derives from it.
  const main = tf.getBackend();
  const otherName = gpu ? 'cpu' : 'wasm';
  let wasm = { skipped: `${otherName} backend not available` };
  if (await tf.setBackend(otherName).catch(() => false)) {
    const other = await run(tf, model, layers, input, shape);
    const worst = relativeDifference(golden, other);
    wasm = { backend: otherName, worst_layer: worst.layer, max_abs_difference: worst.maxAbs, relative_to_max_golden: worst.relative };
    await tf.setBackend(main);
  }
  if (gpu && wasm.skipped) throw new Error(`${name}: ${wasm.skipped}, so the GPU's difference from it cannot be measured`);
  const tolerance = gpu
    ? { relative_to_max_abs_golden: toleranceFor(wasm.relative_to_max_golden), rule: RULE }
    : { relative_to_max_abs_golden: TOLERANCE, rule: 'per layer: max |ours − golden| ≤ tolerance · max |golden|' };

  const manifest = {
    case: name,
    producer: 'scripts/golden/tfjs.mjs (model: scripts/golden/tfjs-efficientnet.mjs)',
    framework: '@tensorflow/tfjs-layers',
    framework_version: rt.versions,
    backend: main,
    device: rt.device,
    tfjs_node: rt.tfjsNode,
    ...(gpu ? { env: { NVIDIA_TF32_OVERRIDE: process.env.NVIDIA_TF32_OVERRIDE ?? 'unset (TensorFlow may use TF32 on Ampere and newer)' } } : {}),
    variant: c.variant,
    width: options.width,
    depth: options.depth,
    resolution: c.resolution,
    num_classes: 1000,
    padding: 'same',
    bn_epsilon: 1e-3,
    seed,
    input: { file: 'input.npy', layout: 'NHWC, already normalised', scheme: 'mulberry32(input_seed), 2·next() − 1 in row-major order', input_seed: c.inputSeed },
    weights,
    tolerance,
    tfjs_backend_difference: wasm,
    ...(gpu ? { tfjs_cpu_difference: { reference: 'the same model and input on tfjs\'s cpu backend: max |gpu − cpu| / max |gpu|, worst layer', ...wasm } } : {}),
    forward_ms: ms,
    tensors,
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  tf.dispose(built.weights.map((w) => w.read()));
  return manifest;
}

const args = process.argv.slice(2);
const requireGpu = args.includes('--tfjs-node-gpu');
const requireNode = args.includes('--tfjs-node') || requireGpu;
const outAt = args.indexOf('--out');
if (outAt >= 0 && !args[outAt + 1]) {
  console.error('tfjs.mjs: --out needs a folder');
  process.exit(2);
}
const root = outAt >= 0 ? resolve(args[outAt + 1]) : ROOT;
const only = args.filter((a, i) => !a.startsWith('--') && (outAt < 0 || i !== outAt + 1));
const unknown = only.filter((n) => !CASES.some((c) => c.name === n));
if (unknown.length) {
  console.error(`tfjs.mjs: unknown case(s) ${unknown.join(', ')} (known: ${CASES.map((c) => c.name).join(', ')})`);
  process.exit(2);
}
let rt;
try {
  rt = await loadTf({ requireNode, requireGpu });
} catch (e) {
  console.error(`tfjs.mjs: ${e.message}`);
  process.exit(1);
}
console.error(`tfjs ${rt.versions['tfjs-core']} on '${rt.backend}'; tfjs-node: ${rt.tfjsNode}`);
for (const c of CASES.filter((c) => only.length === 0 || only.includes(c.name))) {
  const m = await generate(rt, c, root, requireGpu);
  console.error(`${c.name}: ${Object.keys(m.tensors).length} tensors, forward ${m.forward_ms} ms, tfjs wasm vs ${m.backend}: ${m.tfjs_backend_difference.relative_to_max_golden?.toExponential(2) ?? m.tfjs_backend_difference.skipped} (${m.tfjs_backend_difference.worst_layer ?? ''})`);
}
