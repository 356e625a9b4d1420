// Packed weights, made once per model: every compiled plan of the same weights (one per input
// size) shares them, and the last of those plans to be disposed frees them.
import type { Plan } from '../../model/plan.js';
import type { WeightMap } from '../../weights/weights.js';
import { definitionOf, type FusedOp } from '../fused/ops.js';
import { packingKey, weightSource } from '../fused/weights.js';
import type { Heap } from './heap.js';
import { kernelFor } from './kernels/table.js';

export class PackedWeights {
  private readonly blocks = new Map<string, number>();
  private users = 0;
  bytes = 0;

  constructor(private readonly heap: Heap, readonly weights: WeightMap) {}

  /** Each op's packed weights (0 for an op without), packing those not packed yet. */
  acquire(plan: Plan, ops: readonly FusedOp[]): number[] {
    const source = weightSource(plan, this.weights);
    const offsets = ops.map((op) => {
      const kernel = kernelFor(op.kind);
      const weights = definitionOf(op.kind).weights;
      if (!kernel.pack || !weights) return 0;
      const key = packingKey(op);
      let at = this.blocks.get(key);
      if (at === undefined) {
        const packed = kernel.pack(op, weights(op, source));
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
