// IEEE 754 half precision and bfloat16 to float32. Half: 1 sign, 5 exponent (bias 15), 10
// mantissa bits; exponent 0 holds subnormals (m · 2^−24), 31 holds ±Infinity and NaN. bfloat16 is
// the top half of a float32, so widening is a 16-bit shift.

let table: Float32Array | undefined;
const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function float16ToFloat32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** `count` little-endian halves starting at `offset` of `bytes`, widened to float32. */
export function decodeFloat16(bytes: Uint8Array, offset: number, count: number): Float32Array {
  if (!table) {
    table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) table[h] = float16ToFloat32(h);
  }
  const out = new Float32Array(count);
  for (let i = 0, p = offset; i < count; i++, p += 2) out[i] = table[bytes[p]! | (bytes[p + 1]! << 8)]!;
  return out;
}

/** `count` little-endian bfloat16 values starting at `offset`, widened to float32. */
export function decodeBfloat16(bytes: Uint8Array, offset: number, count: number): Float32Array {
  const bits = new Uint32Array(count);
  for (let i = 0, p = offset; i < count; i++, p += 2) bits[i] = ((bytes[p]! | (bytes[p + 1]! << 8)) << 16) >>> 0;
  return new Float32Array(bits.buffer);
}

/** `count` little-endian float32 values starting at `offset` (any alignment). */
export function decodeFloat32(bytes: Uint8Array, offset: number, count: number): Float32Array {
  if (littleEndianHost && (bytes.byteOffset + offset) % 4 === 0) return new Float32Array(bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + 4 * count));
  const dv = new DataView(bytes.buffer, bytes.byteOffset + offset, 4 * count);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = dv.getFloat32(4 * i, true);
  return out;
}
