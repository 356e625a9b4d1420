import { decodeBfloat16, decodeFloat16, decodeFloat32 } from './float16.js';
import { escapeText, limits } from '../limits.js';
import { PyDict, PyGlobal, unpickle, unpickleAt, type PyKey, type PyValue, type UnpickleOptions } from './pickle.js';
import { CheckpointError, type SourceTensor } from './source.js';
import { isZip, readZip } from './zip.js';

// PyTorch checkpoints as torch.save writes them since 1.6: a zip holding <archive>/data.pkl (the
// object, pickled), <archive>/data/<key> (each storage's raw little-endian bytes) and
// <archive>/byteorder. In the pickle a tensor is
//   torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, hooks)
// where storage is a persistent id ('storage', torch.FloatStorage, key, location, numel): the
// tensor is a strided view of that storage, possibly shared with other tensors. Parameters wrap a
// tensor in _rebuild_parameter; a state dict is a collections.OrderedDict.

/** What each allowed storage type holds; integer and boolean storages give no float data. */
const STORAGES: Record<string, { dtype: string; bytes: number; float: boolean }> = {
  FloatStorage: { dtype: 'F32', bytes: 4, float: true },
  HalfStorage: { dtype: 'F16', bytes: 2, float: true },
  BFloat16Storage: { dtype: 'BF16', bytes: 2, float: true },
  DoubleStorage: { dtype: 'F64', bytes: 8, float: true },
  LongStorage: { dtype: 'I64', bytes: 8, float: false },
  IntStorage: { dtype: 'I32', bytes: 4, float: false },
  ShortStorage: { dtype: 'I16', bytes: 2, float: false },
  CharStorage: { dtype: 'I8', bytes: 1, float: false },
  ByteStorage: { dtype: 'U8', bytes: 1, float: false },
  BoolStorage: { dtype: 'BOOL', bytes: 1, float: false },
};

/**
 * Where the state dict may sit in a training checkpoint, in the order looked for. EMA weights
 * first, as timm's load_checkpoint(use_ema=True) does: they are what gets published.
 */
export const STATE_DICT_KEYS = ['state_dict_ema', 'model_ema', 'ema', 'state_dict', 'model', 'model_state', 'model_state_dict', 'net', 'module'];

export interface PthOptions {
  /** The checkpoint dict's key holding the state dict, instead of the search above. */
  key?: string;
}

export interface Pth {
  tensors: Map<string, SourceTensor>;
  /** format, the state dict's key, and the checkpoint dict's other scalar entries (epoch, arch…). */
  metadata: Record<string, string>;
}

class Storage {
  constructor(readonly key: string, readonly type: (typeof STORAGES)[string], readonly numel: number) {}
  bytes: Uint8Array = new Uint8Array(0);
  users = 0;
  decoded: Float32Array | undefined;
}

class TorchTensor {
  constructor(readonly storage: Storage, readonly offset: number, readonly shape: number[], readonly stride: number[]) {}
}

