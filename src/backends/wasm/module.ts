import type { BackendOptions, KernelBuild } from '../backend.js';
import { WASM_BASE64, WASM_RELAXED_BASE64 } from './module.generated.js';

type KernelRequest = NonNullable<BackendOptions['kernels']>;

/**
 * The raw exports of assembly/: kernels take byte offsets into `memory`; sizes are counts of
 * floats, pixels or channels; `act` is an activation's code (model/activations.ts).
 */
export interface KernelExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  /** 1 in the relaxed-SIMD build, 0 in the plain one. */
  relaxedSimd(): number;
  add(a: number, b: number, out: number, n: number): void;
  activation(x: number, out: number, n: number, act: number): void;
  batchNorm(x: number, rows: number, c: number, scale: number, shift: number, out: number): void;
  multiply(x: number, hw: number, c: number, s: number, out: number): void;
  pointwise4x8(a: number, m: number, k: number, w: number, n: number, out: number, act: number, residual: number, p0: number, p1: number): void;
  conv2d(
    x: number, h: number, w: number, cin: number, wp: number, cout: number, kh: number, kw: number,
    stride: number, top: number, left: number, out: number, oh: number, ow: number, act: number, y0: number, y1: number,
  ): void;
  depthwiseConv2d(
    x: number, h: number, w: number, c: number, wp: number, kh: number, kw: number,
    stride: number, top: number, left: number, out: number, oh: number, ow: number, act: number, y0: number, y1: number,
  ): void;
  expandDepthwise(
    x: number, h: number, w: number, cin: number, wExpand: number, c: number, wDepthwise: number, kh: number, kw: number,
    stride: number, top: number, left: number, out: number, oh: number, ow: number, actExpand: number, actDepthwise: number,
    y0: number, y1: number, buf: number, bufRows: number,
  ): void;
  exciteProject(
    x: number, hw: number, c: number, wSe: number, cse: number, wProject: number, n: number, out: number, act: number, residual: number,
    scratch: number, actReduce: number, actExpand: number, p0: number, p1: number,
  ): void;
  squeezeExcite(x: number, hw: number, c: number, w: number, cse: number, out: number, scratch: number, actReduce: number, actExpand: number, p0: number, p1: number): void;
  globalAvgPool(x: number, hw: number, c: number, out: number): void;
  dense(x: number, rows: number, k: number, w: number, n: number, out: number, act: number, j0: number, j1: number): void;
  softmax(x: number, rows: number, m: number, out: number): void;
}


// Probes: a module with one function () → v128 whose body a runtime without the feature cannot
// decode, so WebAssembly.validate says whether it has it (compiling nothing, so it works where code
// generation is forbidden). Header, type section [() → v128], function section [type 0], code section:
// SIMD_PROBE:    i32.const 0, i8x16.splat (0xfd 0x0f), i8x16.popcnt (0xfd 0x62), end.
// RELAXED_PROBE: three times i32.const 0, i8x16.splat, then f32x4.relaxed_madd (0xfd 0x105 as
//                LEB128: 0x85 0x02), end.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);
const RELAXED_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0,
  10, 19, 1, 17, 0, 65, 0, 253, 15, 65, 0, 253, 15, 65, 0, 253, 15, 253, 133, 2, 11,
]);

export function wasmSimdSupported(): boolean {
  return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
}

/**
 * Whether this runtime has WebAssembly relaxed SIMD (here: f32x4.relaxed_madd), which the faster
 * kernel build needs. Chrome 114+ and Node 22+ have it, as do Deno, Bun and workerd; Node 20 only with
 * `--experimental-wasm-relaxed-simd`.
 */
export function wasmRelaxedSimdSupported(): boolean {
  return wasmSimdSupported() && WebAssembly.validate(RELAXED_PROBE);
}

export function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const KERNEL_NAMES = ['heapBase', 'relaxedSimd', 'pointwise4x8', 'conv2d', 'depthwiseConv2d', 'expandDepthwise', 'exciteProject', 'squeezeExcite', 'dense', 'softmax'];

export const IMPORTS = {
  env: {
    abort: (_msg: number, _file: number, line: number, col: number) => {
      throw new Error(`wasm kernel aborted at ${line}:${col}`);
    },
  },
};

// One instance per build, made on first use: every wasm backend and compiled model on a build
// shares its one memory (src/backends/wasm/heap.ts hands it out).
const instances = new Map<KernelBuild, Promise<KernelExports>>();
let first: Promise<KernelExports> | undefined;

