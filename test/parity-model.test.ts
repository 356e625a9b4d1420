import { describe, expect, it } from 'vitest';
import type { Backend } from '../src/backends/backend.js';
import { createBackend } from '../src/backends/index.js';
import type { WasmCompiledModel } from '../src/backends/wasm/index.js';
import { buildPlan, type PlanOptions } from '../src/model/plan.js';
import type { Variant } from '../src/model/scaling.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { randomInput, randomWeights } from '../src/weights/random.js';
import { compareLayer, type LayerComparison } from './golden-compare.js';

// A whole EfficientNet on the wasm backend (batch norm folded, layers fused, arena-planned)
// against the reference backend running the same plan layer by layer: every layer the wasm
// backend dumps (each fused group under its last layer's Keras name) must agree with the
// reference's dump of that name within 1e-4 · max|reference|.

const TOLERANCE = 1e-4;

async function layerByLayer(reference: Backend, wasm: Backend, variant: Variant, options: PlanOptions, batch: number) {
  const plan = buildPlan(variant, options);
  const weights = randomWeights(plan, 7);
  const x = randomInput([batch, plan.resolution, plan.resolution, 3], 11);
  const want = new Map<string, Tensor>();
  const refOut = reference.compile(plan, weights).run(x, { dump: (name, t) => want.set(name, t) });
  const model = wasm.compile(plan, weights) as WasmCompiledModel;
  const rows: LayerComparison[] = [];
  const got = model.run(x, {
    dump: (name, t) => {
      const w = want.get(name);
      expect(w, `the reference dumps no layer named ${name}`).toBeDefined();
      rows.push(compareLayer(name, w!, t, TOLERANCE));
    },
  });
  return { plan, model, rows, got, refOut };
}

function expectAgreement(rows: LayerComparison[]) {
  const bad = rows.filter((r) => !r.ok);
  expect(bad.map((r) => r.layer), bad[0]?.message).toEqual([]);
}

describe('EfficientNet on wasm agrees with the reference backend layer by layer', async () => {
  const reference = await createBackend('reference');
  const wasm = await createBackend('wasm');

  it('b0 @224, TF same padding, batch 1: every fused layer within 1e-4 of the reference', async () => {
    const { model, rows, got, refOut } = await layerByLayer(reference, wasm, 'b0', {}, 1);
    // every step, after the values inside it (expandDepthwise's expand: block2a–4a at 224)
    expect(rows.map((r) => r.layer)).toEqual(model.steps.flatMap((s) => [...(s.inner ?? []), s.name]));
    // the groups the design names, each dumped under its last layer
    for (const name of ['stem_activation', 'block1a_activation', 'block1a_se_excite', 'block1a_project_bn', 'block2a_expand_activation', 'block2b_add', 'top_activation', 'avg_pool', 'predictions']) {
      expect(rows.map((r) => r.layer)).toContain(name);
    }
    expectAgreement(rows);
    expect(got.shape).toEqual([1, 1000]);
    expect(got.data.length).toBe(refOut.data.length);
  });

  it('b0 at an odd resolution (67) with batch 2: stride-2 same pads are symmetric on odd sizes, images stay apart', async () => {
    const { rows, got, refOut } = await layerByLayer(reference, wasm, 'b0', { resolution: 67 }, 2);
    expectAgreement(rows);
    expect(got.shape).toEqual([2, 1000]);
    // the two images' logits differ: the batch loop did not run one image twice
    expect(Array.from(got.data.subarray(0, 1000))).not.toEqual(Array.from(got.data.subarray(1000)));
    expect(refOut.shape).toEqual(got.shape);
  });

  it('the Fashion-MNIST shape: width 0.5, depth 0.5, 32×32, 10 classes, symmetric padding, eps 1e-5, batch 2', async () => {
    const variant = { name: 'fashion', width: 0.5, depth: 0.5, resolution: 32, dropout: 0.2 };
    const { rows, got } = await layerByLayer(reference, wasm, variant, { numClasses: 10, padding: 'symmetric', epsilon: 1e-5 }, 2);
    expectAgreement(rows);
    expect(got.shape).toEqual([2, 10]);
  });
});
