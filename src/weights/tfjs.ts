import { CheckpointError, type SourceTensor } from './source.js';
import { decodeFloat16, decodeFloat32 } from './float16.js';
import { asBytes, escapeText, limits } from '../limits.js';

// TF.js LayersModel (tfjs-core io/types.ts; tfjs-converter write_weights.py): model.json holds
// {format: 'layers-model', modelTopology, weightsManifest: [{paths, weights: [{name, shape, dtype,
// quantization?}]}]}. A group's weights are concatenated in manifest order and cut into its
// shards (group1-shard1of3.bin…, 4 MiB each by default). Quantized weights store
// {dtype: uint8 | uint16, min, scale} (value = q·scale + min) or {dtype: float16} (a cast).

export interface TfjsManifestEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; min?: number; scale?: number };
}

export interface TfjsModel {
  tensors: Map<string, SourceTensor>;
  /** userDefinedMetadata, values as strings (non-strings JSON-encoded). */
  metadata: Record<string, string>;
  /** Input height and width from the topology's InputLayer, when it names them. */
  inputSize?: number;
  /** Who wrote the file (generatedBy, convertedBy). */
  producer: string;
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

/** The model.json as an object, whether given as text, bytes or already parsed. */
export function parseModelJson(modelJson: unknown, name = 'model.json'): Record<string, unknown> {
  let json = modelJson;
  try {
    if (json instanceof Uint8Array) json = new TextDecoder('utf-8', { fatal: true }).decode(json);
    if (typeof json === 'string') json = JSON.parse(json);
  } catch (e) {
    throw new CheckpointError(`${name}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new CheckpointError(`${name}: not a TF.js model.json (expected a JSON object)`);
  return json as Record<string, unknown>;
}

/**
 * Every shard path the manifest lists, in order, each checked to stay inside the model's
 * folder: relative, no `..`, no drive, no URL. Nothing outside the folder is read because a
 * manifest said so.
 */
export function manifestPaths(modelJson: unknown, name = 'model.json'): string[] {
  const groups = manifestGroups(parseModelJson(modelJson, name), name);
  return groups.flatMap((g) => g.paths);
}

export function checkShardPath(path: unknown, name = 'model.json'): string {
  const fail = (why: string): never => {
    throw new CheckpointError(`${name}: weightsManifest path ${JSON.stringify(path)} ${why}`);
  };
  if (typeof path !== 'string' || path.length === 0) return fail('is not a file name');
  if (path.includes('\0')) fail('contains a NUL byte');
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(path)) fail('is a URL or a drive path; shards must lie in the model\'s folder');
  if (path.startsWith('/') || path.startsWith('\\')) fail('is absolute; shards must lie in the model\'s folder');
  if (path.split(/[\\/]/).some((seg) => seg === '..')) fail('leaves the model\'s folder');
  return path;
}

function manifestGroups(json: Record<string, unknown>, name: string): { paths: string[]; weights: TfjsManifestEntry[] }[] {
  const manifest = json.weightsManifest;
  if (!Array.isArray(manifest)) throw new CheckpointError(`${name}: no weightsManifest (is this a TF.js LayersModel model.json?)`);
  return manifest.map((g: unknown, i) => {
    const group = g as { paths?: unknown; weights?: unknown };
    if (typeof group !== 'object' || group === null || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      throw new CheckpointError(`${name}: weightsManifest[${i}] needs 'paths' and 'weights' arrays`);
    }
    const weights = group.weights.map((w: unknown, j) => checkEntry(w, `${name}: weightsManifest[${i}].weights[${j}]`));
    return { paths: group.paths.map((p: unknown) => checkShardPath(p, name)), weights };
  });
}

function checkEntry(w: unknown, where: string): TfjsManifestEntry {
  const e = w as Partial<TfjsManifestEntry>;
  if (typeof e !== 'object' || e === null || typeof e.name !== 'string') throw new CheckpointError(`${where} has no name`);
  const maxRank = limits().maxRank;
  if (Array.isArray(e.shape) && e.shape.length > maxRank) throw new CheckpointError(`${where} (${escapeText(e.name, 80)}) has ${e.shape.length} dimensions, more than allowed (limit maxRank = ${maxRank})`);
  if (!Array.isArray(e.shape) || e.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new CheckpointError(`${where} (${escapeText(e.name, 80)}) has an invalid shape ${escapeText(JSON.stringify(e.shape) ?? String(e.shape), 120)}`);
  if (typeof e.dtype !== 'string' || !(e.dtype in BYTES) || e.dtype === 'uint8' || e.dtype === 'uint16' || e.dtype === 'float16') {
    throw new CheckpointError(`${where} (${e.name}) has unsupported dtype ${JSON.stringify(e.dtype)}`);
  }
  const q = e.quantization;
  if (q !== undefined) {
    if (typeof q !== 'object' || q === null || !['uint8', 'uint16', 'float16'].includes(q.dtype)) {
      throw new CheckpointError(`${where} (${e.name}) has unsupported quantization ${JSON.stringify(q)}`);
    }
    if (q.dtype !== 'float16' && (typeof q.min !== 'number' || typeof q.scale !== 'number')) {
      throw new CheckpointError(`${where} (${e.name}): ${q.dtype} quantization needs numeric min and scale`);
    }
    if (q.dtype === 'float16' && e.dtype !== 'float32') throw new CheckpointError(`${where} (${e.name}): float16 quantization of ${e.dtype} is not defined`);
  }
  return e as TfjsManifestEntry;
}

/**
 * Reads a LayersModel from its model.json (object, text or bytes) and its shards keyed by the
 * manifest's paths. Missing, short or oversized shards are one error each.
 */
export function readTfjsModel(modelJson: unknown, shards: ReadonlyMap<string, Uint8Array>, name = 'model.json'): TfjsModel {
  const json = parseModelJson(modelJson, name);
  if (json.format !== undefined && json.format !== 'layers-model') {
    throw new CheckpointError(`${name}: format '${String(json.format)}' is not a LayersModel (graph models carry no Keras layer names)`);
  }
  const tensors = new Map<string, SourceTensor>();
  for (const group of manifestGroups(json, name)) {
    const parts = group.paths.map((p) => {
      const bytes = shards.get(p) ?? shards.get(p.replace(/^\.\//, ''));
      if (!bytes) throw new CheckpointError(`${name}: shard '${escapeText(p, 120)}' is missing`);
      return asBytes(bytes, `${name}: shard '${escapeText(p, 120)}'`);
    });
    // Sizes are settled before the shards are joined: a manifest naming one shard 10,000 times
    // must not cost 10,000 copies of it.
    const total = parts.reduce((n, b) => n + b.length, 0);
    const maxBytes = limits().maxCheckpointBytes;
    if (total > maxBytes) throw new CheckpointError(`${name}: shards ${shardList(group.paths)} hold ${total} bytes, more than allowed (limit maxCheckpointBytes = ${maxBytes})`);
    let end = 0;
    for (const e of group.weights) {
      end += e.shape.reduce((a, b) => a * b, 1) * BYTES[e.quantization?.dtype ?? e.dtype]!;
      if (end > total) {
        throw new CheckpointError(`${name}: truncated shards: ${shardList(group.paths)} hold ${total} bytes, the manifest needs ${manifestBytes(group.weights)} (${e.name} runs past the end)`);
      }
    }
    if (end !== total) throw new CheckpointError(`${name}: shards ${shardList(group.paths)} hold ${total} bytes, the manifest describes ${end}`);
    const data = new Uint8Array(total);
    parts.reduce((at, b) => (data.set(b, at), at + b.length), 0);
    let offset = 0;
    for (const e of group.weights) {
      const count = e.shape.reduce((a, b) => a * b, 1);
      const stored = e.quantization?.dtype ?? e.dtype;
      if (tensors.has(e.name)) throw new CheckpointError(`${name}: weight ${e.name} appears twice in the manifest`);
      tensors.set(e.name, { dtype: stored, shape: e.shape, data: decode(e, data, offset, count) });
      offset += count * BYTES[stored]!;
    }
  }
  return { tensors, metadata: metadataOf(json), inputSize: inputSize(json.modelTopology), producer: [json.generatedBy, json.convertedBy].filter((s) => typeof s === 'string').join(', ') };
}

function shardList(paths: readonly string[]): string {
  return paths.length <= 4 ? paths.join(' + ') : `${paths.slice(0, 2).join(' + ')} + … (${paths.length} shards)`;
}

function manifestBytes(weights: TfjsManifestEntry[]): number {
  return weights.reduce((n, e) => n + e.shape.reduce((a, b) => a * b, 1) * BYTES[e.quantization?.dtype ?? e.dtype]!, 0);
}

// As tfjs-core's decodeWeights: uint8/uint16 → q·scale + min (rounded for int32), float16 widened.
function decode(e: TfjsManifestEntry, bytes: Uint8Array, offset: number, count: number): Float32Array | null {
  const q = e.quantization;
  if (q) {
    if (q.dtype === 'float16') return decodeFloat16(bytes, offset, count);
    const { min = 0, scale = 1 } = q;
    const out = new Float32Array(count);
    const dv = new DataView(bytes.buffer, bytes.byteOffset + offset);
    for (let i = 0; i < count; i++) {
      const v = (q.dtype === 'uint8' ? dv.getUint8(i) : dv.getUint16(2 * i, true)) * scale + min;
      out[i] = e.dtype === 'int32' ? Math.round(v) : v;
    }
    return out;
  }
  if (e.dtype === 'float32') return decodeFloat32(bytes, offset, count);
  if (e.dtype === 'int32') {
    const dv = new DataView(bytes.buffer, bytes.byteOffset + offset, 4 * count);
    return Float32Array.from({ length: count }, (_, i) => dv.getInt32(4 * i, true));
  }
  return null;
}

function metadataOf(json: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  const meta = json.userDefinedMetadata;
  if (typeof meta === 'object' && meta !== null) {
    for (const [k, v] of Object.entries(meta)) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
}

// Keras 2 writes batch_input_shape, Keras 3 batch_shape; the converter nests the config under
// model_config, tfjs-layers' own save does not.
function inputSize(topology: unknown): number | undefined {
  const t = topology as { model_config?: { config?: { layers?: unknown[] } }; config?: { layers?: unknown[] } } | undefined;
  const layers = t?.model_config?.config?.layers ?? t?.config?.layers;
  if (!Array.isArray(layers)) return undefined;
  for (const l of layers as { class_name?: string; config?: { batch_input_shape?: unknown; batch_shape?: unknown } }[]) {
    if (l?.class_name !== 'InputLayer') continue;
    const shape = l.config?.batch_input_shape ?? l.config?.batch_shape;
    if (Array.isArray(shape) && shape.length === 4 && typeof shape[1] === 'number' && shape[1] === shape[2]) return shape[1];
  }
  return undefined;
}
