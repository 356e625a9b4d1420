import type { Activation, Pads } from '../model/layers.js';
import type { Plan } from '../model/plan.js';
import type { Tensor } from '../tensor/tensor.js';
import type { WeightMap } from '../weights/weights.js';

export interface ConvOptions {
  /** One stride for both axes. */
  strides: number;
  /** [top, left, bottom, right] zero padding. */
  pads: Pads;
  activation?: Activation;
}

/**
 * The ops API, identical on every backend. Tensors are NHWC float32; conv kernels HWIO,
 * depthwise kernels [kh, kw, C, 1], dense kernels [in, out].
 */
export interface Ops {
  conv2d(x: Tensor, w: Tensor, bias: Tensor | null, opts: ConvOptions): Tensor;
  depthwiseConv2d(x: Tensor, w: Tensor, bias: Tensor | null, opts: ConvOptions): Tensor;
  batchNorm(x: Tensor, gamma: Tensor, beta: Tensor, mean: Tensor, variance: Tensor, epsilon: number): Tensor;
  /** Any activation of the table (model/activations.ts), elementwise; sigmoid, swish and relu name three. */
  activation(x: Tensor, activation: Activation): Tensor;
  sigmoid(x: Tensor): Tensor;
  swish(x: Tensor): Tensor;
  relu(x: Tensor): Tensor;
  add(a: Tensor, b: Tensor): Tensor;
  /** x [N, H, W, C] times s [N, 1, 1, C] (or [N, C]), broadcast over H and W. */
  mul(x: Tensor, s: Tensor): Tensor;
  /** [N, H, W, C] → [N, C] */
  globalAvgPool(x: Tensor): Tensor;
  /** x [N, K] · w [K, M] + bias [M] */
  dense(x: Tensor, w: Tensor, bias: Tensor | null): Tensor;
  /** Over the last axis. */
  softmax(x: Tensor): Tensor;
  /** x · sigmoid(expand(swish(reduce(mean_hw(x))))), with 1×1 kernels [1, 1, C, Cse] and [1, 1, Cse, C]. */
  squeezeExcite(x: Tensor, wReduce: Tensor, bReduce: Tensor, wExpand: Tensor, bExpand: Tensor): Tensor;
}

export interface RunOptions {
  /**
   * Called with each step's output (batch included), named after its Keras layer: every layer
   * on the reference backend, every fused kernel call (its last layer) on wasm, and the values
   * inside a step that Step.inner names.
   */
  dump?: (layer: string, output: Tensor) => void;
  /** Only these steps reach `dump` (and only theirs are copied out); all when absent. */
  dumpLayers?: readonly string[];
}

/** What one step of a run cost: a layer on the reference backend, a fused kernel call on wasm. */
export interface StepProfile {
  /** The Keras name of the step's (last) layer. */
  name: string;
  /** Fastest time over the repeats, in milliseconds. */
  ms: number;
  /** Multiply-adds of the layers the step covers. */
  macs: number;
}

/** What a backend runs as one unit: a kernel call covering one or more Keras layers. */
export interface Step {
  /** The Keras name of its last layer: what `dump` and `profile` call the step. */
  name: string;
  /** The Keras layers it computes, in order (one on the reference backend; fused groups on wasm). */
  layers: readonly string[];
  /**
   * Values inside the step that `dump` reports too, before the step's own: a composite op's parts
   * (wasm's expandDepthwise never holds its expand whole, so a dump computes it apart, bit for bit).
   */
  inner?: readonly string[];
}

