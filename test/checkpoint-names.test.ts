import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EfficientNet } from '../src/efficientnet.js';
import { buildPlan } from '../src/model/plan.js';
import { VARIANTS, type VariantName } from '../src/model/scaling.js';
import { readCheckpointFile } from '../src/node/checkpoint.js';
import { resolveCheckpoint } from '../src/weights/checkpoint.js';
import { sourceShape, toTfLayout } from '../src/weights/layout.js';
import { NAME_MAPS } from '../src/weights/names/index.js';

const fixture = (path: string) => new Uint8Array(readFileSync(new URL(`../fixtures/${path}`, import.meta.url)));

// torchvision's own state_dict names and shapes for b0…b7 (scripts/golden/torchvision_state_dicts.py).
const torchvision = JSON.parse(new TextDecoder().decode(fixture('golden/torchvision-state-dicts.json'))) as {
  variants: Record<VariantName, { bn_eps: number; tensors: [string, number[]][] }>;
};

/** A safetensors file of zeros (F16) with the given names and shapes, and optional metadata. */
function zeros(tensors: [string, number[]][], metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let at = 0;
  for (const [name, shape] of tensors) {
    const bytes = shape.reduce((a, b) => a * b, 1) * (name.endsWith('num_batches_tracked') ? 8 : 2);
    header[name] = { dtype: name.endsWith('num_batches_tracked') ? 'I64' : 'F16', shape, data_offsets: [at, at + bytes] };
    at += bytes;
  }
  const text = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + text.length + at);
  new DataView(out.buffer).setUint32(0, text.length, true);
  out.set(text, 8);
  return out;
}

/** The same file with its header edited (the data buffer untouched). */
function editHeader(bytes: Uint8Array, edit: (h: Record<string, { shape: number[] } & Record<string, unknown>>) => void): Uint8Array {
  const n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  edit(header);
  const text = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + text.length + bytes.length - 8 - n);
  new DataView(out.buffer).setUint32(0, text.length, true);
  out.set(text, 8);
  out.set(bytes.subarray(8 + n), 8 + text.length);
  return out;
}

describe('torchvision name map', () => {
  it.each(Object.keys(VARIANTS) as VariantName[])('%s: finds every tensor of torchvision\'s state_dict, in its shape, and nothing else', (v) => {
    const expected = new Map(torchvision.variants[v].tensors.filter(([k]) => !k.endsWith('num_batches_tracked')));
    const plan = buildPlan(v, { padding: 'symmetric' });
    const refs = NAME_MAPS.torchvision.sources(plan, new Set(expected.keys()));
    const ours = new Map([...plan.layers.flatMap((l) => l.weights)].map((w) => {
      const ref = refs.get(w.name)!;
      return [ref.key, sourceShape(ref.layout, w.shape)] as const;
    }));
    expect(Object.fromEntries(ours)).toEqual(Object.fromEntries(expected));
  });

  it.each(Object.keys(VARIANTS) as VariantName[])('%s: batch norm epsilon is torchvision\'s', (v) => {
    expect(NAME_MAPS.torchvision.epsilon(v)).toBe(torchvision.variants[v].bn_eps);
  });
});

describe('timm name map (the documented layout of timm/models/_efficientnet_blocks.py)', () => {
  const plan = buildPlan('b0');
  const refs = NAME_MAPS.timm.sources(plan, new Set());
  const at = (keras: string) => {
    const r = refs.get(keras)!;
    return [r.key, sourceShape(r.layout, plan.layers.flatMap((l) => l.weights).find((w) => w.name === keras)!.shape)];
  };
  it.each([
    ['stem_conv/kernel', 'conv_stem.weight', [32, 3, 3, 3]],
    ['stem_bn/moving_variance', 'bn1.running_var', [32]],
    ['block1a_dwconv/depthwise_kernel', 'blocks.0.0.conv_dw.weight', [32, 1, 3, 3]],
    ['block1a_se_reduce/kernel', 'blocks.0.0.se.conv_reduce.weight', [8, 32, 1, 1]],
    ['block1a_project_conv/kernel', 'blocks.0.0.conv_pw.weight', [16, 32, 1, 1]],
    ['block1a_project_bn/gamma', 'blocks.0.0.bn2.weight', [16]],
    ['block2a_expand_conv/kernel', 'blocks.1.0.conv_pw.weight', [96, 16, 1, 1]],
    ['block2a_bn/beta', 'blocks.1.0.bn2.bias', [96]],
    ['block2a_se_expand/bias', 'blocks.1.0.se.conv_expand.bias', [96]],
    ['block2b_project_conv/kernel', 'blocks.1.1.conv_pwl.weight', [24, 144, 1, 1]],
    ['block7a_project_bn/moving_mean', 'blocks.6.0.bn3.running_mean', [320]],
    ['top_conv/kernel', 'conv_head.weight', [1280, 320, 1, 1]],
    ['top_bn/gamma', 'bn2.weight', [1280]],
    ['predictions/kernel', 'classifier.weight', [1000, 1280]],
  ])('%s is %s %j', (keras, key, shape) => {
    expect(at(keras)).toEqual([key, shape]);
  });
});

