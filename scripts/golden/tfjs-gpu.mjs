#!/usr/bin/env node
// Golden outputs from TF.js's GPU backends: tfjs-backend-webgl (GLSL shaders on WebGL2) and
// tfjs-backend-webgpu (WGSL on WebGPU), in headless Debian chromium, where they run on SwiftShader
// (ANGLE for WebGL2, its Vulkan for WebGPU): the shaders, packing and accumulation order a user's
// GPU runs in a browser, executed in software.
//
//   node scripts/golden/tfjs-gpu.mjs                           # every case on both backends
//   node scripts/golden/tfjs-gpu.mjs --backend webgpu b3-64    # one backend, one case
//
// Each GPU case mirrors a CPU case of scripts/golden/tfjs.mjs (fixtures/golden/tfjs-<v>-<res>):
// the same builder, seed, input seed and stored layers. Weights are never stored: the GPU cases
// rebuild them from the seed (float32; the CPU B0 @224 case ships float16-rounded ones, so its
// GPU twins are compared with a tfjs-cpu run of the float32 weights, not with its goldens).
// The same page runs tfjs's cpu backend on the same weights and input: that difference, per
// layer, is the manifest's measured GPU-vs-CPU spread, and the case's tolerance derives from it
// (tolerance.mjs).

import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import { variantOptions } from './tfjs-efficientnet.mjs';
import { openGoldenPage, runInPage, CHROMIUM, FLAGS } from './tfjs-gpu-browser.mjs';
import { readNpy, writeNpy } from './npy.mjs';
import { RULE, toleranceFor } from './tolerance.mjs';

const ROOT = new URL('../../fixtures/golden/', import.meta.url).pathname;
const require = createRequire(import.meta.url);
const BACKENDS = ['webgl', 'webgpu'];
const BASE = ['b0-224', ...[1, 2, 3, 4, 5, 6, 7].map((n) => `b${n}-64`)];
function difference(reference, other) {
  const perLayer = {};
  let worst = { layer: '', relative: 0, maxAbs: 0 };
  for (const [n, t] of other) {
    const r = reference.get(n).data;
    let maxAbs = 0;
    let max = 0;
    for (let i = 0; i < t.data.length; i++) {
      const e = Math.abs(t.data[i] - r[i]);
      maxAbs = Number.isNaN(e) ? Infinity : Math.max(maxAbs, e);
      max = Math.max(max, Math.abs(t.data[i]));
    }
    const relative = maxAbs / (max || 1);
    perLayer[n] = relative;
    if (relative >= worst.relative) worst = { layer: n, relative, maxAbs };
  }
  return { worst_layer: worst.layer, max_abs_difference: worst.maxAbs, relative_to_max_golden: worst.relative, per_layer: perLayer };
}

const packageVersion = (name) => JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')).version;

function hostOf(info, browserVersion) {
  const gpu = info.backend === 'webgl' ? info.unmasked_renderer ?? info.renderer : `WebGPU adapter ${info.vendor}/${info.architecture}`;
  return `${gpu}, in headless Chromium ${browserVersion} on ${os.cpus()[0]?.model ?? 'cpu'} (${os.cpus().length} cores), ${os.platform()} ${os.arch()}`;
}

function gpuInfo(info) {
  const { flags, backend, ...rest } = info;
  const prefix = backend === 'webgl' ? 'WEBGL_' : 'WEBGPU_';
  return { adapter: rest, precision_flags: Object.fromEntries(Object.entries(flags).filter(([k]) => k.startsWith(prefix))) };
}

