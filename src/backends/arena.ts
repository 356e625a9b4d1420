/** A buffer the arena must place: its size and the steps during which it holds a live value. */
export interface Interval {
  bytes: number;
  /** Step that writes it (−1: before the first step). */
  first: number;
  /** Last step that reads it. */
  last: number;
}

/**
 * Offsets for buffers so that two buffers alive at the same step never overlap: greedy by size
 * (largest first, each at the lowest offset clear of every placed buffer whose lifetime meets
 * its own), the TFLite arena planner's strategy. Returns the offsets and the arena's size.
 */
export function planArena(buffers: readonly Interval[], alignment = 64): { offsets: number[]; bytes: number } {
  const order = buffers.map((_, i) => i).sort((a, b) => buffers[b]!.bytes - buffers[a]!.bytes || a - b);
  const offsets = new Array<number>(buffers.length).fill(0);
  const placed: number[] = [];
  let total = 0;
  for (const i of order) {
    const b = buffers[i]!;
    const conflicts = placed
      .filter((j) => buffers[j]!.first <= b.last && b.first <= buffers[j]!.last)
      .map((j) => [offsets[j]!, offsets[j]! + buffers[j]!.bytes] as const)
      .sort((x, y) => x[0] - y[0]);
    let at = 0;
    for (const [start, end] of conflicts) {
      if (start - at >= b.bytes) break;
      at = Math.max(at, Math.ceil(end / alignment) * alignment);
    }
    offsets[i] = at;
    placed.push(i);
    total = Math.max(total, at + b.bytes);
  }
  return { offsets, bytes: total };
}
