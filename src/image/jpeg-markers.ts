import { ImageError } from './errors.js';

export interface JpegComponent {
  id: number;
  /** Horizontal and vertical sampling factors. */
  h: number;
  v: number;
}

/** What the headers before the first scan say (the parts decoding needs beyond jpeg-js). */
export interface JpegHeaders {
  width: number;
  height: number;
  precision: number;
  components: JpegComponent[];
  jfif: boolean;
  /** Offset of the APP14 "Adobe" payload and its colour transform code, when present. */
  adobe?: { offset: number; transform: number };
  /** The TIFF block of the first APP1 "Exif\0\0" segment. */
  exif?: Uint8Array;
}

const SOS = 0xda;

function isFrameMarker(m: number): boolean {
  return m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
}

/** Walks the marker segments from SOI up to the first SOS. */
export function readJpegHeaders(bytes: Uint8Array, name: string): JpegHeaders {
  const fail = (problem: string): never => {
    throw new ImageError(name, `not a readable JPEG (${problem})`);
  };
  const u16 = (at: number) => (bytes[at]! << 8) | bytes[at + 1]!;
  const ascii = (at: number, text: string) => [...text].every((ch, i) => bytes[at + i] === ch.charCodeAt(0));
  const headers: Partial<JpegHeaders> & { jfif: boolean } = { jfif: false };
  let pos = 2;
  for (;;) {
    if (pos + 4 > bytes.length) fail('truncated before the image data');
    if (bytes[pos] !== 0xff) fail(`no marker at byte ${pos}`);
    let marker = bytes[pos + 1]!;
    while (marker === 0xff && pos + 2 < bytes.length) marker = bytes[++pos + 1]!;
    if (marker === SOS) break;
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      pos += 2;
      continue;
    }
    const length = u16(pos + 2);
    const body = pos + 4;
    const end = pos + 2 + length;
    if (length < 2 || end > bytes.length) fail(`segment 0xFF${marker.toString(16).toUpperCase()} runs past the end of the file`);
    if (isFrameMarker(marker)) {
      if (headers.components) fail('more than one frame');
      const n = bytes[body + 5]!;
      if (length < 8 + 3 * n) fail('frame header too short');
      headers.precision = bytes[body]!;
      headers.height = u16(body + 1);
      headers.width = u16(body + 3);
      if (n !== 1 && n !== 3 && n !== 4) fail(`${n} colour components (1, 3 or 4 are decoded)`);
      headers.components = Array.from({ length: n }, (_, i) => {
        const at = body + 6 + 3 * i;
        return { id: bytes[at]!, h: bytes[at + 1]! >> 4, v: bytes[at + 1]! & 15 };
      });
      // ITU T.81 B.2.2: sampling factors are 1–4; larger ones make jpeg-js size its buffers wildly.
      if (headers.components.some((c) => c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4)) fail('a sampling factor outside 1–4');
    } else if (marker === 0xe0 && ascii(body, 'JFIF\0')) {
      headers.jfif = true;
    } else if (marker === 0xe1 && !headers.exif && ascii(body, 'Exif\0\0')) {
      headers.exif = bytes.subarray(body + 6, end);
    } else if (marker === 0xee && ascii(body, 'Adobe') && length >= 14) {
      headers.adobe = { offset: body, transform: bytes[body + 11]! };
    }
    pos = end;
  }
  if (!headers.components) fail('no frame header before the image data');
  if (!(headers.width! > 0 && headers.height! > 0)) fail(`image size ${headers.width}×${headers.height}`);
  return headers as JpegHeaders;
}
