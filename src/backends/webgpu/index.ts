import { definitionOf, type FusedOp, type OpWeights } from '../fused/ops.js';
import type { Plan } from '../../model/plan.js';
import { Tensor, sizeOf } from '../../tensor/tensor.js';
import type { WeightMap } from '../../weights/weights.js';
import { compileWebGpu, type WebGpuCompileOptions, type WebGpuCompiledModel } from './compile.js';
import { acquireDevice, guarded, MAP_READ, markLost, settled, USAGE, type DeviceOptions, type GpuContext, type GpuLimits } from './device.js';
import { gpuKernelFor } from './kernels/table.js';
import { buildProgram, encodeSteps, uploadable } from './program.js';
import { GpuWeights } from './resources.js';

export type { WebGpuCompileOptions, WebGpuCompiledModel } from './compile.js';
export type { GpuLimits } from './device.js';

export interface WebGpuOptions {
  /** The `GPU` to use where the runtime has no navigator.gpu (Node: the npm package webgpu's `create([])`). */
  gpu?: GPU;
  /** Which adapter to ask for where there are several (default 'high-performance'). */
  powerPreference?: GPUPowerPreference;
  /**
   * The pointwise GEMM: 'tiled' (workgroup memory, for GPUs), 'direct' (none, for GPUs emulated on
   * a CPU), or 'auto' (the default): direct on a software adapter (SwiftShader, llvmpipe), else tiled.
   */
  gemm?: DeviceOptions['gemm'];
}

/** The GPU backend: compiles plans (no synchronous ops API: a GPU answers asynchronously). */
export interface WebGpuBackend {
  readonly name: 'webgpu';
  /** The adapter it runs on, as the runtime names it. */
  readonly adapter: string;
  readonly limits: GpuLimits;
  /** The device every model of this backend runs on. */
  readonly device: GPUDevice;
  /** The pointwise GEMM its kernels use (WebGpuOptions.gemm). */
  readonly gemm: 'tiled' | 'direct';
  /** A model ready to predict; what the GPU refuses while compiling (memory, a shader) rejects its first call, and `ready`. */
  compile(plan: Plan, weights: WeightMap, options?: WebGpuCompileOptions): WebGpuCompiledModel;
  /** compile, resolved once the weights are on the GPU and every shader compiled. */
  compileAsync(plan: Plan, weights: WeightMap, options?: WebGpuCompileOptions): Promise<WebGpuCompiledModel>;
  /** One fused op (fused/ops.ts) on the GPU, its weights as the checkpoint stores them: what the per-op parity tests run. */
  runFused(op: FusedOp, inputs: readonly Tensor[], weights: OpWeights | null): Promise<Tensor>;
  /** Releases the device; every model compiled on it fails from then on, saying so. */
  destroy(): void;
}

/** A webgpu backend on `options.gpu`, else the runtime's navigator.gpu; one line where there is neither. */
export async function createWebGpuBackend(options: WebGpuOptions = {}): Promise<WebGpuBackend> {
  const context = await acquireDevice(options.gpu, options);
  const compile = (plan: Plan, weights: WeightMap, compileOptions?: WebGpuCompileOptions) => compileWebGpu(context, plan, weights, compileOptions);
  return {
    name: 'webgpu',
    adapter: context.adapter,
    limits: context.limits,
    device: context.device,
    gemm: context.target.gemm,
    compile,
    async compileAsync(plan, weights, compileOptions) {
      const model = compile(plan, weights, compileOptions);
      await model.ready;
      return model;
    },
    runFused: (op, inputs, weights) => runFused(context, op, inputs, weights),
    destroy() {
      markLost(context, 'destroyed');
      context.device.destroy();
    },
  };
}

const ALIGN = 64;
const aligned = (floats: number) => Math.ceil(floats / ALIGN) * ALIGN;

/** One op through the same kernel and program as a compiled step: x, y, out and scratch in an arena of their own. */
async function runFused(context: GpuContext, op: FusedOp, inputs: readonly Tensor[], weights: OpWeights | null): Promise<Tensor> {
  const { device } = context;
  const [x, y] = inputs as [Tensor, Tensor | undefined];
  const images = x.shape[0]!;
  const input = x.shape.slice(1);
  const geometry = { images, input, output: definitionOf(op.kind).outputShape(op, input) };
  const kernel = gpuKernelFor(op.kind);
  const outFloats = images * sizeOf(geometry.output);
  const at = { x: 0, y: aligned(x.size), out: aligned(x.size) + aligned(y?.size ?? 0), scratch: 0 };
  at.scratch = at.out + aligned(outFloats);
  const floats = at.scratch + (kernel.scratchFloats?.(op, geometry) ?? 0);
  const packed = new GpuWeights(context, new Map());
  const resources: { destroy(): void }[] = [];
  try {
    const { read, mapped } = await guarded(context, `${op.kind} on the GPU`, () => {
      const block = packed.one(kernel.pack && weights ? kernel.pack(op, weights) : null);
      const arena = device.createBuffer({ size: Math.max(256, floats * 4), usage: USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST });
      const read = device.createBuffer({ size: Math.max(256, outFloats * 4), usage: USAGE.MAP_READ | USAGE.COPY_DST });
      resources.push(arena, read);
      device.queue.writeBuffer(arena, at.x * 4, uploadable(x.data));
      if (y) device.queue.writeBuffer(arena, at.y * 4, uploadable(y.data));
      const program = buildProgram(context, arena, [{ op, geometry, at, weights: block }]);
      resources.push(program);
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      encodeSteps(pass, program);
      pass.end();
      encoder.copyBufferToBuffer(arena, at.out * 4, read, 0, outFloats * 4);
      device.queue.submit([encoder.finish()]);
      const mapped = read.mapAsync(MAP_READ);
      mapped.catch(() => {});
      return { read, mapped };
    });
    await settled(context, mapped);
    const data = new Float32Array(read.getMappedRange().slice(0, outFloats * 4));
    read.unmap();
    return new Tensor([images, ...geometry.output], data);
  } finally {
    for (const r of resources) r.destroy();
    packed.release();
  }
}
