import { crc32 } from '../src/weights/zip.js';

// Hand-made torch.save checkpoints for tests: pickle opcodes written byte by byte (CPython's
// pickletools names them) and a zip of stored entries, as PyTorch's writer lays it out.

const enc = new TextEncoder();

/** Pickle bytes from opcodes and operands: strings are latin-1 bytes, numbers single bytes. */
export function bytes(...parts: (string | number | Uint8Array)[]): Uint8Array {
  const chunks = parts.map((p) => (typeof p === 'number' ? new Uint8Array([p]) : typeof p === 'string' ? Uint8Array.from(p, (c) => c.charCodeAt(0)) : p));
  const out = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0));
  let at = 0;
  for (const c of chunks) out.set(c, (at += c.length) - c.length);
  return out;
}

/** Many chunks in a row: `bytes(...chunks)` overflows the call stack past about 100,000. */
export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0));
  let at = 0;
  for (const c of chunks) out.set(c, (at += c.length) - c.length);
  return out;
}

/** `chunk` `times` times in a row, as one array. */
export function repeat(chunk: Uint8Array, times: number): Uint8Array {
  const out = new Uint8Array(chunk.length * times);
  for (let i = 0; i < times; i++) out.set(chunk, i * chunk.length);
  return out;
}

export const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);

/** BINUNICODE: 'X', u32 length, UTF-8. */
export const str = (s: string) => bytes('X', u32(enc.encode(s).length), enc.encode(s));
/** GLOBAL: 'c' module '\n' name '\n'. */
export const global = (module: string, name: string) => bytes(`c${module}\n${name}\n`);
export const PROTO2 = bytes(0x80, 2);
export const STOP = '.';
export const ORDERED_DICT = bytes(global('collections', 'OrderedDict'), ')', 'R');

/** `_rebuild_tensor_v2(('storage', FloatStorage, key, 'cpu', numel), offset, size, stride, False, OrderedDict())`. */
export function tensor(key: string, numel: number, offset: number, size: number[], stride: number[]): Uint8Array {
  const tuple = (xs: number[]) => bytes('(', ...xs.map((x) => bytes('J', new Uint8Array(new Int32Array([x]).buffer))), 't');
  return bytes(
    global('torch._utils', '_rebuild_tensor_v2'),
    '(', '(', str('storage'), global('torch', 'FloatStorage'), str(key), str('cpu'), 'J', new Uint8Array(new Int32Array([numel]).buffer), 't', 'Q',
    'J', new Uint8Array(new Int32Array([offset]).buffer), tuple(size), tuple(stride), 0x89, ORDERED_DICT, 't', 'R',
  );
}

/** A state dict pickle: OrderedDict with the given (name, tensor pickle) items. */
export function stateDict(items: [string, Uint8Array][]): Uint8Array {
  return bytes(PROTO2, ORDERED_DICT, '(', ...items.flatMap(([k, t]) => [str(k), t]), 'u', STOP);
}

/** A zip of stored entries named `archive/<name>`, as torch.save writes. */
export function zip(entries: Record<string, Uint8Array>, archive = 'archive'): Uint8Array {
  const local: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const [name, data] of Object.entries(entries)) {
    const n = enc.encode(`${archive}/${name}`);
    const h = new DataView(new ArrayBuffer(30));
    h.setUint32(0, 0x04034b50, true);
    h.setUint32(14, crc32(data), true);
    h.setUint32(18, data.length, true);
    h.setUint32(22, data.length, true);
    h.setUint16(26, n.length, true);
    local.push(new Uint8Array(h.buffer), n, data);
    const c = new DataView(new ArrayBuffer(46));
    c.setUint32(0, 0x02014b50, true);
    c.setUint32(16, crc32(data), true);
    c.setUint32(20, data.length, true);
    c.setUint32(24, data.length, true);
    c.setUint16(28, n.length, true);
    c.setUint32(42, offset, true);
    central.push(new Uint8Array(c.buffer), n);
    offset += 30 + n.length + data.length;
  }
  const cd = bytes(...central);
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, Object.keys(entries).length, true);
  end.setUint16(10, Object.keys(entries).length, true);
  end.setUint32(12, cd.length, true);
  end.setUint32(16, offset, true);
  return bytes(...local, cd, new Uint8Array(end.buffer));
}

/** A checkpoint whose data.pkl is `pickle` and whose storages are float32 `data/<key>` entries. */
export function checkpoint(pickle: Uint8Array, storages: Record<string, Float32Array> = {}): Uint8Array {
  const entries: Record<string, Uint8Array> = { 'data.pkl': pickle, byteorder: enc.encode('little') };
  for (const [k, v] of Object.entries(storages)) entries[`data/${k}`] = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  return zip(entries);
}
