import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { buildPlan } from '../../src/model/plan.js';
import { mulberry32, randomWeights } from '../../src/weights/random.js';
import { scanlineBytes } from '../../src/node/png-chunks.js';
import { concat, ihdr, jpegHeader, npy, png, PNG_SIGNATURE, pngChunk, rgbPng, safetensors, withHeader, type StEntry } from './builders.js';
import { hostileNumber, hostileNumberText, hostileText, int, mutateBytes, mutateJson, pick, type Rng } from './mutate.js';

// One seeded generator per reader. A case is the files it writes into its own empty folder and,
// for the CLI, the arguments; the worker runs the reader on them. Same (reader, seed, index),
// same case: a failure is reproduced by its three numbers.

export const READERS = ['safetensors', 'tfjs', 'npy', 'png', 'jpeg', 'cli'] as const;
export type Reader = (typeof READERS)[number];

/** A file of the case: bytes, or a special file an attacker can name. */
export type CaseFile = Uint8Array | { fifo: true } | { symlink: string } | { dir: true };

export interface FuzzCase {
  files: Record<string, CaseFile>;
  /** For the CLI: argv, with `@` standing for the case's folder. */
  argv?: string[];
  /** What the mutation did, for the report. */
  note: string;
}

export function caseRng(reader: Reader, seed: number, index: number): Rng {
  return mulberry32((seed * 1_000_003) ^ (READERS.indexOf(reader) * 7_919_993) ^ (index * 2_654_435_761));
}

const TINY = { name: 'tiny', width: 0.25, depth: 0.25, resolution: 16, dropout: 0 };
const f32 = (a: Float32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
let tinyEntries: Record<string, StEntry> | undefined;

/** A small Keras-named checkpoint (width 0.25, depth 0.25, 16×16, 10 classes) from seeded weights. */
function tinyWeights(): Record<string, StEntry> {
  if (!tinyEntries) {
    const plan = buildPlan(TINY, { numClasses: 10 });
    tinyEntries = {};
    for (const [name, t] of randomWeights(plan, 7)) tinyEntries[name] = { dtype: 'F32', shape: [...t.shape], data: f32(t.data) };
  }
  return tinyEntries;
}

const TINY_META = { family: 'keras', width: '0.25', depth: '0.25', resolution: '16', num_classes: '10' };
export const tinySafetensors = (): Uint8Array => safetensors(tinyWeights(), TINY_META);
const shippedPath = new URL('../../fixtures/models/fashion-effnet.safetensors', import.meta.url);
let shipped: Uint8Array | undefined;
const shippedBytes = () => (shipped ??= new Uint8Array(readFileSync(shippedPath)));

const META_KEYS = ['depth', 'width', 'variant', 'resolution', 'num_classes', 'bn_eps', 'crop_pct', 'resize', 'classes', 'family', 'padding', 'mean', 'std', 'interpolation'];

function safetensorsCase(rng: Rng): FuzzCase {
  const base = rng() < 0.2 ? shippedBytes() : tinySafetensors();
  const kind = int(rng, 4);
  let bytes: Uint8Array;
  let note: string;
  if (kind === 0) {
    const key = pick(rng, META_KEYS);
    const value = key === 'classes' ? JSON.stringify(Array.from({ length: 10 }, () => hostileText(rng))) : key === 'variant' ? `phi=${hostileNumberText(rng)}` : rng() < 0.5 ? hostileNumberText(rng) : hostileText(rng);
    bytes = withHeader(base, (h) => Object.assign((h.__metadata__ ??= {}) as object, { [key]: value }));
    note = `metadata ${key}=${JSON.stringify(value).slice(0, 40)}`;
  } else if (kind === 1) {
    bytes = withHeader(base, (h) => {
      const keys = Object.keys(h).filter((k) => k !== '__metadata__');
      const k = pick(rng, keys);
      h[k] = mutateJson(rng, h[k]);
    });
    note = 'tensor entry';
  } else if (kind === 2) {
    const n = new DataView(base.buffer, base.byteOffset).getUint32(0, true);
    bytes = mutateBytes(rng, base, rng() < 0.5 ? 0 : 8 + n);
    note = 'bytes';
  } else {
    const len = new Uint8Array(8);
    new DataView(len.buffer).setBigUint64(0, BigInt(pick(rng, [0, 1, 2 ** 32, 2 ** 40, 2 ** 53 - 1, 99_999_999, 100_000_001])), true);
    bytes = concat(len, base.subarray(8, 8 + int(rng, 4096)));
    note = 'header length';
  }
  return { files: { 'case.safetensors': bytes }, note };
}

function tfjsModel(rng: Rng): { json: Record<string, unknown>; shard: Uint8Array } {
  const entries = Object.entries(tinyWeights());
  const weights = entries.map(([name, e]) => ({ name, shape: e.shape, dtype: 'float32' }));
  const userDefinedMetadata = { ...TINY_META, ...(rng() < 0.3 ? { [pick(rng, META_KEYS)]: rng() < 0.5 ? hostileNumber(rng) : hostileNumberText(rng) } : {}) };
  return { json: { format: 'layers-model', userDefinedMetadata, weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights }] }, shard: concat(...entries.map(([, e]) => e.data)) };
}

