import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readSafetensors } from '../src/weights/safetensors.js';

// Files built byte by byte from the format's definition (u64 LE header length, JSON header,
// data buffer), with values whose IEEE encodings are known constants.

function file(header: object, data: Uint8Array, headerText?: string): Uint8Array {
  const text = new TextEncoder().encode(headerText ?? JSON.stringify(header));
  const out = new Uint8Array(8 + text.length + data.length);
  new DataView(out.buffer).setUint32(0, text.length, true);
  out.set(text, 8);
  out.set(data, 8 + text.length);
  return out;
}
const u16 = (...v: number[]) => new Uint8Array(Uint16Array.from(v).buffer);

describe('readSafetensors', () => {
  it('widens F16 bit patterns to their IEEE half values (1, −2, 65504, 2^−24, 2^−14, −0, ∞)', () => {
    const bits = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x0400, 0x8000, 0x7c00];
    const { tensors } = readSafetensors(file({ h: { dtype: 'F16', shape: [7], data_offsets: [0, 14] } }, u16(...bits)));
    expect(Array.from(tensors.get('h')!.data!)).toEqual([1, -2, 65504, 2 ** -24, 2 ** -14, -0, Infinity]);
  });

  it('widens BF16 as the top half of a float32 (0x3f80 = 1, 0xc040 = −3, 0x3e80 = 0.25)', () => {
    const { tensors } = readSafetensors(file({ b: { dtype: 'BF16', shape: [3], data_offsets: [0, 6] } }, u16(0x3f80, 0xc040, 0x3e80)));
    expect(Array.from(tensors.get('b')!.data!)).toEqual([1, -3, 0.25]);
  });

  it('reads F32 at an unaligned offset, keeps shapes and __metadata__, and flags I64 with data null', () => {
    const data = new Uint8Array(2 + 8 + 8);
    const dv = new DataView(data.buffer);
    dv.setUint16(0, 0x3c00, true);
    dv.setFloat32(2, 1.5, true);
    dv.setFloat32(6, -0.125, true);
    dv.setBigInt64(10, 1000n, true);
    const header = {
      __metadata__: { family: 'torchvision', width: '0.5' },
      a: { dtype: 'F16', shape: [1], data_offsets: [0, 2] },
      w: { dtype: 'F32', shape: [1, 2], data_offsets: [2, 10] },
      'bn.num_batches_tracked': { dtype: 'I64', shape: [], data_offsets: [10, 18] },
    };
    const st = readSafetensors(file(header, data));
    expect(st.metadata).toEqual({ family: 'torchvision', width: '0.5' });
    expect(st.tensors.get('w')).toEqual({ dtype: 'F32', shape: [1, 2], data: Float32Array.from([1.5, -0.125]) });
    expect(st.tensors.get('bn.num_batches_tracked')).toEqual({ dtype: 'I64', shape: [], data: null });
  });

  it('reads the torchvision golden checkpoint written by Python: 360 tensors, F16 weights, I64 counters', () => {
    const st = readSafetensors(new Uint8Array(readFileSync(new URL('../fixtures/golden/torch-b0-224/model.safetensors', import.meta.url))));
    expect(st.tensors.size).toBe(360);
    expect(st.tensors.get('features.0.0.weight')!.shape).toEqual([32, 3, 3, 3]);
    expect(st.tensors.get('features.0.0.weight')!.dtype).toBe('F16');
    expect(st.tensors.get('features.0.1.num_batches_tracked')!.data).toBeNull();
    expect(st.metadata.format).toBe('pt');
  });

  const one = { t: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
  it.each([
    ['a file shorter than the length field', new Uint8Array(5), /x\.safetensors: not a safetensors file: 5 bytes/],
    ['a header length beyond 100 MB', (() => { const b = new Uint8Array(16); new DataView(b.buffer).setUint32(0, 200_000_000, true); return b; })(), /exceeds the 100 MB limit/],
    ['a header longer than the file', (() => { const b = new Uint8Array(16); new DataView(b.buffer).setUint32(0, 100, true); return b; })(), /truncated: the header needs 100 bytes/],
    ['a header that is not JSON', file({}, new Uint8Array(0), '{"t": '), /header is not valid JSON/],
    ['a header that is an array', file([], new Uint8Array(0)), /header is not a JSON object/],
    ['an unknown dtype', file({ t: { dtype: 'F8', shape: [2], data_offsets: [0, 2] } }, new Uint8Array(2)), /tensor 't' has unknown dtype "F8"/],
    ['offsets that do not match the shape', file({ t: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)), /needs 12 bytes, data_offsets \[0, 8\) hold 8/],
    ['overlapping tensors', file({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8)), /overlaps/],
    ['a hole in the buffer', file({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8)), /hole in the data buffer before tensor 'a'/],
    ['a truncated data buffer', file(one, new Uint8Array(6)), /truncated: the header describes 8 data bytes, the file holds 6/],
    ['bytes after the last tensor', file(one, new Uint8Array(12)), /4 bytes after the last tensor/],
    ['non-string metadata', file({ __metadata__: { width: 0.5 } }, new Uint8Array(0)), /__metadata__\.width is not a string/],
  ])('refuses %s with one line naming the file', (_, bytes, message) => {
    expect(() => readSafetensors(bytes, 'x.safetensors')).toThrow(message);
    try {
      readSafetensors(bytes, 'x.safetensors');
    } catch (e) {
      expect((e as Error).message.startsWith('x.safetensors: ')).toBe(true);
      expect((e as Error).message).not.toContain('\n');
    }
  });
});
