// A program: the steps of a pass made ready to encode. Each step's dispatches come from its kernel
// (the op table, kernels/table.ts); their parameters are written once into one uniform buffer (a
// 256-byte slot each, the largest minUniformBufferOffsetAlignment), and each dispatch gets its bind
// group (arena, weights, params) once. Encoding a run is then setPipeline, setBindGroup, dispatch.
import type { FusedOp } from '../fused/ops.js';
import { pipelineFor, USAGE, type GpuContext } from './device.js';
import type { Geometry, Operands } from './kernels/kernel.js';
import { gpuKernelFor } from './kernels/table.js';
import type { Block } from './resources.js';

const SLOT = 256;
/**
 * Bytes of parameters every dispatch binds, whatever its struct needs (at most 16 u32): wgpu (Deno)
 * keeps the previous pipeline's uniform sizes when the next one shares its layout, so a dispatch
 * binding only what its own smaller struct needs fails validation after a larger one in the pass.
 */
const PARAMS_BYTES = 64;

export interface StepSpec {
  op: FusedOp;
  geometry: Geometry;
  at: Operands;
  weights: Block;
}

export interface Encoded {
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  groups: readonly [number, number, number];
}

export interface Program {
  /** Each step's dispatches, in order. */
  readonly steps: readonly (readonly Encoded[])[];
  readonly dispatches: number;
  destroy(): void;
}

export function buildProgram(context: GpuContext, arena: GPUBuffer, specs: readonly StepSpec[]): Program {
  const { device } = context;
  const planned = specs.map((s) => gpuKernelFor(s.op.kind).dispatches(s.op, s.geometry, s.at, context.target));
  const count = planned.reduce((n, d) => n + d.length, 0);
  const uniforms = device.createBuffer({ size: Math.max(1, count) * SLOT, usage: USAGE.UNIFORM, mappedAtCreation: true });
  const words = new Uint32Array(uniforms.getMappedRange());
  let slot = 0;
  const steps = planned.map((dispatches, s) =>
    dispatches.map((d) => {
      if (d.params.length * 4 > PARAMS_BYTES) throw new Error(`internal error: ${specs[s]!.op.name}: ${d.params.length} kernel parameters, more than ${PARAMS_BYTES / 4}`);
      for (const v of d.params) {
        if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Error(`internal error: ${specs[s]!.op.name}: a kernel parameter ${v} is not a u32`);
      }
      words.set(d.params, (slot * SLOT) / 4);
      const params = { buffer: uniforms, offset: slot * SLOT, size: PARAMS_BYTES };
      slot++;
      const bindGroup = device.createBindGroup({
        layout: context.layout,
        entries: [
          { binding: 0, resource: { buffer: arena } },
          { binding: 1, resource: specs[s]!.weights ?? { buffer: context.empty } },
          { binding: 2, resource: params },
        ],
      });
      return { pipeline: pipelineFor(context, d.code), bindGroup, groups: d.groups };
    }),
  );
  uniforms.unmap();
  return { steps, dispatches: count, destroy: () => uniforms.destroy() };
}

/** Encodes steps [from, to) of a program into a compute pass. */
export function encodeSteps(pass: GPUComputePassEncoder, program: Program, from = 0, to = program.steps.length): void {
  for (let s = from; s < to; s++) {
    for (const d of program.steps[s]!) {
      pass.setPipeline(d.pipeline);
      pass.setBindGroup(0, d.bindGroup);
      pass.dispatchWorkgroups(...d.groups);
    }
  }
}

/** A view of `data` that Dawn accepts in writeBuffer (it refuses views of shared memory, such as a threaded Wasm heap). */
export function uploadable(data: Float32Array): Float32Array<ArrayBuffer> {
  return data.buffer instanceof ArrayBuffer ? (data as Float32Array<ArrayBuffer>) : new Float32Array(data);
}