function tfjsCase(rng: Rng): FuzzCase {
  const { json, shard } = tfjsModel(rng);
  const files: Record<string, CaseFile> = {};
  let model: unknown = json;
  let bin: CaseFile = shard;
  const kind = int(rng, 5);
  const note = ['manifest', 'shard bytes', 'shard path', 'special shard', 'model.json bytes'][kind]!;
  if (kind === 0) model = mutateJson(rng, json);
  else if (kind === 1) bin = mutateBytes(rng, shard);
  else if (kind === 2) {
    const path = pick(rng, ['../outside.bin', '/etc/passwd', 'link.bin', 'sub/../../x.bin', 'file:///etc/passwd', '', 'dir.bin', 'a\x1b[2J.bin']);
    (json.weightsManifest as { paths: string[] }[])[0]!.paths = [path];
    if (path === 'link.bin') files['link.bin'] = { symlink: pick(rng, ['/dev/zero', '/etc/passwd', '../x']) };
    if (path === 'dir.bin') files['dir.bin'] = { dir: true };
  } else if (kind === 3) {
    bin = pick(rng, [{ fifo: true }, { symlink: '/dev/zero' }, { dir: true }] as CaseFile[]);
  }
  files['model.json'] = kind === 4 ? mutateBytes(rng, new TextEncoder().encode(JSON.stringify(model))) : new TextEncoder().encode(JSON.stringify(model));
  files['group1-shard1of1.bin'] = bin;
  return { files, note };
}

function npyCase(rng: Rng): FuzzCase {
  const h = 4 + int(rng, 13);
  const shape = pick(rng, [[1, h, h, 3], [h, h, 3], [2, 8, 8, 3], [1, 8, 9, 3], [0, 4, 4, 3], [1, 1, 1, 3], [3]]);
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size).map(() => 2 * rng() - 1);
  const kind = int(rng, 5);
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  let bytes = f32(data);
  let note = `shape [${shape.join(',')}]`;
  if (kind === 0) {
    header = pick(rng, [
      `{'descr': '<f4', 'fortran_order': False, 'shape': (${new Array(int(rng, 20000)).fill(1).join(', ')}), }`,
      `{'descr': '<f4', 'fortran_order': False, 'shape': (${hostileNumber(rng)}, ${hostileNumber(rng)}), }`,
      `{'descr': '${pick(rng, ['>f4', '<f8', '|u1', '<i4', 'O', '\x1b'])}', 'fortran_order': False, 'shape': (2, 2), }`,
      `{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }`, hostileText(rng), '',
    ]);
    note = 'header';
  } else if (kind === 1) {
    bytes = bytes.subarray(0, int(rng, bytes.length + 1));
    note = 'data length';
  } else if (kind === 2) {
    for (let k = 0; k < 3; k++) data[int(rng, Math.max(1, size))] = pick(rng, [NaN, Infinity, -Infinity, 3e38, -3e38]);
    note = 'non-finite input';
  }
  let file = npy(header, bytes);
  if (kind === 3) file = mutateBytes(rng, file);
  if (kind === 3) note = 'bytes';
  return { files: { 'case.npy': file }, note };
}

