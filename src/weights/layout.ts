// PyTorch stores conv kernels OIHW [out, in, kh, kw], depthwise kernels [C, 1, kh, kw] and linear
// weights [out, in]; effnet (like TF) uses HWIO [kh, kw, in, out], [kh, kw, C, 1] and [in, out].

/** How a checkpoint tensor is laid out relative to the Keras weight it becomes. */
export type Layout = 'tf' | 'oihw' | 'depthwise' | 'linear';

/** The shape a tensor must have in `layout` to become a Keras weight of shape `target`. */
export function sourceShape(layout: Layout, target: readonly number[]): number[] {
  switch (layout) {
    case 'tf':
      return [...target];
    case 'oihw': {
      const [kh, kw, i, o] = target as [number, number, number, number];
      return [o, i, kh, kw];
    }
    case 'depthwise': {
      const [kh, kw, c] = target as [number, number, number, number];
      return [c, 1, kh, kw];
    }
    case 'linear': {
      const [i, o] = target as [number, number];
      return [o, i];
    }
  }
}

/** `data` (row-major in `layout`) rearranged into the Keras weight's TF layout `target`. */
export function toTfLayout(layout: Layout, target: readonly number[], data: Float32Array): Float32Array {
  if (layout === 'tf') return data;
  const out = new Float32Array(data.length);
  if (layout === 'linear') {
    const [i, o] = target as [number, number];
    for (let r = 0; r < o; r++) for (let c = 0; c < i; c++) out[c * o + r] = data[r * i + c]!;
    return out;
  }
  // depthwise [C, 1, kh, kw] is OIHW with O = C, I = 1, and lands in [kh, kw, C, 1] = HWOI;
  // with I = 1 that is the same element order as HWIO with I and O swapped.
  const [kh, kw, a, b] = target as [number, number, number, number];
  const [outs, ins] = layout === 'oihw' ? [b, a] : [a, 1];
  for (let o = 0; o < outs; o++) {
    for (let i = 0; i < ins; i++) {
      for (let y = 0; y < kh; y++) {
        for (let x = 0; x < kw; x++) {
          const src = ((o * ins + i) * kh + y) * kw + x;
          const dst = layout === 'oihw' ? ((y * kw + x) * ins + i) * outs + o : (y * kw + x) * outs + o;
          out[dst] = data[src]!;
        }
      }
    }
  }
  return out;
}