export function readPth(bytes: Uint8Array, name: string, options: PthOptions = {}): Pth {
  const fail = (why: string): never => {
    throw new CheckpointError(`${name}: ${why}`);
  };
  // A storage as a persistent id names it: made on first sight; the container attaches its bytes.
  const storages = new Map<string, Storage>();
  const storageFor = (pid: PyValue, legacy: boolean): Storage => {
    const fields = legacy ? 6 : 5;
    if (!Array.isArray(pid) || pid.length !== fields || pid[0] !== 'storage') fail(`a persistent id that is not ('storage', type, key, location, numel${legacy ? ', view' : ''})`);
    const [, type, key, , numel, view] = pid as PyValue[];
    if (legacy && view !== null) fail('a storage view (legacy format) is not read');
    const typeName = type instanceof PyGlobal && type.module === 'torch' ? type.name : '';
    const spec = STORAGES[typeName];
    if (!spec) fail(`storage of unsupported type ${escapeText(String(typeName || type), 80)}`);
    if (typeof key !== 'string' || !/^[\w.-]{1,64}$/.test(key)) fail(`storage key ${escapeText(String(key), 80)} is not a plain name`);
    if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) fail(`storage '${key}' has an invalid size ${escapeText(String(numel), 40)}`);
    const existing = storages.get(key as string);
    if (existing) {
      if (existing.type !== spec || existing.numel !== numel) fail(`storage '${key}' is named twice with different types or sizes`);
      return existing;
    }
    const s = new Storage(key as string, spec!, numel as number);
    storages.set(key as string, s);
    return s;
  };
  const attach = (s: Storage, data: Uint8Array | undefined, where: string) => {
    if (!data) fail(`storage '${s.key}' has no ${where}`);
    const need = s.numel * s.type.bytes;
    if (data!.length < need) fail(`storage '${s.key}' holds ${data!.length} bytes, its ${s.numel} ${s.type.dtype} values need ${need}`);
    s.bytes = data!.subarray(0, need);
  };

  const dims = (v: PyValue, what: string): number[] => {
    if (!Array.isArray(v) || v.some((d) => typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0)) fail(`a tensor's ${what} is not a tuple of whole numbers`);
    return v as number[];
  };
  const emptyHooks = (v: PyValue) => {
    if (v !== null && !(v instanceof PyDict && v.entries.size === 0)) fail('a tensor with backward hooks (only an empty OrderedDict is accepted)');
  };
  const rebuildTensor = (args: readonly PyValue[]): PyValue => {
    if (args.length < 6 || args.length > 7) fail(`_rebuild_tensor_v2 with ${args.length} arguments (expected 6 or 7)`);
    const [storage, offset, size, stride, , hooks] = args;
    if (!(storage instanceof Storage)) fail('_rebuild_tensor_v2 without a storage');
    if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) fail('_rebuild_tensor_v2 with an invalid storage offset');
    const shape = dims(size!, 'size');
    const strides = dims(stride!, 'stride');
    const rank = Math.max(shape.length, strides.length);
    if (rank > limits().maxRank) fail(`a tensor of ${rank} dimensions (limit maxRank = ${limits().maxRank})`);
    if (shape.length !== strides.length) fail(`a tensor's size [${shape.join(', ')}] and stride [${strides.join(', ')}] differ in length`);
    emptyHooks(hooks!);
    const s = storage as Storage;
    const count = shape.reduce((a, b) => a * b, 1);
    // The last element the view reaches must lie inside the storage: checked before anything is read.
    const last = (offset as number) + shape.reduce((a, d, i) => a + (d - 1) * strides[i]!, 0);
    if (count > 0 && last >= s.numel) fail(`a [${shape.join(', ')}] view at offset ${offset} with stride [${strides.join(', ')}] reaches element ${last} of storage '${s.key}', which holds ${s.numel}`);
    return new TorchTensor(s, offset as number, shape, strides);
  };
  const rebuildParameter = (args: readonly PyValue[]): PyValue => {
    if (args.length < 3 || args.length > 4 || !(args[0] instanceof TorchTensor)) fail('_rebuild_parameter without a tensor');
    emptyHooks(args[2]!);
    return args[0]!;
  };
  const orderedDict = (args: readonly PyValue[]): PyValue => {
    if (args.length !== 0) fail('collections.OrderedDict called with arguments');
    return new PyDict();
  };
  const globals = new Map<string, ((args: readonly PyValue[]) => PyValue) | null>([
    ['collections.OrderedDict', orderedDict],
    ['torch._utils._rebuild_tensor_v2', rebuildTensor],
    ['torch._utils._rebuild_parameter', rebuildParameter],
    ['torch._utils._rebuild_parameter_with_state', rebuildParameter],
    ...Object.keys(STORAGES).map((s) => [`torch.${s}`, null] as [string, null]),
  ]);
  let root: PyValue;
  let archive = '';
  if (isZip(bytes)) {
    const entries = readZip(bytes, name);
    const pickles = [...entries.keys()].filter((k) => /^[^/]+\/data\.pkl$/.test(k));
    if (pickles.length !== 1) fail(pickles.length === 0 ? 'no <archive>/data.pkl in the zip: not a torch.save checkpoint' : `${pickles.length} data.pkl entries in the zip`);
    archive = pickles[0]!.slice(0, -'/data.pkl'.length);
    // the archive's name comes from the file: shown short, so the reason after it is never cut
    const shown = escapeText(archive, 80);
    const order = entries.get(`${archive}/byteorder`);
    if (order && new TextDecoder().decode(order) !== 'little') fail(`byteorder is '${escapeText(new TextDecoder().decode(order), 40)}'; only little-endian checkpoints are read`);
    root = unpickle(entries.get(pickles[0]!)!, `${name}: ${shown}/data.pkl`, { globals, persistentLoad: (pid) => storageFor(pid, false) });
    for (const s of storages.values()) attach(s, entries.get(`${archive}/data/${s.key}`), `entry ${shown}/data/${s.key} in the zip`);
  } else if (bytes[0] === 0x80 && bytes[2] === 0x8a) {
    root = readLegacy(bytes, name, globals, storageFor, attach, storages, fail);
  } else {
    return fail('not a PyTorch checkpoint (expected a zip archive as torch.save writes, or its legacy format)');
  }

  const { dict, key } = findStateDict(root, options.key, fail);
  const metadata: Record<string, string> = { format: archive ? 'pth' : 'pth (legacy)', ...(archive ? { torch_archive: archive } : {}) };
  if (key) metadata.state_dict_key = key;
  if (root instanceof PyDict && key) {
    for (const [k, v] of root.entries) {
      if (typeof k === 'string' && k.length <= 64 && ['string', 'number', 'boolean'].includes(typeof v) && String(v).length <= 200) metadata[k] = String(v);
    }
    if (metadata.arch && !metadata.architecture) metadata.architecture = metadata.arch;
  }

  let names = [...dict.entries.keys()] as string[];
  // DataParallel and torchvision's EMA wrapper prefix every key with 'module.'; the EMA adds n_averaged.
  const prefixed = names.filter((n) => n !== 'n_averaged');
  const strip = prefixed.length > 0 && prefixed.every((n) => n.startsWith('module.'));
  if (strip) names = prefixed;

  for (const n of names) (dict.get(n) as TorchTensor).storage.users++;
  const totalStorage = [...storages.values()].reduce((a, s) => a + s.numel, 0);
  let materialized = 0;
  const tensors = new Map<string, SourceTensor>();
  for (const n of names) {
    const t = dict.get(n) as TorchTensor;
    const count = t.shape.reduce((a, b) => a * b, 1);
    materialized += count;
    // Views may overlap; bounding the total keeps a small file from unfolding into a huge one.
    if (materialized > 2 * totalStorage + 65_536) fail(`the state dict's tensors hold ${materialized} values, far more than the ${totalStorage} its storages hold`);
    tensors.set(strip ? n.slice('module.'.length) : n, { dtype: t.storage.type.dtype, shape: t.shape, data: t.storage.type.float ? values(t, count) : null });
  }
  return { tensors, metadata };
}

