// The GPU device a webgpu backend runs on: found from an injected `GPU` (Node: Dawn's binding,
// src/node/webgpu.ts) or the runtime's navigator.gpu, with the adapter's own limits asked for (the
// defaults would cap a binding at 128 MiB even where the adapter allows more), and watched: once it
// is lost, every call fails with the line that says so. Beside it, what every compile on the device
// shares: the one bind-group layout of every shader (kernels/kernel.ts) and the pipelines by text.
import type { KernelTarget } from './kernels/kernel.js';

/** The limits a compile reads; each is the adapter's own. */
export interface GpuLimits {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
  maxComputeWorkgroupStorageSize: number;
  maxComputeInvocationsPerWorkgroup: number;
}

export interface GpuContext {
  readonly device: GPUDevice;
  readonly limits: GpuLimits;
  /** The adapter, as the runtime describes it ("SwiftShader driver 5.0.0 google", "llvmpipe (LLVM 15…)"). */
  readonly adapter: string;
  /** Whether the device has 'timestamp-query' (profiles come from GPU timestamps). */
  readonly timestamps: boolean;
  /** Which kernels suit it (kernels/kernel.ts KernelTarget). */
  readonly target: KernelTarget;
  /** arena (read_write storage), weights (read-only storage), params (uniform): every shader's bindings. */
  readonly layout: GPUBindGroupLayout;
  readonly pipelineLayout: GPUPipelineLayout;
  /** Bound as the weights of a step that has none: a binding must still be there. */
  readonly empty: GPUBuffer;
  readonly pipelines: Map<string, GPUComputePipeline>;
  /** Why the device cannot be used any more ('' while it can). */
  lost: string;
}

/**
 * WebGPU's flag values (fixed by the specification), so the core needs no GPUBufferUsage,
 * GPUMapMode or GPUShaderStage global: an injected `GPU` works where the runtime defines none.
 */
export const USAGE = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, UNIFORM: 0x40, STORAGE: 0x80, QUERY_RESOLVE: 0x200 } as const;
export const MAP_READ = 0x1;
const COMPUTE = 0x4;

let provider: (() => Promise<GPU>) | undefined;

/**
 * Where a GPU comes from when neither the `gpu` option nor navigator.gpu gives one: effnet's Node
 * entry registers Dawn's binding here (src/node/webgpu.ts), as it registers worker_threads.
 */
export function setGpuProvider(get: (() => Promise<GPU>) | undefined): void {
  provider = get;
}

/** Backends that run where WebGPU does not: named in the line that says there is none. */
const ELSEWHERE = "use backend 'wasm' (or 'reference'), which run everywhere";

/** What the kernels need of a workgroup (kernels/*.ts): 256 invocations, 16 KiB of workgroup memory. */
const NEEDS = { maxComputeInvocationsPerWorkgroup: 256, maxComputeWorkgroupStorageSize: 16384 };

/**
 * Whether an adapter is a GPU emulated on the CPU (SwiftShader, Mesa's llvmpipe/lavapipe, WARP): the
 * fallback adapter of a browser on a machine without a GPU, and of this project's tests.
 */