function pngCase(rng: Rng): FuzzCase {
  const w = 1 + int(rng, 24), h = 1 + int(rng, 24);
  const good = rgbPng(w, h, (x, y) => [(x * 31) & 255, (y * 17) & 255, int(rng, 256)]);
  const kind = int(rng, 7);
  let bytes: Uint8Array;
  let note: string;
  if (kind === 0) {
    const [W, H] = pick(rng, [[65535, 65535], [1, 10_000_000], [10_000_000, 1], [20000, 20000], [2 ** 31 - 1, 1], [0, 5], [6000, 6000], [7000, 7000]]);
    bytes = png(W!, H!, deflateSync(new Uint8Array(int(rng, 200_000)), { level: 9 }), { depth: pick(rng, [1, 8, 16]), colorType: pick(rng, [0, 2, 6]) });
    note = `size ${W}×${H}`;
  } else if (kind === 1) {
    bytes = concat(PNG_SIGNATURE, ihdr(w, h, pick(rng, [1, 2, 4, 8, 16, 3, 0, 32]), pick(rng, [0, 2, 3, 4, 6, 1, 7]), int(rng, 3)), ...(rng() < 0.5 ? [] : [pngChunk('IDAT', deflateSync(new Uint8Array(int(rng, w * h * 4 + 10))))]), pngChunk('IEND'));
    note = 'header and short data';
  } else if (kind === 2) {
    const raw = new Uint8Array(int(rng, (h + 2) * (1 + w * 3))).map(() => int(rng, 256));
    bytes = png(w, h, deflateSync(raw), { interlace: int(rng, 2) });
    note = 'random scanlines';
  } else if (kind === 3) {
    bytes = concat(PNG_SIGNATURE, ihdr(w, h), pngChunk(pick(rng, ['PLTE', 'tRNS', 'IDAT', 'zTXt', 'iCCP']), Uint8Array.from({ length: int(rng, 300) }, () => int(rng, 256))), pngChunk('IEND'));
    note = 'stray chunk';
  } else if (kind === 4) {
    bytes = mutateBytes(rng, good, 8);
    note = 'bytes';
  } else {
    // Well-formed files of every colour type, depth and interlace, random filters and samples
    // (a palette may be shorter than its indices): the decoder must accept them or say why.
    const colorType = pick(rng, [0, 2, 3, 4, 6]);
    const depth = pick(rng, ({ 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] } as Record<number, number[]>)[colorType]!);
    const interlace = int(rng, 2);
    const need = scanlineBytes({ width: w, height: h, depth, colorType, interlaced: interlace === 1, idat: [] });
    const raw = new Uint8Array(need).map(() => int(rng, 256));
    for (let i = 0; i < need; i += 1 + Math.ceil((w * depth * ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[colorType]!) / 8)) raw[i] = int(rng, 5);
    const extra = colorType === 3 ? [pngChunk('PLTE', new Uint8Array(3 * (1 + int(rng, 256))).map(() => int(rng, 256)))] : [];
    if (rng() < 0.3) extra.push(pngChunk('tRNS', new Uint8Array(colorType === 3 ? int(rng, 256) : colorType === 2 ? 6 : 2).map(() => int(rng, 256))));
    bytes = concat(PNG_SIGNATURE, ihdr(w, h, depth, colorType, interlace), ...extra, pngChunk('IDAT', deflateSync(raw)), pngChunk('IEND'));
    note = `valid type ${colorType} depth ${depth}${interlace ? ' interlaced' : ''}`;
  }
  return { files: { 'case.png': bytes }, note };
}

