// .npy v1.0 float32 writer/reader for the generators, independent of effnet's src/tensor/npy.ts.
import { readFileSync, writeFileSync } from 'node:fs';

export function writeNpy(path, shape, data) {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const out = Buffer.alloc(10 + header.length + data.length * 4);
  out.write('\x93NUMPY', 0, 'latin1');
  out[6] = 1;
  out[7] = 0;
  out.writeUInt16LE(header.length, 8);
  out.write(header, 10, 'latin1');
  Buffer.from(Float32Array.from(data).buffer).copy(out, 10 + header.length);
  writeFileSync(path, out);
}

export function readNpy(path) {
  const b = readFileSync(path);
  const len = b.readUInt16LE(8);
  const header = b.toString('latin1', 10, 10 + len);
  const shape = /'shape': \(([^)]*)\)/.exec(header)[1].split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const data = new Float32Array(b.buffer.slice(b.byteOffset + 10 + len, b.byteOffset + b.length));
  return { shape, data };
}
