// Packed weights, made once per model: every compiled plan of the same weights (one per input
// size) shares them, and the last of those plans to be disposed frees them.
import { getWeight, type WeightMap } from '../../weights/weights.js';
import type { BatchNormLayer } from '../../model/layers.js';
import type { Plan } from '../../model/plan.js';
import type { FusedOp } from './fuse.js';
import type { Heap } from './heap.js';
import { kernelFor } from './kernels/table.js';
import type { BatchNormParams } from './pack.js';

export class PackedWeights {
  private readonly blocks = new Map<string, number>();
  private users = 0;
  bytes = 0;

  constructor(private readonly heap: Heap, readonly weights: WeightMap) {}

  /** Each op's packed weights (0 for an op without), packing those not packed yet. */
  acquire(plan: Plan, ops: readonly FusedOp[]): number[] {
    const layers = new Map(plan.layers.map((l) => [l.name, l]));
    const get = (layer: string, role: string) => getWeight(this.weights, `${layer}/${role}`).data;
    const batchNorm = (layer: string): BatchNormParams => {
      const bn = layers.get(layer) as BatchNormLayer;
      return { gamma: get(layer, 'gamma'), beta: get(layer, 'beta'), mean: get(layer, 'moving_mean'), variance: get(layer, 'moving_variance'), epsilon: bn.epsilon };
    };
    const offsets = ops.map((op) => {
      const kernel = kernelFor(op.kind);
      if (!kernel.pack || !kernel.gather) return 0;
      // what the packed bytes depend on: the op's kind, weights and channels; not the input
      // size, nor the pads and stride it brings
      const key = JSON.stringify({ ...op, layers: undefined, inputs: undefined, pads: undefined, stride: undefined });
      let at = this.blocks.get(key);
      if (at === undefined) {
        const packed = kernel.pack(op as never, kernel.gather(op as never, get, batchNorm));
        at = this.heap.put(packed);
        this.bytes += packed.length * 4;
        this.blocks.set(key, at);
      }
      return at;
    });
    this.users++;
    return offsets;
  }

  release(): void {
    if (--this.users > 0) return;
    for (const at of this.blocks.values()) this.heap.free(at);
    this.blocks.clear();
    this.bytes = 0;
  }
}