function jpegCase(rng: Rng): FuzzCase {
  const base = readFileSync(new URL(`../../fixtures/images/${pick(rng, ['pullover.jpg', 'sneaker-112.jpg'])}`, import.meta.url));
  const kind = int(rng, 3);
  if (kind === 0) {
    const [W, H] = pick(rng, [[65535, 1], [1, 65535], [10000, 10000], [65535, 65535], [7000, 6000], [0, 10], [300, 300]]);
    return { files: { 'case.jpg': jpegHeader(W!, H!, pick(rng, [0x11, 0x22, 0x44, 0xff, 0x00, 0x12]), pick(rng, [1, 3, 4, 2, 0])) }, note: `frame ${W}×${H}` };
  }
  if (kind === 1) {
    // Rewrite the real frame header's size or sampling in place.
    const bytes = new Uint8Array(base);
    const sof = bytes.findIndex((b, i) => b === 0xff && (bytes[i + 1] === 0xc0 || bytes[i + 1] === 0xc2));
    if (sof > 0) {
      const field = pick(rng, [5, 7, 11, 14]);
      bytes[sof + field] = int(rng, 256);
      if (rng() < 0.5) bytes[sof + field + 1] = int(rng, 256);
    }
    return { files: { 'case.jpg': bytes }, note: 'frame header' };
  }
  return { files: { 'case.jpg': mutateBytes(rng, new Uint8Array(base), 2) }, note: 'bytes' };
}

const GOOD_IMAGE = () => rgbPng(28, 28, (x, y) => [x * 9, y * 9, 128]);

function cliCase(rng: Rng): FuzzCase {
  const files: Record<string, CaseFile> = {
    'good.png': GOOD_IMAGE(),
    'fifo.png': { fifo: true },
    'zero.png': { symlink: '/dev/zero' },
    'empty.png': { dir: true },
    'tiny.safetensors': tinySafetensors(),
    [`e\x1b[31m${hostileText(rng).slice(0, 40).replace(/[/\0]/g, '_')}.png`]: GOOD_IMAGE(),
  };
  const file = () => pick(rng, ['@/good.png', '@/fifo.png', '@/zero.png', '@/empty.png', '/dev/zero', '@/missing.png', '@', `@/e\x1b[31m`, '']);
  const value = () => pick(rng, [String(hostileNumber(rng)), hostileNumberText(rng), hostileText(rng), 'b0', 'phi=100', 'phi=1000000', `phi=${hostileNumberText(rng)}`, '0.001', '30000', file()]);
  const command = pick(rng, ['classify', 'classify', 'classify', 'summary', 'infer', 'bench', 'nonsense']);
  const argv = [command];
  if (command === 'classify') {
    argv.push('--weights', rng() < 0.8 ? '@/tiny.safetensors' : file());
    for (let k = int(rng, 3); k > 0; k--) {
      const flag = pick(rng, ['--top', '--model', '--crop-pct', '--resize', '--family', '--interpolation', '--labels', '--max-pixels', '--backend', '--json', '--bogus']);
      argv.push(flag);
      if (flag !== '--json') argv.push(value());
    }
    for (let k = 1 + int(rng, 3); k > 0; k--) argv.push(file());
  } else if (command === 'summary') {
    argv.push(pick(rng, ['b0', 'b7', `phi=${hostileNumberText(rng)}`, 'phi=100', 'phi=40', value()]));
    if (rng() < 0.5) argv.push(pick(rng, ['--resolution', '--classes', '--padding']), value());
  } else if (command === 'infer') {
    argv.push('--input', pick(rng, ['@/x.npy', file()]), '--output', '@/y.npy', '--model', pick(rng, ['phi=-8', 'phi=100', 'phi=40', value()]), '--resolution', pick(rng, ['8', value()]));
    files['x.npy'] = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 8, 8, 3), }", new Uint8Array(8 * 8 * 3 * 4));
  } else if (command === 'bench') {
    argv.push('--model', pick(rng, ['phi=100', 'phi=1000000', 'phi=40', 'phi=NaN', 'phi=-1e9', 'c9']), '--runs', '1');
  } else {
    argv.push(value());
  }
  return { files, argv, note: command };
}

const GENERATORS: Record<Reader, (rng: Rng) => FuzzCase> = {
  safetensors: safetensorsCase, tfjs: tfjsCase, npy: npyCase, png: pngCase, jpeg: jpegCase, cli: cliCase,
};

export function makeCase(reader: Reader, seed: number, index: number): FuzzCase {
  return GENERATORS[reader](caseRng(reader, seed, index));
}
