import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EfficientNet } from '../src/efficientnet.js';
import { Classifier } from '../src/image/classifier.js';
import { NonFiniteOutputError } from '../src/image/nonfinite.js';
import { buildPlan } from '../src/model/plan.js';
import { readImage } from '../src/node/decode.js';
import { readNpy, writeNpy } from '../src/tensor/npy.js';
import { randomInput, randomWeights } from '../src/weights/random.js';
import type { Checkpoint } from '../src/weights/checkpoint.js';
import { encodeWeight } from '../scripts/golden/tfjs-format.mjs';
import { effnet } from './run-cli.js';

// Checkpoints whose values can only give NaN are refused at load, naming the file and the tensor;
// an image whose logits are not finite is an error for that image alone; infer writes what the
// network computed and fails. The shipped Fashion-MNIST model (torchvision names) is the base.

const SHIPPED = new URL('../fixtures/models/fashion-effnet.safetensors', import.meta.url).pathname;
const IMAGES = new URL('../fixtures/images/', import.meta.url).pathname;
const shipped = new Uint8Array(readFileSync(SHIPPED));
const tmp = mkdtempSync(join(tmpdir(), 'effnet-nonfinite-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function header(bytes: Uint8Array): { json: Record<string, { data_offsets: [number, number] } & Record<string, unknown>>; start: number } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { json: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))), start: 8 + n };
}

/** The shipped checkpoint with float32 values of a tensor replaced ({flat index: value}). */
function patched(name: string, values: Record<number, number>, bytes: Uint8Array = shipped): Uint8Array {
  const out = bytes.slice();
  const { json, start } = header(out);
  const view = new DataView(out.buffer);
  for (const [i, v] of Object.entries(values)) view.setFloat32(start + json[name]!.data_offsets[0] + 4 * Number(i), v, true);
  return out;
}

/** The shipped checkpoint with one __metadata__ entry replaced. */
function withMetadata(key: string, value: string): Uint8Array {
  const { json, start } = header(shipped);
  (json.__metadata__ as unknown as Record<string, string>)[key] = value;
  let text = JSON.stringify(json);
  text += ' '.repeat((8 - (text.length % 8)) % 8);
  const head = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + head.length + shipped.length - start);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  out.set(shipped.subarray(start), 8 + head.length);
  return out;
}

const load = (bytes: Uint8Array, backend: 'wasm' | 'reference' = 'wasm') =>
  EfficientNet.load({ format: 'safetensors', bytes, name: 'fashion.safetensors' }, { backend });

describe('checkpoints are refused at load when their values cannot give a finite answer', () => {
  it('a NaN or an infinity in any tensor: the file, the checkpoint name, the Keras name, where', async () => {
    await expect(load(patched('features.0.0.weight', { 5: NaN }))).rejects.toThrow(
      'fashion.safetensors: features.0.0.weight (stem_conv/kernel) has 1 non-finite value, the first NaN at [',
    );
    await expect(load(patched('classifier.1.bias', { 3: Infinity, 4: -Infinity }))).rejects.toThrow(
      'fashion.safetensors: classifier.1.bias (predictions/bias) has 2 non-finite values, the first Infinity at [3] of [10]',
    );
  });

  it('a negative running_var, bn_eps ≤ 0, a γ whose folding overflows float32', async () => {
    await expect(load(patched('features.0.1.running_var', { 7: -0.5 }))).rejects.toThrow(
      'fashion.safetensors: features.0.1.running_var (stem_bn/moving_variance) has a negative variance -0.5 at channel 7',
    );
    await expect(load(withMetadata('bn_eps', '-1'))).rejects.toThrow('fashion.safetensors: batch norm epsilon -1 must be a positive number');
    await expect(load(withMetadata('bn_eps', '0'))).rejects.toThrow('batch norm epsilon 0 must be a positive number');
    // γ = 3e38 is a float32; γ/√(0 + 1e-5) is not
    const overflow = patched('features.0.1.running_var', { 2: 0 }, patched('features.0.1.weight', { 2: 3e38 }));
    await expect(load(overflow)).rejects.toThrow(/^fashion\.safetensors: stem_bn scales channel 2 by 9\.49e\+40 .* overflows float32 folded into stem_conv$/);
  });

  it('a TF.js uint8 quantization whose scale overflows float32 names the weight', async () => {
    const variant = { name: 'tiny', width: 0.25, depth: 0.25, resolution: 32, dropout: 0.2 };
    const plan = buildPlan(variant, { numClasses: 3 });
    const entries: object[] = [];
    const parts: Uint8Array[] = [];
    for (const [name, t] of randomWeights(plan, 2)) {
      const { entry, bytes } = encodeWeight(name, [...t.shape], t.data, name === 'block1a_se_expand/bias' ? 'uint8' : null) as { entry: { quantization?: { scale: number } }; bytes: Uint8Array };
      if (entry.quantization) entry.quantization.scale = 1e39;
      entries.push(entry);
      parts.push(bytes);
    }
    const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((at, p) => (all.set(p, at), at + p.length), 0);
    const checkpoint: Checkpoint = {
      format: 'tfjs', name: 'tiny/model.json', shards: new Map([['weights.bin', all]]),
      modelJson: { format: 'layers-model', modelTopology: {}, weightsManifest: [{ paths: ['weights.bin'], weights: entries }] },
    };
    await expect(EfficientNet.load(checkpoint, { variant, numClasses: 3 })).rejects.toThrow(/^tiny\/model\.json: block1a_se_expand\/bias has \d+ non-finite values?, the first (-?Infinity|NaN) at/);
  });

  it('the CLI says so in one line and exits 1', async () => {
    const file = join(tmp, 'nan.safetensors');
    writeFileSync(file, patched('features.1.0.block.0.0.weight', { 0: NaN }));
    const r = await effnet('classify', '--weights', file, join(IMAGES, 'bag.png'));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`effnet classify: ${file}: features.1.0.block.0.0.weight (block1a_dwconv/depthwise_kernel) has 1 non-finite value, the first NaN at [0, 0, 0, 0] of [3, 3, 16, 1]`);
  });
});

