import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildPlan, Classifier, EfficientNet, Tensor } from '../src/index.js';
import { resolveCheckpoint } from '../src/weights/checkpoint.js';
import { readSafetensors } from '../src/weights/safetensors.js';
import { DEFAULT_LIMITS } from '../src/limits.js';
import { Heap } from '../src/backends/wasm/heap.js';
import type { KernelExports } from '../src/backends/wasm/module.js';
import { safetensors, withHeader } from './fuzz/builders.js';

const shipped = new Uint8Array(readFileSync(new URL('../fixtures/models/fashion-effnet.safetensors', import.meta.url)));
const rssGrowth = async (f: () => unknown): Promise<number> => {
  const before = process.memoryUsage().rss;
  try {
    await f();
  } catch {
    // the error is checked by the caller
  }
  return process.memoryUsage().rss - before;
};

describe('plan-size limits, checked before anything is allocated', () => {
  it('the limits admit every released variant, timm L2 included', () => {
    for (const v of ['b0', 'b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7'] as const) expect(buildPlan(v).blocks).toBeLessThanOrEqual(55);
    const l2 = buildPlan({ name: 'l2', width: 4.3, depth: 5.3, resolution: 800, dropout: 0.5 });
    expect([l2.blocks, l2.params < DEFAULT_LIMITS.maxParams]).toEqual([88, true]);
    expect(buildPlan('b0', { numClasses: 21_843 }).numClasses).toBe(21_843);
  });

  it('phi=200 is refused by its size, one line naming the variant and the limit', () => {
    expect(() => buildPlan({ phi: 200 })).toThrow(/^phi=200: 308,898,706,031,016 pixels of input side, more than allowed \(limit maxResolution = 1,024\)$/);
    expect(() => buildPlan({ phi: 30 }, { resolution: 224 })).toThrow(/^phi=30: 3,802 blocks, more than allowed \(limit maxBlocks = 128\)$/);
    expect(() => buildPlan({ phi: 1e9 })).toThrow(/^phi=1000000000: Infinity pixels of input side, more than allowed/);
  });

  it('resolution, classes, channels and parameters each have their limit', () => {
    expect(() => buildPlan('b0', { resolution: 30000 })).toThrow(/^b0: 30,000 pixels of input side, more than allowed \(limit maxResolution = 1,024\)$/);
    expect(() => buildPlan('b0', { numClasses: 1e6 })).toThrow(/^b0: 1,000,000 classes, more than allowed \(limit maxClasses = 32,768\)$/);
    expect(() => buildPlan({ name: 'wide', width: 50, depth: 1, resolution: 224, dropout: 0 })).toThrow(/^wide: [\d,]+ channels in its widest layer, more than allowed \(limit maxChannels = 16,384\)$/);
    expect(() => buildPlan({ name: 'big', width: 4, depth: 4, resolution: 224, dropout: 0 }, { limits: { maxParams: 1e6 } })).toThrow(/^big: [\d,]+ parameters, more than allowed \(limit maxParams = 1,000,000\)$/);
    expect(buildPlan('b0', { resolution: 2000, limits: { maxResolution: 2048 } }).resolution).toBe(2000);
  });

  it('create({ numClasses: 1e6 }) fails at once instead of allocating 1.3 GB', async () => {
    const grew = await rssGrowth(() => EfficientNet.create({ numClasses: 1e6, backend: 'reference' }));
    await expect(EfficientNet.create({ numClasses: 1e6, backend: 'reference' })).rejects.toThrow(/maxClasses/);
    expect(grew).toBeLessThan(200 * 2 ** 20);
  });

  it('a 150-byte safetensors with __metadata__ depth "1e9" is one error naming the file', () => {
    const tiny = safetensors({ 'stem_conv/kernel': { dtype: 'F32', shape: [1], data: new Uint8Array(4) } }, { family: 'keras', width: '1', depth: '1e9' });
    expect(tiny.length).toBeLessThan(200);
    expect(() => resolveCheckpoint({ format: 'safetensors', bytes: tiny, name: 'deep.safetensors' })).toThrow(/^deep\.safetensors: width=1,depth=1000000000: 16,000,000,000 blocks, more than allowed \(limit maxBlocks = 128\)$/);
    for (const [meta, limit] of [[{ depth: '1e6', width: '1' }, 'maxBlocks'], [{ variant: 'phi=200' }, 'maxBlocks'], [{ num_classes: '1000000' }, 'maxClasses'], [{ resolution: '100000' }, 'maxResolution']] as const) {
      const file = withHeader(shipped, (h) => {
        const m = h.__metadata__ as Record<string, string>;
        if ('variant' in meta) delete m.width, delete m.depth;
        Object.assign(m, meta);
      });
      expect(() => resolveCheckpoint({ format: 'safetensors', bytes: file, name: 'm.safetensors' })).toThrow(new RegExp(`^m\\.safetensors: .*limit ${limit} = `));
    }
  });

  it('a TF.js model.json whose userDefinedMetadata asks for depth 1e6 is refused by the limit', () => {
    const modelJson = { format: 'layers-model', userDefinedMetadata: { family: 'keras', width: 1, depth: 1e6 }, weightsManifest: [{ paths: [], weights: [] }] };
    expect(() => resolveCheckpoint({ format: 'tfjs', modelJson, shards: new Map(), name: 'dir/model.json' })).toThrow(/^dir\/model\.json: .*limit maxBlocks = 128\)$/);
  });

  it('a 10,000-dimension shape is refused in one short line', () => {
    const file = safetensors({ x: { dtype: 'F32', shape: new Array(10000).fill(1), data: new Uint8Array(4) } });
    let message = '';
    try {
      readSafetensors(file, 'dims.safetensors');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe("dims.safetensors: tensor 'x' has 10000 dimensions, more than allowed (limit maxRank = 8)");
  });
});