/** A plan bound to its weights on one backend, ready to run. */
export interface CompiledModel {
  /** What a run executes, in order; `dump` and `profile` report per step. */
  readonly steps: readonly Step[];
  /** The run, synchronously: on the CPU backends; webgpu throws one line naming `predict`. */
  run(x: Tensor, options?: RunOptions): Tensor;
  /** The run, awaited: the one call that works on every backend. */
  predict(x: Tensor, options?: RunOptions): Promise<Tensor>;
  /** Times each step on the first image of x, keeping each step's fastest of `repeats` runs (CPU backends). */
  profile(x: Tensor, repeats?: number): StepProfile[];
  /** The same timings, awaited: on every backend (webgpu times its steps on the GPU where it can). */
  profileAsync(x: Tensor, repeats?: number): Promise<StepProfile[]>;
  /** Settles when the backend has checked the compile (webgpu does so asynchronously); absent where compile is checked at once. */
  readonly ready?: Promise<void>;
  dispose?(): void;
}

/** A CPU backend's compiled model given the awaited calls every compiled model has. */
export function withAwaitedCalls<M extends Omit<CompiledModel, 'predict' | 'profileAsync'>>(model: M): NoInfer<M> & CompiledModel {
  return Object.assign(model, {
    predict: async (x: Tensor, options?: RunOptions) => model.run(x, options),
    profileAsync: async (x: Tensor, repeats?: number) => model.profile(x, repeats),
  });
}

export type BackendName = 'reference' | 'wasm' | 'webgpu';

export interface BackendOptions {
  /**
   * The kernels precompiled (`effnet/effnet.wasm`, or `effnet/effnet-relaxed.wasm` where the
   * runtime has relaxed SIMD, as a `WebAssembly.Module`), for runtimes that forbid compiling Wasm
   * from bytes (Cloudflare Workers). Else the embedded bytes are compiled.
   */
  wasmModule?: WebAssembly.Module;
  /**
   * Which kernel build the wasm backend runs: 'relaxed-simd' (multiply-adds fused where the CPU
   * can), 'simd' (the plain build, which runs wherever WebAssembly SIMD does), or 'auto' (the
   * default): the build the process already runs, else relaxed-simd where `wasmRelaxedSimdSupported()`
   * and simd elsewhere. Asking for 'relaxed-simd' where the runtime lacks it throws. Backends on the
   * same build share one instance and memory.
   */
  kernels?: 'auto' | KernelBuild;
  /**
   * Threads the wasm backend's kernels run on (default 1): each large step is split across the
   * caller's thread and `threads − 1` workers sharing one memory, with results identical to one
   * thread. Needs SharedArrayBuffer and workers (Node, Deno, Bun, a cross-origin-isolated page);
   * elsewhere it runs on one thread and says so once. `run` stays synchronous: the caller's
   * thread takes a share and then waits for the workers (on a browser's main thread it spins,
   * as it may not block: run models in a Web Worker there).
   */
  threads?: number;
  /**
   * Where a browser, Deno or Bun starts the wasm backend's worker threads: the URL of the worker
   * script, `effnet/thread-worker.js` (dist/src/backends/wasm/threads/worker-web.js) as served,
   * or bundled on its own for a bundled page, whose bundle has no `./worker-web.js` beside it.
   * Default: that file beside the module that starts it, which holds where effnet is served
   * unbundled. The first backend to start workers for a thread count decides; Node ignores it.
   */
  threadWorker?: string | URL;
  /**
   * The `GPU` the webgpu backend runs on, where the runtime has no navigator.gpu: in Node, the npm
   * package webgpu's `create([])` (or effnet/node's `nodeGpu()`, which also falls back to SwiftShader).
   */
  gpu?: GPU;
}

/** The two builds of the wasm kernels (assembly/, asconfig.json's targets). */
export type KernelBuild = 'simd' | 'relaxed-simd';

export interface CompileOptions {
  /**
   * A model compiled from the same weights (for another input size): the new one shares its
   * prepared weights (on wasm, the packed weights), so only the arena and steps are new.
   */
  share?: CompiledModel;
}

export interface Backend extends Ops {
  readonly name: BackendName;
  /** The wasm backend's kernel build; absent on the reference backend. */
  readonly kernels?: KernelBuild;
  /** Threads the wasm backend's compiled models run on; absent on the reference backend. */
  readonly threads?: number;
  compile(plan: Plan, weights: WeightMap, options?: CompileOptions): CompiledModel;
}
