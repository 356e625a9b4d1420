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
    stride: number, top: number, left: number, out: number, oh: number, ow: number, act: number,
  ): void;
  depthwiseConv2d(
    x: number, h: number, w: number, c: number, wp: number, kh: number, kw: number,
    stride: number, top: number, left: number, out: number, oh: number, ow: number, act: number,
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

let instance: Promise<KernelExports> | undefined;

/**
 * The embedded module, compiled and instantiated once per process: every wasm backend and
 * compiled model shares its one memory (src/backends/wasm/heap.ts hands it out).
 */
export function instantiateKernels(): Promise<KernelExports> {
  if (!wasmSimdSupported()) {
    return Promise.reject(new Error('this runtime lacks WebAssembly SIMD (128-bit), which the wasm backend needs; use the reference backend instead'));
  }
  instance ??= WebAssembly.instantiate(decodeBase64(WASM_BASE64) as BufferSource, {
    env: {
      abort: (_msg: number, _file: number, line: number, col: number) => {
        throw new Error(`wasm kernel aborted at ${line}:${col}`);
      },
    },
  }).then((source) => source.instance.exports as unknown as KernelExports);
  return instance;
}
