// Writes a tf.LayersModel as tensorflowjs_converter writes a Keras model (tfjs-converter
// write_weights.py, quantization.py): model.json {format: 'layers-model', modelTopology:
// {keras_version, backend, model_config}, weightsManifest}, all weights in one group in Keras
// order, concatenated and cut into 4 MiB shards named group1-shard{i}of{n}.bin; quantized
// weights carry {dtype, min, scale, original_dtype} (uint8/uint16, value = q·scale + min, zero
// nudged onto the grid) or {dtype: 'float16', original_dtype: 'float32'}.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kerasWeights } from './tfjs-efficientnet.mjs';

export const SHARD_BYTES = 4 * 1024 * 1024;

// numpy rounds half to even (np.round, astype(float16)); so does this.
function roundHalfEven(x) {
  const f = Math.floor(x);
  const d = x - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** float32 → IEEE half bits, round to nearest even, as numpy's astype(np.float16). */
export function float16Bits(v) {
  if (Number.isNaN(v)) return 0x7e00;
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(v);
  if (a >= 65520) return sign | 0x7c00;
  if (a < 2 ** -14) return sign | roundHalfEven(a / 2 ** -24); // subnormal; 1024 carries into the exponent
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  if (2 ** (e + 1) <= a) e++;
  let m = roundHalfEven((a / 2 ** e) * 1024) - 1024;
  if (m === 1024) {
    m = 0;
    e++;
  }
  if (e > 15) return sign | 0x7c00;
  return sign | ((e + 15) << 10) | m;
}

export function float16Value(h) {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

// quantization.py quantize_weights for uint8/uint16.
function quantizeAffine(data, dtype) {
  const quantMax = dtype === 'uint8' ? 255 : 65535;
  let min = Infinity;
  let max = -Infinity;
  for (const v of data) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const q = dtype === 'uint8' ? new Uint8Array(data.length) : new Uint16Array(data.length);
  if (min === max) return { q, meta: { min, scale: 1.0 } };
  const scale = (max - min) / quantMax;
  let nudgedMin = min;
  let nudgedMax = max;
  if (min <= 0 && 0 <= max) {
    const zero = roundHalfEven((0 - min) / scale);
    nudgedMin = -zero * scale;
    nudgedMax = quantMax * scale + nudgedMin;
  }
  for (let i = 0; i < data.length; i++) q[i] = roundHalfEven((Math.min(Math.max(data[i], nudgedMin), nudgedMax) - nudgedMin) / scale);
  return { q, meta: { min: nudgedMin, scale } };
}

/** One weight's stored bytes and manifest entry under `quantize` (null, 'float16', 'uint8', 'uint16'). */
export function encodeWeight(name, shape, data, quantize) {
  const entry = { name, shape: [...shape], dtype: 'float32' };
  if (!quantize) return { entry, bytes: new Uint8Array(Float32Array.from(data).buffer) };
  if (quantize === 'float16') {
    const h = new Uint16Array(data.length);
    for (let i = 0; i < data.length; i++) h[i] = float16Bits(data[i]);
    entry.quantization = { dtype: 'float16', original_dtype: 'float32' };
    return { entry, bytes: new Uint8Array(h.buffer) };
  }
  const { q, meta } = quantizeAffine(data, quantize);
  entry.quantization = { dtype: quantize, ...meta, original_dtype: 'float32' };
  return { entry, bytes: new Uint8Array(q.buffer) };
}

/** The values a reader gets back from encodeWeight's bytes (what tfjs-core's decodeWeights computes). */
export function dequantized(entry, bytes) {
  const q = entry.quantization;
  if (!q) return new Float32Array(bytes.slice().buffer);
  if (q.dtype === 'float16') return Float32Array.from(new Uint16Array(bytes.slice().buffer), float16Value);
  const qs = q.dtype === 'uint8' ? bytes : new Uint16Array(bytes.slice().buffer);
  return Float32Array.from(qs, (v) => v * q.scale + q.min);
}

/**
 * Writes model.json and its shards to `dir`. `values`: Map<name, Float32Array> in Keras order
 * (defaults to the model's own). Returns the model.json object and the dequantized values.
 */
export async function writeLayersModel(model, dir, { quantize = null, shardBytes = SHARD_BYTES, values, generatedBy, userDefinedMetadata } = {}) {
  mkdirSync(dir, { recursive: true });
  const weights = kerasWeights(model);
  const entries = [];
  const parts = [];
  const decoded = new Map();
  for (const w of weights) {
    const data = values?.get(w.name) ?? (await w.variable.read().data());
    const { entry, bytes } = encodeWeight(w.name, w.shape, data, quantize);
    entries.push(entry);
    parts.push(bytes);
    decoded.set(w.name, dequantized(entry, bytes));
  }
  const total = parts.reduce((n, b) => n + b.length, 0);
  const all = new Uint8Array(total);
  parts.reduce((at, b) => (all.set(b, at), at + b.length), 0);
  const n = Math.ceil(total / shardBytes);
  const paths = [];
  for (let i = 0; i < n; i++) {
    const path = `group1-shard${i + 1}of${n}.bin`;
    writeFileSync(join(dir, path), all.subarray(i * shardBytes, Math.min(total, (i + 1) * shardBytes)));
    paths.push(path);
  }
  const { class_name, config, keras_version, backend } = model.toJSON(null, false);
  const json = {
    format: 'layers-model',
    generatedBy: generatedBy ?? keras_version,
    convertedBy: 'effnet scripts/golden/tfjs-format.mjs (tensorflowjs_converter layout and quantization)',
    modelTopology: { keras_version, backend, model_config: { class_name, config } },
    weightsManifest: [{ paths, weights: entries }],
  };
  if (userDefinedMetadata) json.userDefinedMetadata = userDefinedMetadata;
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
  return { json, values: decoded };
}

/** A tfjs IOHandler over a model.json folder, so tfjs-core's own decodeWeights reads it back. */
export function folderHandler(dir) {
  return {
    async load() {
      const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
      const weightSpecs = json.weightsManifest.flatMap((g) => g.weights);
      const buffers = json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dir, p))));
      const weightData = new Uint8Array(Buffer.concat(buffers)).buffer;
      return { modelTopology: json.modelTopology, weightSpecs, weightData, format: json.format, generatedBy: json.generatedBy, convertedBy: json.convertedBy };
    },
  };
}
