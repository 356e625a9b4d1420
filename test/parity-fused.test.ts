import { afterAll, describe, expect, it } from 'vitest';
import { createBackend } from '../src/backends/index.js';
import { FUSED_OPS, referenceOf, type FusedOp, type OpOf, type OpWeights } from '../src/backends/fused/ops.js';
import { sharedHeap } from '../src/backends/wasm/heap.js';
import { runFusedOp } from '../src/backends/wasm/ops.js';
import { createWebGpuBackend } from '../src/backends/webgpu/index.js';
import { GPU_KINDS } from '../src/backends/webgpu/kernels/table.js';
import { nodeGpu } from '../src/node/webgpu.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { cases } from './fused-cases.js';
import { compareLayer } from './golden-compare.js';

// Every kind of fused op (src/backends/fused/ops.ts), on every compiled backend, against its
// reference composition: the same layers one by one on the reference backend, with the batch norm
// unfolded. Shapes stress the kernels' edges: odd sizes, channels not a multiple of 4, stride 2 with
// TF 'same' pads on odd and even sizes, symmetric pads, non-square kernels, batches of 1 and 3.
// A compiled backend adds its runner to RUNNERS (webgpu on Dawn's SwiftShader here: ~1e-7 apart).

const TOLERANCE = 1e-5;

const heap = await sharedHeap();
// WebGPU in Node: Dawn's binding, on SwiftShader where there is no GPU (src/node/webgpu.ts). Its
// pointwise GEMM has two kernels (tiled in workgroup memory for GPUs, direct for software
// adapters, picked by the adapter): both are held to the reference.
const gpu = await createWebGpuBackend({ gpu: await nodeGpu() });
const otherGemm = await createWebGpuBackend({ gpu: await nodeGpu(), gemm: gpu.gemm === 'tiled' ? 'direct' : 'tiled' });
type Runner = { run: (op: FusedOp, inputs: Tensor[], w: OpWeights) => Promise<Tensor>; kinds?: readonly string[] };
const RUNNERS: Record<string, Runner> = {
  wasm: { run: async (op, inputs, w) => runFusedOp(heap, op, inputs, w) },
  [`webgpu (${gpu.gemm} GEMM)`]: { run: (op, inputs, w) => gpu.runFused(op, inputs, w), kinds: GPU_KINDS },
  [`webgpu (${otherGemm.gemm} GEMM)`]: { run: (op, inputs, w) => otherGemm.runFused(op, inputs, w), kinds: ['pointwise'] },
};
const worst = new Map<string, { relative: number; label: string }>();

describe('every fused op × compiled backend × edge shape equals its layers run one by one on the reference, within 1e-5 relative', async () => {
  const reference = await createBackend('reference');
  it('the strips of expandDepthwise give bit for bit its two parts run one after the other (wasm)', () => {
    for (const c of cases.filter((c) => c.op.kind === 'expandDepthwise')) {
      const op = c.op as OpOf<'expandDepthwise'>;
      const expanded = runFusedOp(heap, op.expand, c.inputs, c.w.parts![0]!);
      const want = runFusedOp(heap, op.depthwise, [expanded], c.w.parts![1]!);
      expect(Array.from(runFusedOp(heap, op, c.inputs, c.w).data), c.label).toEqual(Array.from(want.data));
    }
  });
  it('exciteProject gives bit for bit its squeeze-excitation then its project run one after the other (wasm)', () => {
    for (const c of cases.filter((c) => c.op.kind === 'exciteProject')) {
      const op = c.op as OpOf<'exciteProject'>;
      const excited = runFusedOp(heap, op.squeezeExcite, [c.inputs[0]!], c.w.parts![0]!);
      const want = runFusedOp(heap, op.project, [excited, ...c.inputs.slice(1)], c.w.parts![1]!);
      expect(Array.from(runFusedOp(heap, op, c.inputs, c.w).data), c.label).toEqual(Array.from(want.data));
    }
  });
  it('covers every kind of fused op', () => {
    expect(Object.keys(FUSED_OPS).filter((kind) => !cases.some((c) => c.op.kind === kind))).toEqual([]);
  });
  afterAll(() => {
    console.log(`worst max |ours − reference| / max |reference| per backend and kind (webgpu on ${gpu.adapter}):\n${[...worst].map(([k, w]) => `  ${k.padEnd(40)} ${w.relative.toExponential(2)}  ${w.label}`).join('\n')}`);
    gpu.destroy();
    otherGemm.destroy();
  });
  for (const [backend, { run, kinds }] of Object.entries(RUNNERS)) {
    const mine = cases.filter((c) => !kinds || kinds.includes(c.op.kind));
    it.each(mine.map((c) => [c.op.kind, c.label, c] as const))(`${backend}: %s %s`, async (kind, label, c) => {
      const want = referenceOf(reference, c.op, c.inputs, c.w);
      const got = await run(c.op, c.inputs, c.w);
      expect(got.shape).toEqual(want.shape);
      const cmp = compareLayer(kind, want, got, TOLERANCE);
      const key = `${backend} ${kind}`;
      if (!(cmp.relative <= (worst.get(key)?.relative ?? -1))) worst.set(key, { relative: cmp.relative, label });
      expect(cmp.ok, cmp.message).toBe(true);
    });
  }
});
