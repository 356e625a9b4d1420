// Every limit effnet puts on untrusted input, in one place. Each is checked before the
// allocation it protects and fails with one line naming the file (or flag) and the limit; each
// can be raised per call (a `limits` or `maxPixels` option, a CLI flag) or here for the process.

export interface Limits {
  /**
   * MBConv blocks in a plan. B7 has 55, timm's L2 88; 128 allows φ up to about 9, where
   * depth = 1.2^φ grows past anything trained.
   */
  maxBlocks: number;
  /** Channels of any layer. B7's widest is 3840 (stage 7 expanded), L2's about 5000. */
  maxChannels: number;
  /** Input side of a plan. B7 runs at 600, L2 at 800. */
  maxResolution: number;
  /** Classifier width. ImageNet-21k has 21,843 classes. */
  maxClasses: number;
  /** Weights of a plan. B7 has 66.7 M, L2 480 M; 600 M is 2.4 GB of float32. */
  maxParams: number;
  /**
   * Pixels of a decoded image, and of an image after the pipeline's resize. PIL refuses above
   * 2 × 89,478,485; decoding costs about 12 bytes a pixel here (RGBA, RGB, filter rows), so
   * 40 M (a 7,300 × 5,470 photo) peaks near 480 MB, under a 512 MiB budget.
   */
  maxPixels: number;
  /** Bytes of an image file: a 40 MP PNG stored without compression is 160 MB. */
  maxImageBytes: number;
  /** Bytes of a checkpoint file or shard: B7 in float32 is 267 MB, L2 1.9 GB. */
  maxCheckpointBytes: number;
  /** safetensors header (the format's own limit is 100 MB; B7's header is 60 KB). */
  maxHeaderBytes: number;
  /** Bytes of a .npy input: a batch of 32 600×600 images is 138 MB. */
  maxNpyBytes: number;
  /** Dimensions of a tensor in a checkpoint or .npy (the network's are at most 4). */
  maxRank: number;
  /** The pipeline's resize target (shorter side) and crop size. */
  maxResize: number;
  /** Bytes of a small text file (labels, model.json). */
  maxTextBytes: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxBlocks: 128,
  maxChannels: 16_384,
  maxResolution: 1024,
  maxClasses: 32_768,
  maxParams: 600_000_000,
  maxPixels: 40_000_000,
  maxImageBytes: 256 * 2 ** 20,
  maxCheckpointBytes: 2 * 2 ** 30,
  maxHeaderBytes: 100_000_000,
  maxNpyBytes: 1 * 2 ** 30,
  maxRank: 8,
  maxResize: 4096,
  maxTextBytes: 64 * 2 ** 20,
});

const current: Limits = { ...DEFAULT_LIMITS };

/** The limits in force for this process, with `overrides` (per call) on top. */
export function limits(overrides?: Partial<Limits>): Readonly<Limits> {
  if (!overrides) return current;
  const out = { ...current };
  for (const [k, v] of Object.entries(overrides) as [keyof Limits, number | undefined][]) if (v !== undefined) out[k] = checkLimit(k, v);
  return out;
}

/** Changes the process-wide limits (a server that trusts its inputs more, or less). */
export function setLimits(overrides: Partial<Limits>): void {
  Object.assign(current, limits(overrides));
}

function checkLimit(name: keyof Limits, v: number): number {
  if (!(name in DEFAULT_LIMITS)) throw new Error(`unknown limit '${escapeText(String(name), 40)}'`);
  if (!(typeof v === 'number' && v > 0 && Number.isFinite(v))) throw new Error(`limit ${name} must be a positive number, got ${escapeText(String(v), 40)}`);
  return v;
}

/** The error thrown when an input passes a limit: its message names the input and the limit. */
export class LimitError extends Error {
  override readonly name = 'LimitError';
  constructor(readonly what: string, readonly limit: keyof Limits, problem: string, max: number) {
    super(`${what}: ${problem} (limit ${limit} = ${formatLimit(max)})`);
  }
}

function formatLimit(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString('en-US') : String(n);
}

/** Throws a LimitError when `value` is above `max` (NaN counts as above). */
export function checkAtMost(value: number, max: number, what: string, limit: keyof Limits, noun: string): void {
  if (!(value <= max)) {
    const shown = Number.isFinite(value) && Math.abs(value) < 1e15 ? Math.round(value).toLocaleString('en-US') : value.toPrecision(3);
    throw new LimitError(what, limit, `${shown} ${noun}, more than allowed`, max);
  }
}

const MAX_TEXT = 300;
/** Longest error message: a file name, what is wrong and the limit, with room for a short list. */
export const MAX_ERROR = 500;

/**
 * Text from a stranger (a file name, a metadata value) made safe to print: control characters,
 * escapes and line breaks shown as \xNN / \uNNNN, and cut to `max` characters.
 */
export function escapeText(text: string, max = MAX_TEXT): string {
  // eslint-disable-next-line no-control-regex
  const escaped = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
  if (escaped.length <= max) return escaped;
  return `${escaped.slice(0, max - 1)}… (${escaped.length - max + 1} more characters)`;
}

const ENGINE_MESSAGES = /Memory\.grow|Invalid typed array length|Array buffer allocation failed|DataView|Maximum call stack|Cannot create a Buffer larger|offset is out of bounds|out of memory|is not a function|Cannot read properties of/i;

/** Whether a message comes from the JS engine or WebAssembly, not from effnet. */
export function isEngineMessage(message: string): boolean {
  return ENGINE_MESSAGES.test(message);
}

/**
 * One line for an error the user sees: effnet's own message escaped and bounded; an engine
 * message (a failed Memory.grow, a typed array too long) replaced by what it means, for `what`.
 */
export function userMessage(e: unknown, what?: string): string {
  const message = e instanceof Error ? e.message : String(e);
  if (isEngineMessage(message) || e instanceof RangeError) {
    const why = /memory|grow|allocation|typed array length|Buffer larger/i.test(message) ? 'ran out of memory' : 'failed on malformed input';
    return escapeText(`${what ? `${what}: ` : ''}${why} (run with --debug for the details)`, MAX_ERROR);
  }
  return escapeText(message.split('\n')[0]!, MAX_ERROR);
}

/** `bytes` as a Uint8Array, whether given as one (a Node Buffer is one), an ArrayBuffer or a typed-array view. */
export function asBytes(bytes: unknown, what: string): Uint8Array {
  if (bytes instanceof Uint8Array) return bytes;
  if (bytes instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && bytes instanceof SharedArrayBuffer)) return new Uint8Array(bytes);
  if (ArrayBuffer.isView(bytes)) return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  throw new TypeError(`${what} must be a Uint8Array, ArrayBuffer or Buffer, got ${bytes === null ? 'null' : typeof bytes}`);
}
