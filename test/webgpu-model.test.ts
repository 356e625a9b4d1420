import { afterAll, describe, expect, it } from 'vitest';
import { createBackend } from '../src/backends/index.js';
import { buildPlan } from '../src/model/plan.js';
import { Tensor } from '../src/tensor/tensor.js';
import { randomInput, randomWeights } from '../src/weights/random.js';
import { distance, webGpuBackend } from './webgpu-harness.js';

// A whole EfficientNet-B0 on the webgpu backend (the fused ops of fusePlan, each run by its WGSL
// kernel, in one submit) against the reference backend running the same plan layer by layer: every
// step the GPU dumps, under its last Keras layer's name, within 1e-4 · max |reference| of the
// reference's dump of that name. At 48×48 the stride-2 steps meet even sizes (TF 'same' pads the
// extra pixel bottom and right) and an odd one (3 → 2).

const TOLERANCE = 1e-4;
const plan = buildPlan('b0', { resolution: 48 });
const weights = randomWeights(plan, 7);
const x3 = randomInput([3, 48, 48, 3], 11);
const image = (b: number) => new Tensor([1, 48, 48, 3], x3.data.slice(b * 48 * 48 * 3, (b + 1) * 48 * 48 * 3));

const gpu = await webGpuBackend();
const model = await gpu.compileAsync(plan, weights);
const reference = (await createBackend('reference')).compile(plan, weights);

describe('EfficientNet-B0 on webgpu agrees with the reference backend step by step', () => {
  afterAll(() => gpu.destroy());

  it('every dumped step of a batch of 2 is within 1e-4 of the reference, named as `steps` names them', async () => {
    const x = new Tensor([2, 48, 48, 3], x3.data.slice(0, 2 * 48 * 48 * 3));
    const want = new Map<string, Tensor>();
    const refOut = reference.run(x, { dump: (name, t) => want.set(name, t) });
    const names: string[] = [];
    const rows: { name: string; relative: number; message: string }[] = [];
    const got = await model.predict(x, {
      dump: (name, t) => {
        names.push(name);
        const w = want.get(name);
        expect(w, `the reference dumps no layer named ${name}`).toBeDefined();
        const d = distance(w!, t);
        rows.push({ name, relative: d.relative, message: `${name}: max error ${d.error} at ${d.at}, max |reference| ${d.scale}` });
      },
    });
    expect(names).toEqual(model.steps.map((s) => s.name));
    for (const name of ['stem_activation', 'block1a_se_excite', 'block1a_project_bn', 'block2b_add', 'top_activation', 'avg_pool', 'predictions']) expect(names).toContain(name);
    const worst = rows.reduce((a, b) => (b.relative > a.relative ? b : a));
    console.log(`b0 @48 on ${gpu.adapter}: ${model.steps.length} steps, ${model.dispatchesPerPass} dispatches a pass; worst step ${worst.message} (${worst.relative.toExponential(2)} relative)`);
    expect(rows.filter((r) => !(r.relative <= TOLERANCE)).map((r) => r.message)).toEqual([]);
    expect(got.shape).toEqual([2, 1000]);
    expect(distance(refOut, got).relative).toBeLessThanOrEqual(TOLERANCE);
  });

  let logits3: Tensor;
  const alone: Tensor[] = [];
  it('repeated runs (two at once) are bit-identical, a batch of 3 equals its three images run alone, dumpLayers dumps only those', async () => {
    logits3 = await model.predict(x3);
    for (let b = 0; b < 3; b++) {
      alone.push(await model.predict(image(b)));
      expect(Array.from(alone[b]!.data), `image ${b}`).toEqual(Array.from(logits3.data.subarray(b * 1000, (b + 1) * 1000)));
    }
    // two runs in flight at once share the input buffer and arena: the queue keeps them apart
    const dumped: string[] = [];
    const [again0, again1] = await Promise.all([
      model.predict(image(0), { dump: (name) => dumped.push(name), dumpLayers: ['block1a_project_bn', 'predictions'] }),
      model.predict(image(1)),
    ]);
    expect(Array.from(again0.data)).toEqual(Array.from(alone[0]!.data));
    expect(Array.from(again1.data)).toEqual(Array.from(alone[1]!.data));
    expect(dumped).toEqual(['block1a_project_bn', 'predictions']);
  });

  it('a batch split into passes of 2 and 1 images (a lowered arena limit) gives the same logits', async () => {
    const oneImage = model.memory.arenaBytesPerImage;
    const small = gpu.compile(plan, weights, { share: model, maxArenaBytes: 2 * oneImage });
    expect(small.batchCapacity).toBe(2);
    expect(Array.from((await small.predict(x3)).data)).toEqual(Array.from(logits3.data));
    small.dispose!();
    expect(() => gpu.compile(plan, weights, { maxArenaBytes: oneImage / 2 })).toThrow(/^b0 at 48×48 needs [\d.]+ MiB of activations for one image; this GPU binds at most [\d.]+ MiB \(maxArenaBytes\)$/);
  });

  it('an image with a NaN gets NaN logits, the others keep theirs; run() and profile() name the awaited calls', async () => {
    const x = new Tensor([2, 48, 48, 3], x3.data.slice(0, 2 * 48 * 48 * 3));
    x.data[48 * 48 * 3 + 100] = NaN;
    const got = await model.predict(x);
    expect(got.data.subarray(1000, 2000).every(Number.isNaN)).toBe(true);
    expect(Array.from(got.data.subarray(0, 1000))).toEqual(Array.from(alone[0]!.data));
    expect(() => model.run(x3)).toThrow(/^the webgpu backend runs asynchronously: use await model\.predict\(x\)$/);
    expect(() => model.profile(x3)).toThrow(/profileAsync/);
  });

  it('profileAsync times every step, from GPU timestamps where the device has them', async () => {
    const profile = await model.profileAsync(image(0));
    expect(profile.map((p) => p.name)).toEqual(model.steps.map((s) => s.name));
    expect(profile.every((p) => p.ms >= 0 && Number.isFinite(p.ms))).toBe(true);
    expect(model.profileSource).toBe(gpu.device.features.has('timestamp-query') ? 'timestamp-query' : 'submit-per-step');
  });

  // last: it ends the device every test above runs on
  it('a device destroyed under a run in flight fails that run and every later one with one line', async () => {
    const inFlight = model.predict(x3);
    gpu.device.destroy();
    const line = /^the GPU device was lost \(destroyed\): create the model again$/;
    await expect(inFlight).rejects.toThrow(line);
    await expect(model.predict(image(0))).rejects.toThrow(line);
    expect(() => gpu.compile(plan, weights)).toThrow(line);
  });
});
