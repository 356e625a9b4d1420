import { CheckpointError, type SourceTensor } from './source.js';
import { asBytes, escapeText, limits } from '../limits.js';
import { decodeBfloat16, decodeFloat16, decodeFloat32 } from './float16.js';

// safetensors (huggingface/safetensors): u64 little-endian header length N, N bytes of JSON
// {name: {dtype, shape, data_offsets: [begin, end)}, "__metadata__": {string: string}}, then the
// data buffer. Offsets are relative to the buffer; tensors tile it exactly: no holes, no overlap.

/** F32/F16/BF16/F64 widened to float32; `data` is null for integer and boolean tensors (num_batches_tracked). */
export type SafetensorsTensor = SourceTensor;

export interface Safetensors {
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

const DTYPE_BYTES: Record<string, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1,
};

export function readSafetensors(data: Uint8Array | ArrayBuffer, name = 'safetensors'): Safetensors {
  const bytes = asBytes(data, `${name}: bytes`);
  const fail = (why: string): never => {
    throw new CheckpointError(`${name}: ${why}`);
  };
  if (bytes.length < 8) fail(`not a safetensors file: ${bytes.length} bytes, the header length alone takes 8`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const low = dv.getUint32(0, true);
  const high = dv.getUint32(4, true);
  const headerLength = high * 2 ** 32 + low;
  const maxHeader = limits().maxHeaderBytes;
  if (headerLength > maxHeader) fail(`header length ${headerLength} exceeds the ${maxHeader / 1e6} MB limit (maxHeaderBytes; not a safetensors file?)`);
  if (8 + headerLength > bytes.length) fail(`truncated: the header needs ${headerLength} bytes, the file has ${bytes.length - 8} after the length`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch (e) {
    fail(`header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header is not a JSON object');
  const entries = header as Record<string, unknown>;
  const metadata: Record<string, string> = {};
  const raw = entries.__metadata__;
  if (raw !== undefined) {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('__metadata__ is not an object of strings');
    for (const [k, v] of Object.entries(raw as object)) {
      if (typeof v !== 'string') fail(`__metadata__.${k} is not a string`);
      metadata[k] = v as string;
    }
  }

  const buffer = bytes.subarray(8 + headerLength);
  const specs: { key: string; dtype: string; shape: number[]; begin: number; end: number }[] = [];
  for (const [key, value] of Object.entries(entries)) {
    if (key === '__metadata__') continue;
    const v = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof v !== 'object' || v === null) fail(`tensor '${escapeText(key, 80)}' is not an object`);
    const dtype = v.dtype;
    if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) fail(`tensor '${escapeText(key, 80)}' has unknown dtype ${escapeText(JSON.stringify(dtype) ?? String(dtype), 40)}`);
    const shape = v.shape;
    const maxRank = limits().maxRank;
    if (Array.isArray(shape) && shape.length > maxRank) fail(`tensor '${escapeText(key, 80)}' has ${shape.length} dimensions, more than allowed (limit maxRank = ${maxRank})`);
    if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) fail(`tensor '${escapeText(key, 80)}' has an invalid shape ${escapeText(JSON.stringify(shape) ?? String(shape), 120)}`);
    const offsets = v.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || offsets.some((o) => !Number.isSafeInteger(o) || o < 0) || offsets[0] > offsets[1]) {
      fail(`tensor '${escapeText(key, 80)}' has invalid data_offsets ${escapeText(JSON.stringify(offsets) ?? String(offsets), 80)}`);
    }
    const [begin, end] = offsets as [number, number];
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    const need = count * DTYPE_BYTES[dtype as string]!;
    if (end - begin !== need) fail(`tensor '${key}': ${dtype} [${(shape as number[]).join(', ')}] needs ${need} bytes, data_offsets [${begin}, ${end}) hold ${end - begin}`);
    specs.push({ key, dtype: dtype as string, shape: shape as number[], begin, end });
  }

  specs.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const s of specs) {
    if (s.begin < at) fail(`tensor '${s.key}' overlaps the previous tensor (data_offsets [${s.begin}, ${s.end}))`);
    if (s.begin > at) fail(`hole in the data buffer before tensor '${s.key}' (bytes ${at}…${s.begin})`);
    at = s.end;
  }
  if (at > buffer.length) fail(`truncated: the header describes ${at} data bytes, the file holds ${buffer.length}`);
  if (at < buffer.length) fail(`${buffer.length - at} bytes after the last tensor (the header describes ${at})`);

  const tensors = new Map<string, SafetensorsTensor>();
  for (const s of specs) {
    const count = s.shape.reduce((a, b) => a * b, 1);
    let data: Float32Array | null = null;
    if (s.dtype === 'F32') data = decodeFloat32(buffer, s.begin, count);
    else if (s.dtype === 'F16') data = decodeFloat16(buffer, s.begin, count);
    else if (s.dtype === 'BF16') data = decodeBfloat16(buffer, s.begin, count);
    else if (s.dtype === 'F64') {
      const d = new DataView(buffer.buffer, buffer.byteOffset + s.begin, 8 * count);
      data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = d.getFloat64(8 * i, true);
    }
    tensors.set(s.key, { dtype: s.dtype, shape: s.shape, data });
  }
  return { tensors, metadata };
}
