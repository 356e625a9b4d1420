import { ImageError } from '../image/errors.js';

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

function crc32(bytes: Uint8Array, from: number, to: number): number {
  let c = -1;
  for (let i = from; i < to; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/**
 * Walks the chunks from the signature to IEND, checking each one's length and CRC, so that a
 * damaged file gets a precise reason (pngjs reports a CRC error as a stream error, or not at all).
 */
export function checkPngChunks(bytes: Uint8Array, name: string): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 8;
  for (;;) {
    if (pos + 12 > bytes.length) throw new ImageError(name, `truncated PNG (ends at byte ${bytes.length} before its IEND chunk)`);
    const length = view.getUint32(pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    const end = pos + 8 + length;
    if (end + 4 > bytes.length) throw new ImageError(name, `truncated PNG (chunk ${JSON.stringify(type)} at byte ${pos} runs past the end of the file)`);
    if (view.getUint32(end) !== crc32(bytes, pos + 4, end)) throw new ImageError(name, `corrupt PNG (chunk ${JSON.stringify(type)} at byte ${pos} fails its CRC check)`);
    if (type === 'IEND') return;
    pos = end + 4;
  }
}
