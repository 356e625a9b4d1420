import { WASM_BASE64 } from './module.generated.js';

/**
 * The raw exports of assembly/: kernels take byte offsets into `memory`; sizes are counts of
 * floats, pixels or channels; `act` is an activation code (ACTIVATION_CODES).
 */
export interface KernelExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  add(a: number, b: number, out: number, n: number): void;
  activate(x: number, out: number, n: number, act: number): void;
  affine(x: number, rows: number, c: number, scale: number, shift: number, out: number): void;
  scaleChannels(x: number, hw: number, c: number, s: number, out: number): void;
  pointwise(a: number, m: number, k: number, w: number, n: number, out: number, act: number, residual: number): void;
  conv2d(
    x: number, h: number, w: number, cin: number, wp: number, cout: number, kh: number, kw: number,
    stride: number, top: number, left: number, out: number, oh: number, ow: number, act: number, y0: number, y1: number,
  ): void;
  depthwiseConv2d(
    x: number, h: number, w: number, c: number, wp: number, kh: number, kw: number,
    stride: number, top: number, left: number, out: number, oh: number, ow: number, act: number, y0: number, y1: number,
  ): void;
  squeezeExcite(x: number, hw: number, c: number, w: number, cse: number, out: number, scratch: number, actReduce: number, actExpand: number): void;
  channelMeans(x: number, hw: number, c: number, out: number): void;
  dense(x: number, rows: number, k: number, w: number, n: number, out: number, act: number): void;
  softmax(x: number, rows: number, m: number, out: number): void;
}

/** The activation codes of assembly/math.ts. */
export const ACTIVATION_CODES = { none: 0, swish: 1, sigmoid: 2, relu: 3 } as const;

// One f32x4.add in a function body: a runtime that cannot validate it has no WASM SIMD.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

export function wasmSimdSupported(): boolean {
  return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
}

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const KERNEL_NAMES = ['heapBase', 'pointwise', 'conv2d', 'depthwiseConv2d', 'squeezeExcite', 'dense', 'softmax'];

const IMPORTS = {
  env: {
    abort: (_msg: number, _file: number, line: number, col: number) => {
      throw new Error(`wasm kernel aborted at ${line}:${col}`);
    },
  },
};

let instance: Promise<KernelExports> | undefined;

/**
 * The kernels, instantiated once per process: every wasm backend and compiled model shares
 * the one memory (src/backends/wasm/heap.ts hands it out). From `wasmModule` when given (a
 * precompiled `effnet/effnet.wasm`, as runtimes that forbid compiling bytes require), else from
 * the embedded bytes. A failed attempt is forgotten, so a later call may succeed.
 */
export function instantiateKernels(wasmModule?: WebAssembly.Module): Promise<KernelExports> {
  if (instance) return instance;
  const pending = instantiate(wasmModule);
  instance = pending;
  pending.catch(() => {
    if (instance === pending) instance = undefined;
  });
  return pending;
}

async function instantiate(wasmModule: WebAssembly.Module | undefined): Promise<KernelExports> {
  if (wasmModule !== undefined) {
    if (!(wasmModule instanceof WebAssembly.Module)) {
      throw new Error('wasmModule must be a WebAssembly.Module (compiled from effnet/effnet.wasm)');
    }
    const names = new Set(WebAssembly.Module.exports(wasmModule).map((e) => e.name));
    const missing = KERNEL_NAMES.filter((name) => !names.has(name));
    if (missing.length > 0) throw new Error(`wasmModule is not effnet's kernels (it lacks ${missing.join(', ')}): compile effnet/effnet.wasm`);
    const made = await WebAssembly.instantiate(wasmModule, IMPORTS);
    return made.exports as unknown as KernelExports;
  }
  if (!wasmSimdSupported()) {
    throw new Error('this runtime lacks WebAssembly SIMD (128-bit), which the wasm backend needs; use the reference backend instead');
  }
  try {
    const made = await WebAssembly.instantiate(decodeBase64(WASM_BASE64) as BufferSource, IMPORTS);
    return made.instance.exports as unknown as KernelExports;
  } catch (e) {
    // workerd: "Wasm code generation disallowed by embedder".
    if (/disallowed|not allowed|forbid/i.test((e as Error).message)) {
      throw new Error(
        "this runtime forbids compiling WebAssembly from bytes (as Cloudflare Workers do): import the kernels precompiled (import wasmModule from 'effnet/effnet.wasm') and pass { wasmModule }",
      );
    }
    throw e;
  }
}
