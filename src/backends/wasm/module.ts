import { WASM_BASE64 } from './module.generated.js';

/** The raw exports of assembly/: kernels take byte offsets into `memory`. */
export interface KernelExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  add(a: number, b: number, out: number, n: number): void;
  swish(x: number, out: number, n: number): void;
}

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

let compiled: Promise<WebAssembly.Module> | undefined;

/** Instantiates the embedded module (compiled once per process, instantiated per call). */
export async function instantiateKernels(): Promise<KernelExports> {
  if (!wasmSimdSupported()) {
    throw new Error('this runtime lacks WebAssembly SIMD (128-bit); use the reference backend instead');
  }
  compiled ??= WebAssembly.compile(decodeBase64(WASM_BASE64) as BufferSource);
  const instance = await WebAssembly.instantiate(await compiled, {
    env: {
      abort: (_msg: number, _file: number, line: number, col: number) => {
        throw new Error(`wasm kernel aborted at ${line}:${col}`);
      },
    },
  });
  return instance.exports as unknown as KernelExports;
}
