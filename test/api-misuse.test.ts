import { describe, expect, it } from 'vitest';
import { checkFiniteLogits } from '../src/image/nonfinite.js';
import { Classifier, EfficientNet, NonFiniteOutputError, Tensor } from '../src/index.js';

// What a caller can get wrong at the API reaches them as one line saying what was expected, never
// as an engine TypeError ("Cannot read properties of null", "shards.get is not a function").

async function failure(f: () => Promise<unknown>): Promise<Error> {
  try {
    await f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('it did not throw');
}

describe('misusing the loading API', () => {
  it('bytes: null', async () => {
    const e = await failure(() => Classifier.load({ format: 'safetensors', bytes: null as never }));
    expect(e.name).toBe('CheckpointError');
    expect(e.message).toBe('checkpoint.safetensors: bytes must be a Uint8Array, ArrayBuffer or Buffer, got null');
  });

  it('bytes as a string (a path, say)', async () => {
    const e = await failure(() => EfficientNet.load({ format: 'pth', bytes: 'model.pth' as never, name: 'model.pth' }));
    expect(e.message).toBe('model.pth: bytes must be a Uint8Array, ArrayBuffer or Buffer, got string');
  });

  it('TF.js shards as neither a Map nor an object', async () => {
    const e = await failure(() => EfficientNet.load({ format: 'tfjs', modelJson: {}, shards: 7 as never }));
    expect(e.message).toBe('model.json: shards must be a Map or an object of shard path → bytes, got number');
  });

  it('TF.js shards as a plain object are read like a Map', async () => {
    const modelJson = { format: 'layers-model', modelTopology: {}, weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: [{ name: 'x/kernel', shape: [2], dtype: 'float32' }] }] };
    const e = await failure(() => EfficientNet.load({ format: 'tfjs', modelJson, shards: { 'group1-shard1of1.bin': new Uint8Array(8) } }));
    // the shard is found and read; what fails is the model, which is not an EfficientNet
    expect(e.message).not.toMatch(/shard|is not a function/);
    expect(e.message).toMatch(/^model\.json: /);
  });

  it('a TF.js shard that is not bytes', async () => {
    const modelJson = { format: 'layers-model', modelTopology: {}, weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: [{ name: 'x/kernel', shape: [2], dtype: 'float32' }] }] };
    const e = await failure(() => EfficientNet.load({ format: 'tfjs', modelJson, shards: { 'group1-shard1of1.bin': 'weights.bin' as never } }));
    expect(e.message).toBe("model.json: shard 'group1-shard1of1.bin' must be a Uint8Array, ArrayBuffer or Buffer, got string");
  });

  it('a checkpoint that is not an object', async () => {
    const e = await failure(() => Classifier.load(null as never));
    expect(e.message).toBe("a checkpoint must be an object such as { format: 'safetensors', bytes }, got null");
  });
});

describe('a non-finite output', () => {
  it('names the checkpoint it came from (Classifier.classify passes its name)', () => {
    const logits = Tensor.from([2, 3], new Float32Array([0, 1, 2, Number.NaN, 1, Number.POSITIVE_INFINITY]));
    let error: unknown;
    try {
      checkFiniteLogits(logits, [[], []], 'b0.safetensors');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NonFiniteOutputError);
    expect((error as Error).message).toBe("b0.safetensors: image 2 of 2: the network's output is not finite (1 NaN, 1 infinite of 3 logits)");
  });
});
