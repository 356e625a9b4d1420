import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { readNpy, writeNpy } from '../src/tensor/npy.js';
import { Tensor } from '../src/tensor/tensor.js';
import { randomInput } from '../src/weights/random.js';
import { buildEfficientNet, setSeededWeights, variantOptions } from '../scripts/golden/tfjs-efficientnet.mjs';
import { compareLayer } from './golden-compare.js';

// A LayersModel as tfjs-layers' own model.save writes it (tfjs-node's file:// handler layout):
// one './weights.bin', weights in tfjs's order (all trainable ones first, not Keras's), the
// topology not wrapped in model_config. effnet infer must read it unchanged and agree with
// tfjs's own predict.

const tmp = mkdtempSync(join(tmpdir(), 'effnet-tfjs-layers-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('a LayersModel saved by tfjs-layers itself', () => {
  it('effnet infer reads it unchanged and matches tfjs predict', async () => {
    await tfc.setBackend('cpu');
    const tf = { ...tfc, ...tfl };
    const model = buildEfficientNet(tf, variantOptions('b0', { resolution: 32 }));
    setSeededWeights(model, 11);
    await model.save(tfc.io.withSaveHandler(async (a) => {
      const weightsManifest = [{ paths: ['./weights.bin'], weights: a.weightSpecs }];
      writeFileSync(join(tmp, 'model.json'), JSON.stringify({ modelTopology: a.modelTopology, format: a.format, generatedBy: a.generatedBy, convertedBy: a.convertedBy, weightsManifest }));
      writeFileSync(join(tmp, 'weights.bin'), new Uint8Array(a.weightData as ArrayBuffer));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const specs = JSON.parse(readFileSync(join(tmp, 'model.json'), 'utf8')).weightsManifest[0].weights as { name: string }[];
    expect(specs[3]!.name).toBe('block1a_dwconv/depthwise_kernel'); // not Keras's order (moving stats come last): the reader must go by name
    const x = randomInput([1, 32, 32, 3], 9);
    writeFileSync(join(tmp, 'x.npy'), writeNpy(x));
    const expected = model.predict(tfc.tensor(x.data, [1, 32, 32, 3])) as tfc.Tensor;
    const golden = new Tensor([1, 1000], new Float32Array(await expected.data()));

    for (const backend of ['reference', 'wasm']) {
      const out = join(tmp, `y-${backend}.npy`);
      const code = await main(['infer', '--weights', join(tmp, 'model.json'), '--input', join(tmp, 'x.npy'), '--output', out, '--backend', backend]);
      expect(code).toBe(0);
      expect(compareLayer('predictions', golden, readNpy(new Uint8Array(readFileSync(out))), 1e-4).message, backend).toBe('');
    }
  });
});