async function generateBase(g, base, backends) {
  const cpuCase = `tfjs-${base}`;
  const cpu = JSON.parse(readFileSync(join(ROOT, cpuCase, 'manifest.json'), 'utf8'));
  const layers = Object.keys(cpu.tensors);
  const spec = { variant: cpu.variant, resolution: cpu.resolution, seed: cpu.seed, inputSeed: cpu.input.input_seed, layers };
  const shape = [1, cpu.resolution, cpu.resolution, 3];
  const t0 = Date.now();
  const ref = await runInPage(g.page, { ...spec, backend: 'cpu' });
  console.error(`${base}: tfjs-cpu in chromium ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  // Where the CPU case's weights are these float32 ones, the browser's tfjs-cpu should reproduce its goldens.
  let nodeCpu = { skipped: `${cpuCase} holds float16-rounded weights` };
  if (!cpu.weights.file) {
    const stored = new Map(layers.map((n) => [n, readNpy(join(ROOT, cpuCase, `${n}.npy`))]));
    const d = difference(stored, ref.outputs);
    nodeCpu = { case: cpuCase, worst_layer: d.worst_layer, relative_to_max_golden: d.relative_to_max_golden };
  }
  const out = [];
  for (const backend of backends) {
    const name = `tfjs-${backend}-${base}`;
    const t1 = Date.now();
    const r = await runInPage(g.page, { ...spec, backend });
    const seconds = (Date.now() - t1) / 1000;
    const d = difference(ref.outputs, r.outputs);
    const dir = join(ROOT, name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const inputNpy = readNpy(join(ROOT, cpuCase, 'input.npy'));
    writeNpy(join(dir, 'input.npy'), inputNpy.shape, inputNpy.data);
    const tensors = {};
    for (const [n, t] of r.outputs) {
      writeNpy(join(dir, `${n}.npy`), t.shape, t.data);
      tensors[n] = t.shape;
    }
    const options = variantOptions(cpu.variant, { resolution: cpu.resolution });
    const manifest = {
      case: name,
      producer: 'scripts/golden/tfjs-gpu.mjs (page: scripts/golden/tfjs-gpu-page.mjs, model: scripts/golden/tfjs-efficientnet.mjs)',
      framework: '@tensorflow/tfjs-layers',
      framework_version: {
        ...(await g.page.evaluate(() => globalThis.goldenVersions())),
        [`tfjs-backend-${backend}`]: packageVersion(`@tensorflow/tfjs-backend-${backend}`),
        chromium: g.browserVersion,
        'playwright-core': packageVersion('playwright-core'),
        esbuild: packageVersion('esbuild'),
      },
      backend,
      device: hostOf(r.info, g.browserVersion),
      gpu: gpuInfo(r.info),
      browser: { executable: CHROMIUM, flags: FLAGS, user_agent: r.userAgent },
      mirrors: cpuCase,
      variant: cpu.variant,
      width: options.width,
      depth: options.depth,
      resolution: cpu.resolution,
      num_classes: 1000,
      padding: 'same',
      bn_epsilon: 1e-3,
      seed: cpu.seed,
      input: { ...cpu.input, note: `the same values as ${cpuCase}/input.npy` },
      weights: {
        shipped: false,
        scheme: 'effnet randomWeights(plan, seed) = seededValues/setWeights in scripts/golden/tfjs-efficientnet.mjs, float32',
        seed_from: `${cpuCase}/manifest.json (its seed rule: tfjs cpu and wasm agree on it)`,
      },
      tolerance: {
        relative_to_max_abs_golden: toleranceFor(d.relative_to_max_golden),
        rule: RULE,
      },
      tfjs_cpu_difference: {
        reference: `tfjs-layers on the cpu backend, same page, same weights and input: max |${backend} − cpu| / max |${backend}| per layer`,
        ...d,
      },
      browser_cpu_vs_node_cpu_golden: nodeCpu,
      forward_ms: r.ms,
      first_run_ms: r.first_ms,
      generation_seconds: Number(seconds.toFixed(1)),
      tensors,
    };
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    if (shape.join() !== inputNpy.shape.join()) throw new Error(`${name}: ${cpuCase}/input.npy has shape [${inputNpy.shape}], expected [${shape}]`);
    console.error(`${name}: ${layers.length} layers, ${seconds.toFixed(1)} s (first run ${r.first_ms} ms, then ${r.ms} ms), ${backend} vs cpu ${d.relative_to_max_golden.toExponential(2)} at ${d.worst_layer}, tolerance ${manifest.tolerance.relative_to_max_abs_golden}`);
    out.push(manifest);
  }
  return out;
}

const USAGE = `usage: node scripts/golden/tfjs-gpu.mjs [--backend webgl|webgpu] [CASE…]   (CASE: ${BASE.join(', ')})`;
const args = process.argv.slice(2);
if (args.includes('--help')) {
  console.log(USAGE);
  process.exit(0);
}
let backends = BACKENDS;
const only = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--backend') {
    const b = args[++i];
    if (!BACKENDS.includes(b)) {
      console.error(`tfjs-gpu.mjs: --backend must be webgl or webgpu, got '${String(b).slice(0, 40)}'`);
      process.exit(2);
    }
    backends = [b];
  } else if (BASE.includes(args[i].replace(/^tfjs-(webgl-|webgpu-)?/, ''))) {
    only.push(args[i].replace(/^tfjs-(webgl-|webgpu-)?/, ''));
  } else {
    console.error(`tfjs-gpu.mjs: unknown argument '${JSON.stringify(args[i]).slice(1, -1).slice(0, 60)}'\n${USAGE}`);
    process.exit(2);
  }
}
let g;
try {
  g = await openGoldenPage();
} catch (e) {
  console.error(`tfjs-gpu.mjs: ${CHROMIUM}: ${String(e.message).split('\n')[0].slice(0, 300)}`);
  process.exit(1);
}
try {
  for (const base of BASE.filter((b) => only.length === 0 || only.includes(b))) await generateBase(g, base, backends);
} finally {
  await g.close();
}
