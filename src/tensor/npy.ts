import { escapeText, limits, MAX_ERROR } from '../limits.js';
import { Tensor } from './tensor.js';

// NumPy .npy: magic "\x93NUMPY", major/minor version, header length (u16 for v1, u32 for v2/v3),
// a Python dict literal {'descr', 'fortran_order', 'shape'} padded with spaces to a 64-byte
// boundary and ending in '\n', then the raw data. We read and write little-endian float32 in C order.

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

export class NpyError extends Error {
  constructor(message: string) {
    super(escapeText(message, MAX_ERROR));
  }
}

export function readNpy(bytes: Uint8Array, name = '.npy data'): Tensor {
  const fail = (why: string): never => {
    throw new NpyError(`${name}: ${why}`);
  };
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) fail('not a .npy file (bad magic)');
  const major = bytes[6]!;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = dv.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail('truncated header');
    headerLen = dv.getUint32(8, true);
    start = 12;
  } else {
    return fail(`unsupported .npy version ${major}.${bytes[7]}`);
  }
  if (start + headerLen > bytes.length) fail('truncated header');
  const header = new TextDecoder('latin1').decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) fail(`malformed header ${escapeText(JSON.stringify(header.trim()), 120)}`);
  if (descr !== '<f4') fail(`dtype '${escapeText(descr!, 40)}' is not supported (only little-endian float32 '<f4')`);
  if (fortran === 'True') fail('Fortran-order arrays are not supported (only C order)');
  const maxRank = limits().maxRank;
  const dims = shapeText!.split(',').filter((d) => d.trim().length > 0).length;
  if (dims > maxRank) fail(`shape has ${dims} dimensions, more than allowed (limit maxRank = ${maxRank})`);
  const shape = shapeText!
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const d = Number(s.replace(/L$/, ''));
      if (!Number.isInteger(d) || d < 0) fail(`bad shape entry '${escapeText(s, 40)}'`);
      return d;
    });
  const size = shape.reduce((a, b) => a * b, 1);
  const dataStart = start + headerLen;
  const need = size * 4;
  if (bytes.length - dataStart < need) fail(`truncated data: shape (${shape.join(', ')}) needs ${need} bytes, file has ${bytes.length - dataStart}`);
  if (bytes.length - dataStart > need) fail(`${bytes.length - dataStart - need} unexpected bytes after the data`);
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) data[i] = dv.getFloat32(dataStart + 4 * i, true);
  return new Tensor(shape, data);
}

export function writeNpy(t: Tensor): Uint8Array {
  const shape = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
  let version = 1;
  let pre = 10;
  let total = pre + header.length + 1;
  if (Math.ceil(total / 64) * 64 - pre > 0xffff) {
    version = 2;
    pre = 12;
    total = pre + header.length + 1;
  }
  const padded = Math.ceil(total / 64) * 64;
  header = header + ' '.repeat(padded - total) + '\n';
  const out = new Uint8Array(padded + t.size * 4);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, header.length, true);
  else dv.setUint32(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[pre + i] = header.charCodeAt(i);
  for (let i = 0; i < t.size; i++) dv.setFloat32(padded + 4 * i, t.data[i]!, true);
  return out;
}