// torch.save(..., _use_new_zipfile_serialization=False), PyTorch < 1.6: pickles in a row (magic
// number, protocol 1001, sys_info, the object, the sorted storage keys), then each storage as an
// int64 element count and its raw bytes, in key order.
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

function readLegacy(
  bytes: Uint8Array, name: string, globals: UnpickleOptions['globals'], storageFor: (pid: PyValue, legacy: boolean) => Storage,
  attach: (s: Storage, data: Uint8Array | undefined, where: string) => void, storages: ReadonlyMap<string, Storage>, fail: (why: string) => never,
): PyValue {
  const plain = { globals: new Map() };
  const magic = unpickleAt(bytes, 0, `${name}: legacy header`, plain);
  if (magic.value !== LEGACY_MAGIC) fail('not a PyTorch checkpoint (a pickle, but not torch.save\'s)');
  const protocol = unpickleAt(bytes, magic.end, `${name}: legacy header`, plain);
  if (protocol.value !== 1001) fail(`legacy protocol ${escapeText(String(protocol.value), 20)} (expected 1001)`);
  const info = unpickleAt(bytes, protocol.end, `${name}: legacy header`, plain);
  if (!(info.value instanceof PyDict) || info.value.get('little_endian') !== true) fail('only little-endian checkpoints are read');
  const main = unpickleAt(bytes, info.end, name, { globals, persistentLoad: (pid) => storageFor(pid, true) });
  const keys = unpickleAt(bytes, main.end, `${name}: storage keys`, plain);
  if (!Array.isArray(keys.value) || keys.value.some((k) => typeof k !== 'string')) fail('the storage key list is not a list of strings');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = keys.end;
  for (const key of keys.value as string[]) {
    const s = storages.get(key);
    if (!s) fail(`storage '${escapeText(key, 64)}' is stored but no tensor names it`);
    if (at + 8 > bytes.length) fail(`truncated: storage '${key}' starts past the end of the file`);
    const count = dv.getUint32(at, true) + dv.getUint32(at + 4, true) * 2 ** 32;
    if (count !== s!.numel) fail(`storage '${key}' holds ${count} values, its persistent id says ${s!.numel}`);
    const size = count * s!.type.bytes;
    if (at + 8 + size > bytes.length) fail(`truncated: storage '${key}' needs ${size} bytes at byte ${at + 8}, the file has ${bytes.length}`);
    attach(s!, bytes.subarray(at + 8, at + 8 + size), 'data');
    at += 8 + size;
  }
  for (const s of storages.values()) if (s.bytes.length === 0 && s.numel > 0) fail(`storage '${s.key}' is named but not stored`);
  if (at !== bytes.length) fail(`${bytes.length - at} bytes after the last storage`);
  return main.value;
}