/**
 * The kernels for `options`. `kernels: 'auto'` (the default) takes the instance the process already
 * has, else the relaxed-SIMD build where the runtime has relaxed SIMD and the plain SIMD build
 * elsewhere; 'simd' or 'relaxed-simd' asks for that build. `wasmModule` (a precompiled
 * `effnet/effnet.wasm` or `effnet/effnet-relaxed.wasm`, as runtimes that forbid compiling bytes
 * require) is instantiated unless an instance that satisfies the request exists; else the embedded
 * bytes are compiled. A failed attempt is forgotten, so a later call may succeed.
 */
export function instantiateKernels(options: BackendOptions = {}): Promise<KernelExports> {
  const request = options.kernels ?? 'auto';
  if (request !== 'auto' && request !== 'simd' && request !== 'relaxed-simd') {
    return Promise.reject(new Error(`unknown kernels '${String(request)}' (expected auto, simd or relaxed-simd)`));
  }
  const existing = request === 'auto' ? first : instances.get(request);
  if (existing) return existing;
  const build = request === 'auto' ? (wasmRelaxedSimdSupported() ? 'relaxed-simd' : 'simd') : request;
  const pending = options.wasmModule !== undefined ? fromModule(options.wasmModule, request) : fromBytes(build);
  // A given module's build is known once it is instantiated; the embedded bytes' is known now.
  if (options.wasmModule === undefined || request !== 'auto') instances.set(build, pending);
  first ??= pending;
  pending.then(
    (k) => {
      if (!instances.has(kernelBuild(k))) instances.set(kernelBuild(k), pending);
    },
    () => {
      if (first === pending) first = undefined;
      if (instances.get(build) === pending) instances.delete(build);
    },
  );
  return pending;
}

async function fromModule(wasmModule: WebAssembly.Module, request: KernelRequest): Promise<KernelExports> {
  if (!(wasmModule instanceof WebAssembly.Module)) {
    throw new Error('wasmModule must be a WebAssembly.Module (compiled from effnet/effnet.wasm or effnet/effnet-relaxed.wasm)');
  }
  const names = new Set(WebAssembly.Module.exports(wasmModule).map((e) => e.name));
  const missing = KERNEL_NAMES.filter((name) => !names.has(name));
  if (missing.length > 0) throw new Error(`wasmModule is not effnet's kernels (it lacks ${missing.join(', ')}): compile effnet/effnet.wasm`);
  const made = await WebAssembly.instantiate(wasmModule, IMPORTS);
  const exports = made.exports as unknown as KernelExports;
  const build = kernelBuild(exports);
  if (request !== 'auto' && request !== build) {
    throw new Error(`kernels '${request}' was asked for, but wasmModule is the ${build} build: compile ${build === 'simd' ? 'effnet/effnet-relaxed.wasm' : 'effnet/effnet.wasm'} instead`);
  }
  return exports;
}

async function fromBytes(build: KernelBuild): Promise<KernelExports> {
  if (!wasmSimdSupported()) {
    throw new Error('this runtime lacks WebAssembly SIMD (128-bit), which the wasm backend needs; use the reference backend instead');
  }
  if (build === 'relaxed-simd' && !wasmRelaxedSimdSupported()) {
    throw new Error("kernels 'relaxed-simd' was asked for, but this runtime lacks WebAssembly relaxed SIMD (Node 20 needs --experimental-wasm-relaxed-simd); use kernels 'simd' or 'auto'");
  }
  try {
    const bytes = decodeBase64(build === 'relaxed-simd' ? WASM_RELAXED_BASE64 : WASM_BASE64);
    const made = await WebAssembly.instantiate(bytes as BufferSource, IMPORTS);
    return made.instance.exports as unknown as KernelExports;
  } catch (e) {
    // workerd: "Wasm code generation disallowed by embedder".
    if (/disallowed|not allowed|forbid/i.test((e as Error).message)) {
      throw new Error(
        "this runtime forbids compiling WebAssembly from bytes (as Cloudflare Workers do): import the kernels precompiled (import wasmModule from 'effnet/effnet.wasm', or 'effnet/effnet-relaxed.wasm') and pass { wasmModule }",
      );
    }
    throw e;
  }
}

/** Which build an instance is: each says so (assembly/math.ts). */
export function kernelBuild(exports: KernelExports): KernelBuild {
  return exports.relaxedSimd() ? 'relaxed-simd' : 'simd';
}