describe('PyTorch layouts become TF layouts', () => {
  it('OIHW [o, i, y, x] lands at HWIO [y, x, i, o]', () => {
    const [O, I, H, W] = [3, 2, 2, 3];
    const src = Float32Array.from({ length: O * I * H * W }, (_, n) => n);
    const out = toTfLayout('oihw', [H, W, I, O], src);
    for (let o = 0; o < O; o++) for (let i = 0; i < I; i++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      expect(out[((y * W + x) * I + i) * O + o]).toBe(src[((o * I + i) * H + y) * W + x]);
    }
  });
  it('depthwise [c, 1, y, x] lands at [y, x, c, 1]', () => {
    const src = Float32Array.from({ length: 4 * 9 }, (_, n) => n);
    const out = toTfLayout('depthwise', [3, 3, 4, 1], src);
    for (let c = 0; c < 4; c++) for (let p = 0; p < 9; p++) expect(out[p * 4 + c]).toBe(src[c * 9 + p]);
  });
  it('linear [out, in] lands at [in, out]', () => {
    expect(Array.from(toTfLayout('linear', [3, 2], Float32Array.from([1, 2, 3, 4, 5, 6])))).toEqual([1, 4, 2, 5, 3, 6]);
  });
});

describe('resolveCheckpoint: family, variant and epsilon from names and shapes', () => {
  it('a bare torchvision B2 state_dict is torchvision b2 at 260, symmetric padding, eps 1e-5', () => {
    const { info } = resolveCheckpoint({ format: 'safetensors', bytes: zeros(torchvision.variants.b2.tensors), name: 'b2.safetensors' });
    expect([info.family, info.coefficients.name, info.resolution, info.padding, info.epsilon, info.numClasses]).toEqual(['torchvision', 'b2', 260, 'symmetric', 1e-5, 1000]);
    expect(info.ignored.every((k) => k.endsWith('num_batches_tracked'))).toBe(true);
  });

  it('a torchvision B5 gets eps 1e-3, as torchvision builds it', () => {
    const { info } = resolveCheckpoint({ format: 'safetensors', bytes: zeros(torchvision.variants.b5.tensors) }, { resolution: 32 });
    expect([info.coefficients.name, info.epsilon]).toEqual(['b5', 1e-3]);
  });

  it('timm names are timm (symmetric, 1e-5) unless the file name says tf_efficientnet (same, 1e-3)', () => {
    const plan = buildPlan('b0');
    const refs = NAME_MAPS.timm.sources(plan, new Set());
    const tensors = plan.layers.flatMap((l) => l.weights).map((w) => [refs.get(w.name)!.key, sourceShape(refs.get(w.name)!.layout, w.shape)] as [string, number[]]);
    const a = resolveCheckpoint({ format: 'safetensors', bytes: zeros(tensors), name: 'efficientnet_b0.safetensors' }).info;
    const b = resolveCheckpoint({ format: 'safetensors', bytes: zeros(tensors), name: 'hub/tf_efficientnet_b0.ns_jft_in1k/model.safetensors' }).info;
    expect([a.family, a.padding, a.epsilon]).toEqual(['timm', 'symmetric', 1e-5]);
    expect([b.family, b.padding, b.epsilon]).toEqual(['timm_tf', 'same', 1e-3]);
  });

  it('metadata width/depth/resolution/num_classes/bn_eps describe a non-standard model (torch-custom-32)', async () => {
    const model = await EfficientNet.load({ format: 'safetensors', bytes: fixture('golden/torch-custom-32/model.safetensors') }, { backend: 'reference' });
    expect([model.family, model.plan.coefficients.width, model.plan.coefficients.depth, model.plan.resolution, model.plan.numClasses, model.plan.epsilon]).toEqual(['torchvision', 0.25, 0.25, 32, 10, 1e-5]);
    expect(model.metadata.width).toBe('0.25');
  });

  it('a width whose torchvision head differs from Keras\'s round_filters(1280·w) fails clearly', () => {
    const bytes = fixture('golden/torch-custom-32/model.safetensors');
    expect(() => resolveCheckpoint({ format: 'safetensors', bytes, name: 'c.safetensors' }, { variant: { name: 'w', width: 0.13, depth: 0.25, resolution: 32, dropout: 0.2 } }))
      .toThrow(/^c\.safetensors: width 0\.13: torchvision's head has 160 channels, the Keras plan 168; this width cannot be represented$/);
  });

  it('the edge API takes a TF.js model as JSON plus shard bytes', async () => {
    const dir = 'golden/tfjs-b0-224/';
    const modelJson = JSON.parse(new TextDecoder().decode(fixture(`${dir}model.json`)));
    const shards = new Map((modelJson.weightsManifest[0].paths as string[]).map((p) => [p, fixture(dir + p)]));
    const model = await EfficientNet.load({ format: 'tfjs', modelJson, shards }, { backend: 'reference', resolution: 32 });
    expect([model.family, model.plan.padding, model.plan.epsilon, model.plan.coefficients.name]).toEqual(['keras', 'same', 1e-3, 'b0']);
  });

  const b0 = () => fixture('golden/torch-b0-224/model.safetensors');
  it.each([
    ['a tensor of the wrong shape', (h: Record<string, { shape: number[] }>) => (h['features.0.0.weight']!.shape = [32, 3, 9, 1]), /t\.safetensors: torchvision checkpoint does not fit b0 .*: 1 problem\(s\): features\.0\.0\.weight \(stem_conv\/kernel\) has shape \[32, 3, 9, 1\], expected \[32, 3, 3, 3\]$/],
    ['an unknown name', (h: Record<string, unknown>) => { h['classifier.1.scale'] = h['classifier.1.bias']; delete h['classifier.1.bias']; }, /2 problem\(s\): missing classifier\.1\.bias \(predictions\/bias\) \[1000\]; unexpected classifier\.1\.scale \[1000\]$/],
  ])('%s is one error naming the tensor', (_, edit, message) => {
    const bytes = editHeader(b0(), edit as never);
    expect(() => resolveCheckpoint({ format: 'safetensors', bytes, name: 't.safetensors' }, { variant: 'b0' })).toThrow(message);
  });

  it('names of no known family are refused with a sample of them', () => {
    expect(() => resolveCheckpoint({ format: 'safetensors', bytes: zeros([['encoder.layer0.w', [2]]]), name: 'x.safetensors' }))
      .toThrow(/^x\.safetensors: names match no known family \(keras, timm_tf, timm, torchvision\): the first are encoder\.layer0\.w$/);
  });

  it('a forced family that does not fit lists the closest variant\'s problems', () => {
    expect(() => resolveCheckpoint({ format: 'safetensors', bytes: b0(), name: 't.safetensors' }, { family: 'timm' }))
      .toThrow(/^t\.safetensors: the timm tensors fit no B0–B7 variant; the closest, b\d .*, has \d+ problem\(s\): .* \(give the variant/);
  });

  const fashion = new URL('../fixtures/models/fashion-effnet.safetensors', import.meta.url);
  it.skipIf(!existsSync(fashion))('loads the trained fashion checkpoint from its metadata', async () => {
    const model = await EfficientNet.load(await readCheckpointFile(fashion.pathname), { backend: 'reference' });
    expect(model.family).toBe('torchvision');
    expect(model.plan.numClasses).toBe(10);
    expect(model.plan.resolution).toBe(Number(model.metadata.resolution));
  });
});
