import { escapeText } from '../limits.js';
import { CheckpointError } from './source.js';

// The zip container as torch.save writes it (PyTorch's miniz writer, level 0): stored entries only,
// each a local header + name + extra (padding that 64-byte-aligns the data) + raw bytes, then the
// central directory and its end record (zip64 records when sizes pass 4 GiB). A few lines of our
// own instead of a general zip library: nothing to inflate, and every offset is checked here.
// Layouts: PKWARE APPNOTE.TXT §4.3.7 (local header), §4.3.12 (central), §4.3.14–16 (end, zip64).

export interface ZipLimits {
  /** Most entries in the central directory. */
  maxEntries: number;
}

export const ZIP_LIMITS: ZipLimits = { maxEntries: 100_000 };

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/**
 * Longest entry name, in bytes (torch.save's are the archive's name and `/data/<n>`). Names are
 * Map keys, and V8 hashes a string of 16,384 characters or more by its length alone: many such
 * names of one length would make each insertion compare with all the others.
 */
const MAX_NAME = 1024;

/** Whether the bytes start as a zip archive does (a local file header). */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/**
 * The entries of a zip of stored (uncompressed) files, by name, as views into `bytes`; CRC-32 checked.
 * Entries must follow one another, in the central directory's order, before it: no two share a byte,
 * so reading and checking them all touches each byte of the file at most once.
 */
export function readZip(bytes: Uint8Array, name: string, limits: ZipLimits = ZIP_LIMITS): Map<string, Uint8Array> {
  const fail = (why: string): never => {
    throw new CheckpointError(`${name}: ${why}`);
  };
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number) => dv.getUint16(at, true);
  const u32 = (at: number) => dv.getUint32(at, true);
  const u64 = (at: number) => {
    const v = dv.getUint32(at + 4, true) * 2 ** 32 + dv.getUint32(at, true);
    if (!Number.isSafeInteger(v)) fail(`zip field at byte ${at} is too large (${v})`);
    return v;
  };

  // The end record is the last 22 bytes plus a comment of at most 65,535.
  let end = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 65_535); at--) {
    if (u32(at) === EOCD && at + 22 + u16(at + 20) === bytes.length) {
      end = at;
      break;
    }
  }
  if (end < 0) fail(isZip(bytes) ? 'truncated zip: no end-of-central-directory record' : 'not a zip archive');
  let count = u16(end + 10);
  let cdSize = u32(end + 12);
  let cdOffset = u32(end + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = end - 20;
    if (loc < 0 || u32(loc) !== ZIP64_LOCATOR) fail('zip64 end record missing its locator');
    const z = u64(loc + 8);
    if (z + 56 > bytes.length || u32(z) !== ZIP64_EOCD) fail('zip64 end record is not where its locator points');
    count = u64(z + 32);
    cdSize = u64(z + 40);
    cdOffset = u64(z + 48);
  }
  if (count > limits.maxEntries) fail(`zip has ${count} entries, more than the limit of ${limits.maxEntries}`);
  if (cdOffset + cdSize > bytes.length) fail(`truncated zip: the central directory [${cdOffset}, ${cdOffset + cdSize}) passes the end (${bytes.length} bytes)`);

  const entries = new Map<string, Uint8Array>();
  const utf8 = new TextDecoder('utf-8', { fatal: false });
  let at = cdOffset;
  // where the previous entry's data ended: the next local header may not start before it
  let floor = 0;
  for (let i = 0; i < count; i++) {
    if (at + 46 > cdOffset + cdSize || u32(at) !== CENTRAL) fail(`zip central directory entry ${i} is damaged`);
    const flags = u16(at + 8);
    const method = u16(at + 10);
    const crc = u32(at + 16);
    let size = u32(at + 20);
    let usize = u32(at + 24);
    const nameLength = u16(at + 28);
    const extraLength = u16(at + 30);
    const commentLength = u16(at + 32);
    let local = u32(at + 42);
    const next = at + 46 + nameLength + extraLength + commentLength;
    if (next > cdOffset + cdSize) fail(`zip central directory entry ${i} passes the directory's end`);
    if (nameLength > MAX_NAME) fail(`zip central directory entry ${i} has a name of ${nameLength} bytes (at most ${MAX_NAME})`);
    const entry = utf8.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    const shown = escapeText(entry, 80);
    // zip64 extra field (id 1): the 64-bit values of whichever fields hold 0xffffffff, in this order.
    for (let e = at + 46 + nameLength; e + 4 <= at + 46 + nameLength + extraLength;) {
      const id = u16(e);
      const len = u16(e + 2);
      if (id === 1) {
        let p = e + 4;
        if (usize === 0xffffffff) (usize = u64(p)), (p += 8);
        if (size === 0xffffffff) (size = u64(p)), (p += 8);
        if (local === 0xffffffff) local = u64(p);
      }
      e += 4 + len;
    }
    if (flags & 1) fail(`zip entry '${shown}' is encrypted`);
    if (method !== 0) fail(`zip entry '${shown}' is compressed (method ${method}); torch.save stores entries uncompressed, and so must this file`);
    if (size !== usize) fail(`zip entry '${shown}' is stored but its sizes differ (${size} vs ${usize})`);
    if (local < floor) fail(`zip entry '${shown}' at byte ${local} overlaps the entry before it (which ends at byte ${floor}): entries must follow one another`);
    if (local + 30 > bytes.length || u32(local) !== LOCAL) fail(`zip entry '${shown}': no local header at byte ${local}`);
    const data = local + 30 + u16(local + 26) + u16(local + 28);
    if (data + size > bytes.length) fail(`truncated zip: entry '${shown}' needs bytes [${data}, ${data + size}), the file has ${bytes.length}`);
    if (data + size > cdOffset) fail(`zip entry '${shown}' (bytes [${local}, ${data + size})) runs into the central directory at byte ${cdOffset}`);
    floor = data + size;
    if (entries.has(entry)) fail(`zip entry '${shown}' appears twice`);
    const view = bytes.subarray(data, data + size);
    if (crc32(view) !== crc) fail(`zip entry '${shown}' is corrupted (CRC-32 mismatch)`);
    entries.set(entry, view);
    at = next;
  }
  return entries;
}

let crcTable: Uint32Array | undefined;

export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  const t = crcTable;
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