export function isSoftwareAdapter(adapter: GPUAdapter): boolean {
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const legacy = (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter;
  if (info?.isFallbackAdapter || legacy) return true;
  return /swiftshader|llvmpipe|lavapipe|softpipe|microsoft basic render|warp/i.test(`${info?.description} ${info?.device} ${info?.architecture} ${info?.vendor}`);
}

export interface DeviceOptions {
  powerPreference?: GPUPowerPreference;
  /** The GEMM the pointwise kernels use: 'auto' (default) is 'direct' on a software adapter, else 'tiled'. */
  gemm?: 'auto' | KernelTarget['gemm'];
}

export async function acquireDevice(gpu: GPU | undefined, options: DeviceOptions = {}): Promise<GpuContext> {
  const { powerPreference = 'high-performance', gemm = 'auto' } = options;
  const found = gpu ?? (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu ?? (await provider?.());
  if (!found) throw new Error(`this runtime has no WebGPU (no navigator.gpu, and no gpu option given): ${ELSEWHERE}`);
  const adapter = await found.requestAdapter({ powerPreference });
  if (!adapter) throw new Error(`WebGPU found no GPU adapter here: ${ELSEWHERE}`);
  const a = adapter.limits;
  const limits: GpuLimits = {
    maxStorageBufferBindingSize: a.maxStorageBufferBindingSize,
    maxBufferSize: a.maxBufferSize,
    maxComputeWorkgroupStorageSize: a.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: a.maxComputeInvocationsPerWorkgroup,
  };
  for (const [limit, needed] of Object.entries(NEEDS) as [keyof typeof NEEDS, number][]) {
    if (limits[limit] < needed) throw new Error(`this GPU's ${limit} is ${limits[limit]}; the webgpu backend needs ${needed}: ${ELSEWHERE}`);
  }
  const timestamps = adapter.features.has('timestamp-query');
  const device = await adapter.requestDevice({ requiredLimits: { ...limits }, requiredFeatures: timestamps ? ['timestamp-query'] : [] });
  const info = adapter.info;
  const layout = device.createBindGroupLayout({
    entries: [
      { binding: 0, visibility: COMPUTE, buffer: { type: 'storage' } },
      { binding: 1, visibility: COMPUTE, buffer: { type: 'read-only-storage' } },
      { binding: 2, visibility: COMPUTE, buffer: { type: 'uniform' } },
    ],
  });
  const context: GpuContext = {
    device,
    limits,
    adapter: [info?.description || info?.device, info?.vendor].filter(Boolean).join(' ') || 'unknown adapter',
    timestamps,
    target: { gemm: gemm === 'auto' ? (isSoftwareAdapter(adapter) ? 'direct' : 'tiled') : gemm },
    layout,
    pipelineLayout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
    empty: device.createBuffer({ size: 256, usage: USAGE.STORAGE }),
    pipelines: new Map(),
    lost: '',
  };
  void device.lost.then((why) => markLost(context, why.reason === 'destroyed' ? 'destroyed' : why.message || String(why.reason)));
  return context;
}

export function markLost(context: GpuContext, why: string): void {
  context.lost ||= `the GPU device was lost (${why.split('\n')[0]}): create the model again`;
}

/** Throws the line that says the device is gone, if it is. */
export function alive(context: GpuContext): void {
  if (context.lost) throw new Error(context.lost);
}

/** The pipeline of a shader, made once per device and text. */
export function pipelineFor(context: GpuContext, code: string): GPUComputePipeline {
  let pipeline = context.pipelines.get(code);
  if (!pipeline) {
    const module = context.device.createShaderModule({ code });
    pipeline = context.device.createComputePipeline({ layout: context.pipelineLayout, compute: { module, entryPoint: 'main' } });
    context.pipelines.set(code, pipeline);
  }
  return pipeline;
}

/**
 * Runs `work`, the synchronous GPU calls of one call (creating, writing, encoding, submitting),
 * inside validation and out-of-memory error scopes, and resolves with its result once the device
 * says none failed; else throws one line. The scopes hold exactly these calls, so calls of other
 * models in flight at the same time never land in them. A shader the GPU refuses is thrown here.
 */
export async function guarded<T>(context: GpuContext, what: string, work: () => T): Promise<T> {
  alive(context);
  const { device } = context;
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  let result: T | undefined;
  let failure: unknown;
  try {
    result = work();
  } catch (e) {
    failure = e;
  }
  const popped = Promise.all([device.popErrorScope(), device.popErrorScope()]);
  const [validation, memory] = await popped.catch(() => [null, null] as const);
  if (context.lost) throw new Error(context.lost);
  if (failure !== undefined) throw failure;
  if (memory) throw new Error(`${what}: the GPU ran out of memory (${memory.message.split('\n')[0]})`);
  if (validation) throw new Error(`${what}: WebGPU refused it (${validation.message.split('\n')[0]})`);
  return result as T;
}

/**
 * Awaits GPU work in flight (a mapAsync); if it fails because the device was lost, throws the
 * line that says so (a lost device rejects what was in flight before `device.lost` resolves: it is
 * given a moment to say why).
 */
export async function settled<T>(context: GpuContext, work: Promise<T>): Promise<T> {
  try {
    const result = await work;
    alive(context);
    return result;
  } catch (e) {
    await Promise.race([context.device.lost, new Promise((resolve) => setTimeout(resolve, 1000))]);
    alive(context);
    throw e;
  }
}
