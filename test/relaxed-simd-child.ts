// Run by test/relaxed-simd.test.ts in a Node started with --experimental-wasm-relaxed-simd:
// what the runtime reports, which build `auto` picks, and B0 @224 (seeded) on the relaxed build
// against the plain build and the reference backend, layer by layer, plus the tfjs B0 golden case
// on the relaxed build. Prints one JSON object.
import { createBackend } from '../src/backends/index.js';
import { wasmRelaxedSimdSupported } from '../src/backends/wasm/module.js';
import { buildPlan } from '../src/model/plan.js';
import { checkCase, readCase } from '../src/node/golden.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { randomInput, randomWeights } from '../src/weights/random.js';

const supported = wasmRelaxedSimdSupported();
const auto = await createBackend('wasm');
const relaxed = await createBackend('wasm', { kernels: 'relaxed-simd' });
const simd = await createBackend('wasm', { kernels: 'simd' });
const reference = await createBackend('reference');

const plan = buildPlan('b0');
const weights = randomWeights(plan, 1);
const x = randomInput([1, 224, 224, 3], 42);
const dumps = (backend: typeof simd) => {
  const layers = new Map<string, Tensor>();
  const out = backend.compile(plan, weights).run(x, { dump: (name, t) => layers.set(name, t) });
  return { layers, out };
};
const ours = dumps(relaxed);

// Worst layer of max |relaxed − other| ÷ max |other|, over the layers both dump; and whether any value differs.
function compare(other: Map<string, Tensor>) {
  let worst = { layer: '', relative: 0 }, compared = 0, differs = false;
  for (const [name, t] of ours.layers) {
    const o = other.get(name);
    if (!o) continue;
    compared++;
    let max = 0, error = 0;
    for (let i = 0; i < o.size; i++) max = Math.max(max, Math.abs(o.data[i]!));
    for (let i = 0; i < o.size; i++) {
      const e = Math.abs(t.data[i]! - o.data[i]!);
      if (e !== 0) differs = true;
      if (!(e <= error)) error = e;
    }
    if (!(error / (max || 1) <= worst.relative)) worst = { layer: name, relative: error / (max || 1) };
  }
  return { compared, worst, differs };
}

const golden = await checkCase(readCase(new URL('../fixtures/golden/', import.meta.url).pathname, 'tfjs-b0-224'), 'wasm');
console.log(JSON.stringify({
  supported,
  auto: auto.kernels,
  relaxed: relaxed.kernels,
  simd: simd.kernels,
  layers: ours.layers.size,
  vsSimd: compare(dumps(simd).layers),
  vsReference: compare(dumps(reference).layers),
  golden: { tolerance: golden.tolerance, worst: golden.worst, failures: golden.layers.filter((l) => !l.ok).map((l) => l.message), compared: golden.layers.length },
}));