// Finite weights can still overflow on some images. At 32×32 the head is one pixel: pick a head
// channel that top_bn makes positive for one image ("hot") and negative for another ("cold"),
// scale its γ and β so the hot value becomes 1e30 (the cold one, as negative, swish takes to
// about 0), and give class 0 a weight of 1e9 on it: the hot logit is 1e39, past float32.
describe('an image whose logits are not finite is an error for that image alone', () => {
  const files = ['bag.png', 'trouser.png', 'sneaker.png', 'dress.png', 'ankle-boot.png'].map((f) => join(IMAGES, f));
  let hot: string, cold: string, bytes: Uint8Array;
  beforeAll(async () => {
    const classifier = Classifier.fromModel(await load(shipped, 'reference'));
    const head = await Promise.all(files.map(async (f) => {
      let bn: Float32Array | undefined;
      classifier.model.run(classifier.preprocess([await readImage(f)]), { dump: (layer, t) => void (layer === 'top_bn' && (bn = t.data)) });
      return bn!;
    }));
    let best = { margin: 0, c: 0, hot: 0, cold: 0 };
    for (let c = 0; c < head[0]!.length; c++) {
      const v = head.map((h) => h[c]!);
      const hi = v.indexOf(Math.max(...v)), lo = v.indexOf(Math.min(...v));
      const margin = Math.min(v[hi]!, -v[lo]!);
      if (margin > best.margin) best = { margin, c, hot: hi, cold: lo };
    }
    expect(best.margin).toBeGreaterThan(0.25);
    [hot, cold] = [files[best.hot]!, files[best.cold]!];
    const g = 1e30 / head[best.hot]![best.c]!;
    const { json, start } = header(shipped);
    const view = new DataView(shipped.buffer, shipped.byteOffset);
    const at = (name: string) => view.getFloat32(start + json[name]!.data_offsets[0] + 4 * best.c, true);
    bytes = patched('features.8.1.weight', { [best.c]: g * at('features.8.1.weight') });
    bytes = patched('features.8.1.bias', { [best.c]: g * at('features.8.1.bias') }, bytes);
    bytes = patched('classifier.1.weight', { [best.c]: 1e9 }, bytes); // [10, 640]: class 0
  });

  it.each(['wasm', 'reference'] as const)('Classifier.classify on %s throws NonFiniteOutputError carrying the other predictions', async (backend) => {
    const classifier = Classifier.fromModel(await load(bytes, backend));
    const images = [await readImage(cold), await readImage(hot)];
    let error: unknown;
    try {
      classifier.classify(images, { top: 3 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NonFiniteOutputError);
    const e = error as NonFiniteOutputError;
    expect(e.message).toMatch(/^fashion\.safetensors: image 2 of 2: the network's output is not finite \(\d+ (NaN|infinite)/);
    expect(e.failed.map((r) => r.image)).toEqual([1]);
    expect(e.predictions[1]).toBeNull();
    expect(e.predictions[0]).toHaveLength(3);
    expect(e.predictions[0]!.every((p) => Number.isFinite(p.probability))).toBe(true);
  });

  it('effnet classify prints the others, one line for it, and exits 1', async () => {
    const file = join(tmp, 'hot.safetensors');
    writeFileSync(file, bytes);
    const r = await effnet('classify', '--weights', file, '--top', '1', cold, hot);
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')[0]).toBe(cold);
    const lines = r.stderr.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^effnet classify: ${hot.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: the network's output is not finite \\(`));
    expect(lines.slice(1)).toEqual(['effnet classify: 1 of 2 images gave a non-finite output']);
  });
});

describe('effnet infer with a NaN in its input', () => {
  it('writes the logits as computed, says how many are not finite, exits 1', async () => {
    const x = randomInput([2, 32, 32, 3], 4);
    x.data[100] = NaN; // image 0 only
    writeFileSync(join(tmp, 'x.npy'), writeNpy(x));
    const out = join(tmp, 'y.npy');
    const r = await effnet('infer', '--model', 'phi=-2', '--classes', '5', '--input', join(tmp, 'x.npy'), '--output', out);
    expect(r.code).toBe(1);
    const y = readNpy(new Uint8Array(readFileSync(out)));
    expect(Array.from(y.data.subarray(0, 5)).every(Number.isNaN)).toBe(true);
    expect(Array.from(y.data.subarray(5)).every(Number.isFinite)).toBe(true);
    expect(r.stderr.split('\n').at(-1)).toBe(`effnet infer: ${out}: 5 of 10 outputs are not finite (5 NaN, 0 infinite)`);
  });
});
