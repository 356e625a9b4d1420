// The layouts the wasm kernels read their weights in (batch norm already folded: fused/weights.ts).
// Packing happens once per model (packed-weights.ts), or per call for single ops; each layout below is
// the contract with its assembly/ kernel.

const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;

/**
 * Pointwise (assembly/gemm.ts), kernel [K, N] (a [1, 1, K, N] HWIO kernel):
 *   for each panel p of 8 output channels: w[k][8·p … 8·p + 7] for k = 0…K−1, then
 *   bias[0 … 8·⌈N/8⌉ − 1]; zeros wherever the channel is ≥ N.
 */
export function packPointwise(kernel: Float32Array, bias: Float32Array | null, k: number, n: number): Float32Array {
  const panels = Math.ceil(n / 8);
  const out = new Float32Array(pointwiseFloats(k, n));
  for (let p = 0; p < panels; p++)
    for (let i = 0; i < k; i++)
      for (let j = 0; j < 8 && p * 8 + j < n; j++) out[(p * k + i) * 8 + j] = kernel[i * n + p * 8 + j]!;
  if (bias) out.set(bias.subarray(0, n), panels * k * 8);
  return out;
}

/** Floats of packPointwise's layout for [k, n]: what a composite op's next part is packed after. */
export function pointwiseFloats(k: number, n: number): number {
  return roundUp(n, 8) * (k + 1);
}

/**
 * Direct k×k conv (assembly/conv.ts), kernel HWIO [kh, kw, cin, cout]:
 *   for each panel p of 8 output channels: w[i][j][c][8·p … 8·p + 7] for i, j, c in row-major
 *   order, then bias[0 … 8·⌈cout/8⌉ − 1]; zeros wherever the channel is ≥ cout.
 */
export function packConv(kernel: Float32Array, bias: Float32Array | null, kh: number, kw: number, cin: number, cout: number): Float32Array {
  const panels = Math.ceil(cout / 8);
  const taps = kh * kw * cin;
  const out = new Float32Array(panels * taps * 8 + panels * 8);
  for (let p = 0; p < panels; p++)
    for (let t = 0; t < taps; t++)
      for (let j = 0; j < 8 && p * 8 + j < cout; j++) out[(p * taps + t) * 8 + j] = kernel[t * cout + p * 8 + j]!;
  if (bias) out.set(bias.subarray(0, cout), panels * taps * 8);
  return out;
}

/**
 * Depthwise (assembly/depthwise.ts), kernel [kh, kw, C, 1]:
 *   for each group g of 4 channels: w[i][j][4·g … 4·g + 3] for each tap (i, j) in row-major
 *   order, then bias[0 … 4·⌈C/4⌉ − 1]; zeros wherever the channel is ≥ C. Four channels are one
 *   f32x4, so a kernel row's taps for one group are kw consecutive vectors.
 */
export function packDepthwise(kernel: Float32Array, bias: Float32Array | null, kh: number, kw: number, c: number): Float32Array {
  const groups = Math.ceil(c / 4);
  const taps = kh * kw;
  const out = new Float32Array(groups * taps * 4 + groups * 4);
  for (let g = 0; g < groups; g++)
    for (let q = 0; q < taps; q++)
      for (let j = 0; j < 4 && g * 4 + j < c; j++) out[(g * taps + q) * 4 + j] = kernel[q * c + g * 4 + j]!;
  if (bias) out.set(bias.subarray(0, c), groups * taps * 4);
  return out;
}

/**
 * Dense (assembly/dense.ts), kernel [K, N]: rows w[k][0 … N4 − 1] with N4 = 4·⌈N/4⌉, then
 * bias[0 … N4 − 1]; zeros wherever the column is ≥ N.
 */
export function packDense(kernel: Float32Array, bias: Float32Array | null, k: number, n: number): Float32Array {
  const n4 = roundUp(n, 4);
  const out = new Float32Array(k * n4 + n4);
  for (let i = 0; i < k; i++) out.set(kernel.subarray(i * n, i * n + n), i * n4);
  if (bias) out.set(bias.subarray(0, n), k * n4);
  return out;
}

/**
 * Squeeze-excitation (assembly/se.ts): the reduce kernel [C, Cse] packed as packDense, then
 * the expand kernel [Cse, C] packed as packDense, back to back.
 */
export function packSqueezeExcite(
  wReduce: Float32Array, bReduce: Float32Array, wExpand: Float32Array, bExpand: Float32Array, c: number, cse: number,
): Float32Array {
  return concatenate(packDense(wReduce, bReduce, c, cse), packDense(wExpand, bExpand, cse, c));
}

/** Floats of packSqueezeExcite's layout: what a composite op's next part is packed after. */
export function squeezeExciteFloats(c: number, cse: number): number {
  return (c + 1) * roundUp(cse, 4) + (cse + 1) * roundUp(c, 4);
}

/** Packed layouts back to back: a composite op's parts, each in its own layout. */
export function concatenate(...parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Per-channel affine (assembly/eltwise.ts batchNorm): scale[0 … C4 − 1] then shift[0 … C4 − 1], C4 = 4·⌈C/4⌉. */
export function packAffine(scale: ArrayLike<number>, shift: ArrayLike<number>): Float32Array {
  const c4 = roundUp(scale.length, 4);
  const out = new Float32Array(2 * c4);
  out.set(scale);
  out.set(shift, c4);
  return out;
}
