import type { BackendOptions, KernelBuild } from '../backend.js';
import { instantiateKernels, kernelBuild, type KernelExports } from './module.js';

/** Every buffer is readable this many bytes past its end, so kernels may load a whole vector at a row's tail. */
export const SLACK = 64;
const ALIGN = 64;
const PAGE = 65536;

export function align(bytes: number, to = ALIGN): number {
  return Math.ceil(bytes / to) * to;
}

/**
 * Hands out blocks of the module's one linear memory above its static data, first fit,
 * growing the memory when no gap is large enough. Compiled models hold their weights and
 * arena for their lifetime; single ops borrow blocks for one call.
 */
export class Heap {
  private readonly blocks = new Map<number, number>(); // offset → bytes, slack included
  private readonly base: number;
  private view: Float32Array;

  readonly build: KernelBuild;

  constructor(readonly kernels: KernelExports) {
    this.build = kernelBuild(kernels);
    this.base = align(kernels.heapBase());
    this.view = new Float32Array(kernels.memory.buffer);
  }

  /** A 64-byte aligned block of at least `bytes` bytes (plus SLACK), never at offset 0. */
  alloc(bytes: number): number {
    const size = align(bytes + SLACK);
    let at = this.base;
    for (const [offset, used] of [...this.blocks].sort((a, b) => a[0] - b[0])) {
      if (offset - at >= size) break;
      at = Math.max(at, offset + used);
    }
    this.reserve(at + size);
    this.blocks.set(at, size);
    return at;
  }

  free(offset: number): void {
    this.blocks.delete(offset);
  }

  /** Bytes of linear memory in use by blocks, and the memory's size. */
  get usage(): { blocks: number; bytes: number; memoryBytes: number } {
    let bytes = 0;
    for (const size of this.blocks.values()) bytes += size;
    return { blocks: this.blocks.size, bytes, memoryBytes: this.kernels.memory.buffer.byteLength };
  }

  private reserve(end: number): void {
    const have = this.kernels.memory.buffer.byteLength;
    if (end <= have) return;
    try {
      this.kernels.memory.grow(Math.ceil((end - have) / PAGE));
    } catch {
      // Memory.grow's own message names no input and no size.
      throw new Error(`the wasm backend needs ${Math.ceil(end / 2 ** 20)} MiB of linear memory, more than it could grow to: use a smaller batch or input size`);
    }
  }

  /** The memory as floats; re-created after the memory grows (growing detaches old views). */
  f32(): Float32Array {
    if (this.view.buffer !== this.kernels.memory.buffer) this.view = new Float32Array(this.kernels.memory.buffer);
    return this.view;
  }

  write(offset: number, data: ArrayLike<number>): void {
    this.f32().set(data, offset >> 2);
  }

  read(offset: number, count: number): Float32Array {
    return this.f32().slice(offset >> 2, (offset >> 2) + count);
  }

  /** Copies `data` into a new block and returns its offset. */
  put(data: ArrayLike<number>): number {
    const at = this.alloc(data.length * 4);
    this.write(at, data);
    return at;
  }
}

const heaps = new Map<KernelBuild, Heap>();

/** The heap over the process's kernel instance of a build (BackendOptions), shared by every wasm backend on it. */
export async function sharedHeap(options: BackendOptions = {}): Promise<Heap> {
  const kernels = await instantiateKernels(options);
  const build = kernelBuild(kernels);
  let heap = heaps.get(build);
  if (!heap) heaps.set(build, (heap = new Heap(kernels)));
  return heap;
}
