// The packed weights of a model on the GPU: every step's block (its kernel's layout, kernels/*.ts),
// packed once and uploaded once into as few buffers as maxBufferSize allows, each block at an
// offset a binding may start at; shared by the compiled models of every input size.
import { definitionOf, type FusedOp } from '../fused/ops.js';
import { packingKey, weightSource } from '../fused/weights.js';
import type { Plan } from '../../model/plan.js';
import type { WeightMap } from '../../weights/weights.js';
import { USAGE, type GpuContext } from './device.js';
import { gpuKernelFor } from './kernels/table.js';

/** Bytes: WebGPU's largest minStorageBufferOffsetAlignment, so every block may start a binding. */
const ALIGN = 256;
/** A weights buffer holds at most this, so no one buffer needs a large share of a GPU's memory. */
const CHUNK_BYTES = 256 * 2 ** 20;
const aligned = (bytes: number) => Math.ceil(bytes / ALIGN) * ALIGN;

/** A step's weights: where they are, or none. */
export type Block = GPUBufferBinding | null;

export class GpuWeights {
  private readonly buffers: GPUBuffer[] = [];
  private readonly blocks = new Map<string, GPUBufferBinding>();
  private users = 0;
  bytes = 0;

  constructor(private readonly context: GpuContext, readonly map: WeightMap) {}

  /**
   * Each op's block (null for an op without weights), packing and uploading those not there yet:
   * the first plan uploads them all, a plan of another input size finds them.
   */
  acquire(plan: Plan, ops: readonly FusedOp[]): Block[] {
    const source = weightSource(plan, this.map);
    const fresh = new Map<string, Float32Array>();
    const keys = ops.map((op) => {
      const kernel = gpuKernelFor(op.kind);
      const weights = definitionOf(op.kind).weights;
      if (!kernel.pack || !weights) return '';
      const key = packingKey(op);
      if (!this.blocks.has(key) && !fresh.has(key)) fresh.set(key, kernel.pack(op, weights(op, source)));
      return key;
    });
    this.upload(fresh);
    this.users++;
    return keys.map((key) => this.blocks.get(key) ?? null);
  }

  /** One op's packed weights alone (WebGpuBackend.runFused): release() frees them. */
  one(data: Float32Array | null): Block {
    this.users++;
    if (!data) return null;
    this.upload(new Map([['one', data]]));
    return this.blocks.get('one')!;
  }

  release(): void {
    if (--this.users > 0) return;
    for (const b of this.buffers) b.destroy();
    this.buffers.length = 0;
    this.blocks.clear();
    this.bytes = 0;
  }

  /** Packs blocks into buffers of at most CHUNK_BYTES (or maxBufferSize), each block aligned. */
  private upload(packed: Map<string, Float32Array>): void {
    const { device, limits } = this.context;
    const chunk = Math.min(CHUNK_BYTES, limits.maxBufferSize);
    const limit = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
    let group: [string, Float32Array][] = [];
    let bytes = 0;
    const flush = () => {
      if (group.length === 0) return;
      const buffer = device.createBuffer({ size: Math.max(ALIGN, bytes), usage: USAGE.STORAGE | USAGE.COPY_DST, mappedAtCreation: true });
      const all = new Float32Array(buffer.getMappedRange());
      let at = 0;
      for (const [key, data] of group) {
        all.set(data, at / 4);
        this.blocks.set(key, { buffer, offset: at, size: Math.max(4, data.byteLength) });
        at += aligned(data.byteLength);
      }
      buffer.unmap();
      this.buffers.push(buffer);
      this.bytes += buffer.size;
      group = [];
      bytes = 0;
    };
    for (const [key, data] of packed) {
      if (data.byteLength > limit) {
        const layer = key.split(':')[1]?.split(',')[0] ?? key;
        throw new Error(`${layer}: its ${mib(data.byteLength)} of packed weights pass this GPU's maxStorageBufferBindingSize (${mib(limit)})`);
      }
      if (bytes + data.byteLength > chunk) flush();
      group.push([key, data]);
      bytes += aligned(data.byteLength);
    }
    flush();
  }
}

export const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(bytes < 2 ** 20 ? 2 : 0)} MiB`;