describe('API misuse', () => {
  it('a disposed model refuses to run instead of recompiling', async () => {
    const model = await EfficientNet.create({ variant: { name: 'tiny', width: 0.25, depth: 0.25, resolution: 16, dropout: 0 }, backend: 'wasm' });
    const x = new Tensor([1, 16, 16, 3]);
    expect(model.run(x).shape).toEqual([1, 1000]);
    model.dispose();
    expect(() => model.run(x)).toThrow(/^this model was disposed: load or create it again to run it$/);
  });

  it('classify({ top }) takes only a positive integer', async () => {
    const classifier = await Classifier.load({ format: 'safetensors', bytes: shipped });
    const image = { width: 28, height: 28, data: new Uint8Array(28 * 28 * 3) };
    for (const top of [NaN, 0, -1, 1.5, Infinity]) expect(() => classifier.classify([image], { top })).toThrow(/^top must be a positive integer, got /);
    expect(classifier.classify([image], { top: 2 })[0]).toHaveLength(2);
  });

  it('checkpoint bytes may be an ArrayBuffer or a Buffer as well as a Uint8Array', async () => {
    const ab = shipped.slice().buffer;
    const viaBuffer = await Classifier.load({ format: 'safetensors', bytes: Buffer.from(shipped) });
    const viaArrayBuffer = await Classifier.load({ format: 'safetensors', bytes: ab as unknown as Uint8Array });
    expect(viaArrayBuffer.labels).toEqual(viaBuffer.labels);
  });
});

describe('TF.js manifests', () => {
  it('one shard named 100,000 times is refused by size before the shards are joined', () => {
    const shard = new Uint8Array(64 * 1024);
    const paths = new Array(100_000).fill('w.bin');
    const modelJson = { format: 'layers-model', weightsManifest: [{ paths, weights: [{ name: 'x', shape: [16], dtype: 'float32' }] }] };
    const before = process.memoryUsage().rss;
    expect(() => resolveCheckpoint({ format: 'tfjs', modelJson, shards: new Map([['w.bin', shard]]), name: 'm/model.json' }))
      .toThrow(/^m\/model\.json: shards w\.bin \+ w\.bin .*more than allowed \(limit maxCheckpointBytes = 2147483648\)$/);
    expect(process.memoryUsage().rss - before).toBeLessThan(500 * 2 ** 20);
  });
});

describe('pipeline metadata', () => {
  it.each([
    ['crop_pct', '0.001', /^m\.safetensors: crop_pct 0\.001: 32,000 pixels of shorter side, more than allowed \(limit maxResize = 4,096\)$/],
    ['resize', '30000', /^m\.safetensors: resize: 30,000 pixels of shorter side, more than allowed \(limit maxResize = 4,096\)$/],
  ])('metadata %s %s is refused at load, naming the file and the limit', async (key, value, message) => {
    const file = withHeader(shipped, (h) => {
      const m = h.__metadata__ as Record<string, string>;
      m[key] = value;
      if (key === 'resize') delete m.crop_pct;
    });
    await expect(Classifier.load({ format: 'safetensors', bytes: file, name: 'm.safetensors' }, { backend: 'reference' })).rejects.toThrow(message);
  });
});

describe('wasm memory', () => {
  it('memory the wasm backend cannot grow to is one clear error, not Memory.grow', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 2 });
    const heap = new Heap({ memory, heapBase: () => 1024, relaxedSimd: () => 0 } as unknown as KernelExports);
    expect(() => heap.alloc(5 * 2 ** 20)).toThrow(/^the wasm backend needs 6 MiB of linear memory, more than it could grow to: use a smaller batch or input size$/);
    expect(heap.alloc(1000)).toBeGreaterThan(0);
  });
});
