import { readFileSync } from 'node:fs';
import { io } from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import { manifestPaths, readTfjsModel } from '../src/weights/tfjs.js';
// The generator's encoder follows tfjs-converter's quantization.py; tfjs-core decodes as the oracle.
import { encodeWeight } from '../scripts/golden/tfjs-format.mjs';

type Entry = { name: string; shape: number[]; dtype: string; quantization?: object };

function model(weights: { name: string; shape: number[]; data: number[]; quantize: string | null }[], shardBytes: number) {
  const entries: Entry[] = [];
  const parts: Uint8Array[] = [];
  for (const w of weights) {
    const { entry, bytes } = encodeWeight(w.name, w.shape, Float32Array.from(w.data), w.quantize) as { entry: Entry; bytes: Uint8Array };
    entries.push(entry);
    parts.push(bytes);
  }
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (all.set(p, at), at + p.length), 0);
  const n = Math.ceil(all.length / shardBytes);
  const shards = new Map<string, Uint8Array>();
  const paths: string[] = [];
  for (let i = 0; i < n; i++) {
    paths.push(`group1-shard${i + 1}of${n}.bin`);
    shards.set(paths[i]!, all.slice(i * shardBytes, (i + 1) * shardBytes));
  }
  const json = { format: 'layers-model', modelTopology: {}, weightsManifest: [{ paths, weights: entries }] };
  return { json, shards, all, entries };
}

const values = [-0.75, -0.1, 0, 0.003, 0.5, 1.25, 2.5];
const spec = [
  { name: 'a/kernel', shape: [7], data: values, quantize: null },
  { name: 'b/kernel', shape: [7], data: values, quantize: 'uint8' },
  { name: 'c/kernel', shape: [7], data: values, quantize: 'uint16' },
  { name: 'd/kernel', shape: [7], data: values, quantize: 'float16' },
  { name: 'e/gamma', shape: [3], data: [0.2, 0.3, 0.9], quantize: 'uint8' }, // min > 0: no nudging
];

describe('readTfjsModel', () => {
  it('dequantizes float32, uint8, uint16 and float16 weights as tfjs-core decodeWeights does, across 5-byte shards', async () => {
    const { json, shards, all, entries } = model(spec, 5);
    const ours = readTfjsModel(json, shards, 'm/model.json');
    const oracle = io.decodeWeights(all.buffer, entries as never);
    for (const e of entries) {
      const t = ours.tensors.get(e.name)!;
      expect(t.shape).toEqual(e.shape);
      expect(Array.from(t.data!), e.name).toEqual(Array.from(await oracle[e.name]!.data()));
    }
    expect(ours.tensors.get('d/kernel')!.dtype).toBe('float16');
  });

  it('reads the golden float16 B0: 311 Keras-named weights, input size 224 from the topology', () => {
    const dir = new URL('../fixtures/golden/tfjs-b0-224/', import.meta.url);
    const json = JSON.parse(readFileSync(new URL('model.json', dir), 'utf8'));
    const shards = new Map(manifestPaths(json).map((p) => [p, new Uint8Array(readFileSync(new URL(p, dir)))]));
    const m = readTfjsModel(json, shards);
    expect(m.tensors.size).toBe(311);
    expect(m.tensors.get('block2a_expand_conv/kernel')!.shape).toEqual([1, 1, 16, 96]);
    expect(m.tensors.get('block1a_dwconv/depthwise_kernel')!.shape).toEqual([3, 3, 32, 1]);
    expect(m.inputSize).toBe(224);
  });

  const fails = (mutate: (m: ReturnType<typeof model>) => void, message: RegExp) => () => {
    const m = model(spec, 16);
    mutate(m);
    expect(() => readTfjsModel(m.json, m.shards, 'm/model.json')).toThrow(message);
  };

  it('refuses a missing shard', fails((m) => m.shards.delete('group1-shard2of5.bin'), /^m\/model\.json: shard 'group1-shard2of5\.bin' is missing$/));
  it('refuses a truncated shard', fails((m) => m.shards.set('group1-shard5of5.bin', m.shards.get('group1-shard5of5.bin')!.slice(0, 1)), /truncated shards: .* hold \d+ bytes, the manifest needs \d+/));
  it('refuses shards longer than the manifest', fails((m) => m.shards.set('group1-shard5of5.bin', new Uint8Array(40)), /hold \d+ bytes, the manifest describes \d+/));
  it.each([['../outside.bin'], ['sub/../../outside.bin'], ['/etc/passwd'], ['C:\\weights.bin'], ['https://example.com/w.bin']])(
    'refuses the manifest path %s, which leaves the model folder',
    (path) => fails((m) => (m.json.weightsManifest[0]!.paths[0] = path), /m\/model\.json: weightsManifest path .* (leaves the model's folder|is absolute|is a URL or a drive path)/)(),
  );
  it('refuses a graph model (no Keras names)', fails((m) => (m.json.format = 'graph-model'), /format 'graph-model' is not a LayersModel/));
  it('refuses an unknown quantization', fails((m) => ((m.json.weightsManifest[0]!.weights[1] as Entry).quantization = { dtype: 'int4' }), /unsupported quantization/));
  it('refuses text that is not JSON', () => {
    expect(() => readTfjsModel('{"format":', new Map(), 'm/model.json')).toThrow(/^m\/model\.json: not valid JSON/);
  });
});