function findStateDict(root: PyValue, wanted: string | undefined, fail: (why: string) => never): { dict: PyDict; key: string } {
  const isStateDict = (v: PyValue | undefined): v is PyDict =>
    v instanceof PyDict && v.entries.size > 0 && [...v.entries].every(([k, t]) => typeof k === 'string' && t instanceof TorchTensor);
  if (wanted !== undefined) {
    const v = root instanceof PyDict ? root.get(wanted) : undefined;
    if (!isStateDict(v)) fail(`no state dict under the key '${escapeText(wanted)}'`);
    return { dict: v as PyDict, key: wanted };
  }
  if (isStateDict(root)) return { dict: root, key: '' };
  if (root instanceof PyDict) {
    for (const k of STATE_DICT_KEYS) {
      const v = root.get(k);
      if (isStateDict(v)) return { dict: v, key: k };
    }
    const keys = [...root.entries.keys()].slice(0, 8).map((k: PyKey) => escapeText(String(k), 40));
    fail(`no state dict found: the checkpoint is a dict with keys ${keys.join(', ')}${root.entries.size > 8 ? ', …' : ''}, none of them (${STATE_DICT_KEYS.join(', ')}) a dict of tensors`);
  }
  return fail('no state dict found: the checkpoint is not a dict');
}

function decodeStorage(s: Storage): Float32Array {
  if (!s.decoded) {
    const n = s.numel;
    const b = s.bytes;
    const dtype = s.type.dtype;
    if (dtype === 'F32') s.decoded = decodeFloat32(b, 0, n);
    else if (dtype === 'F16') s.decoded = decodeFloat16(b, 0, n);
    else if (dtype === 'BF16') s.decoded = decodeBfloat16(b, 0, n);
    else {
      const dv = new DataView(b.buffer, b.byteOffset, 8 * n);
      s.decoded = new Float32Array(n);
      for (let i = 0; i < n; i++) s.decoded[i] = dv.getFloat64(8 * i, true);
    }
  }
  return s.decoded;
}

/** The view's values in row-major order: a slice when contiguous, else gathered by strides. */
function values(t: TorchTensor, count: number): Float32Array {
  const all = decodeStorage(t.storage);
  let contiguous = true;
  for (let i = t.shape.length - 1, expect = 1; i >= 0; i--) {
    if (t.shape[i]! !== 1 && t.stride[i] !== expect) contiguous = false;
    expect *= t.shape[i]!;
  }
  if (contiguous) {
    const view = all.subarray(t.offset, t.offset + count);
    return t.storage.users > 1 ? view.slice() : view;
  }
  const out = new Float32Array(count);
  const rank = t.shape.length;
  const index = new Array<number>(rank).fill(0);
  let src = t.offset;
  for (let i = 0; i < count; i++) {
    out[i] = all[src]!;
    for (let d = rank - 1; d >= 0; d--) {
      index[d]!++;
      src += t.stride[d]!;
      if (index[d]! < t.shape[d]!) break;
      src -= t.stride[d]! * t.shape[d]!;
      index[d] = 0;
    }
  }
  return out;
}
