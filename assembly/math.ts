// f32x4 transcendental helpers shared by every kernel that fuses an activation into its store.
// Activation codes (the host's Activation names): 0 none, 1 swish, 2 sigmoid, 3 relu.

export const ACT_NONE: i32 = 0;
export const ACT_SWISH: i32 = 1;
export const ACT_SIGMOID: i32 = 2;
export const ACT_RELU: i32 = 3;

// The constants below, four lanes each, so a kernel loads each with a single instruction
// (V8 materialises a v128.const with three). Indices are those passed to C().
const EXP_CONSTANTS = memory.data<f32>([
  -126.0, -126.0, -126.0, -126.0, // 0 lowest exponent
  128.0, 128.0, 128.0, 128.0, // 1 highest exponent: 2^128 is +∞
  1.44269504, 1.44269504, 1.44269504, 1.44269504, // 2 log2(e)
  -1.44269504, -1.44269504, -1.44269504, -1.44269504, // 3 −log2(e)
  12583039.0, 12583039.0, 12583039.0, 12583039.0, // 4 1.5·2^23 + 127
  1.3057117574e-3, 1.3057117574e-3, 1.3057117574e-3, 1.3057117574e-3, // 5…9 polynomial
  9.6789881681e-3, 9.6789881681e-3, 9.6789881681e-3, 9.6789881681e-3,
  5.5516438911e-2, 5.5516438911e-2, 5.5516438911e-2, 5.5516438911e-2,
  0.24022086477, 0.24022086477, 0.24022086477, 0.24022086477,
  0.6931460417, 0.6931460417, 0.6931460417, 0.6931460417,
  1.0, 1.0, 1.0, 1.0, // 10
], 16);

// @ts-ignore: decorator
@inline
function C(i: i32): v128 {
  return v128.load(EXP_CONSTANTS + (<usize>i << 4));
}

// 2^z: z = n + f with n = round(z), |f| ≤ 1/2, then 1 + f·q(f) with q a quartic fitted to
// minimise relative error (2.4e-7 over the interval; 3e-7 in f32 arithmetic), times 2^n built
// in the exponent bits. z is clamped to [−126, 128] so that n fits the exponent field: 2^−126 is
// normal (see multiply in eltwise.ts for why denormals are avoided) and n = 128 fills the field
// with ones, which is +∞, so z ≥ 127.5 (z = +∞ included) gives +∞ as IEEE exp does: sigmoid(−∞) = 0
// and swish(−∞) = −∞/∞ = NaN, as in the reference, at no extra instruction. The price is a
// denormal sigmoid for z in (126, 127.5), x in (−88.4, −87.3). The clamp keeps NaN: pmin and pmax
// return their first operand when the comparison fails.
// Every instruction here counts: swish runs on 6.16 million values of B0 (a fifth of its time), and
// its cost is its instruction count. Swish is 20 arithmetic instructions an f32x4 in the plain
// build and 14 in the relaxed one: the exponent's bias rides in the rounding constant, and the
// polynomial and 1 + p·2^n are multiply-adds (madd below; one fused instruction each when relaxed).
// pow2 and onePlusPow2 share the clamp and rounding; pow2Mantissa is p.
// @ts-ignore: decorator
@inline
function pow2(z: v128): v128 {
  z = f32x4.pmin(f32x4.pmax(z, C(0)), C(1));
  const t = f32x4.add(z, C(4));
  return f32x4.mul(pow2Mantissa(z, t), i32x4.shl(t, 23));
}

// 1 + 2^z: the last multiply and the add are one instruction in the relaxed-SIMD build.
// @ts-ignore: decorator
@inline
function onePlusPow2(z: v128): v128 {
  z = f32x4.pmin(f32x4.pmax(z, C(0)), C(1));
  const t = f32x4.add(z, C(4));
  return madd(pow2Mantissa(z, t), i32x4.shl(t, 23), C(10));
}

// Adding M = 1.5·2^23 + 127 to the clamped z (t = z + M) rounds it to the nearest integer n and
// leaves n + 127 in the low mantissa bits (t is in [2^23, 2^24), where floats are the integers):
// t − M = n exactly, and bits(t) << 23 = (n + 127) << 23 is 2^n (M's own bits shift out).
// This is p = 1 + f·q(f) for f = z − n.
// @ts-ignore: decorator
@inline
function pow2Mantissa(z: v128, t: v128): v128 {
  const f = f32x4.sub(z, f32x4.sub(t, C(4)));
  let p = madd(C(5), f, C(6));
  p = madd(p, f, C(7));
  p = madd(p, f, C(8));
  p = madd(p, f, C(9));
  return madd(p, f, C(10));
}

// e^x = 2^(x·log2 e). Rounding x·log2 e costs up to 2^−24·|x·log2 e| of relative error
// (about 1e-6 at |x| = 20, 5e-6 at the clamp), which no EfficientNet activation notices.
// @ts-ignore: decorator
@inline
export function exp4(x: v128): v128 {
  const z = f32x4.mul(x, C(2));
  // below 2^−126 the answer is 0, not the clamp (sigmoid and swish add it to 1, where it vanishes);
  // a NaN lane fails the comparison and stays NaN
  return v128.andnot(pow2(z), f32x4.lt(z, C(0)));
}

// 1 / (1 + e^−x), with e^−x as 2^(x·(−log2 e)) so no negation is needed.
// @ts-ignore: decorator
@inline
export function sigmoid4(x: v128): v128 {
  return f32x4.div(C(10), onePlusPow2(f32x4.mul(x, C(3))));
}

// x · sigmoid(x) = x / (1 + e^−x)
// @ts-ignore: decorator
@inline
export function swish4(x: v128): v128 {
  return f32x4.div(x, onePlusPow2(f32x4.mul(x, C(3))));
}

// @ts-ignore: decorator
@inline
export function activate4(v: v128, act: i32): v128 {
  if (act == ACT_SWISH) return swish4(v);
  if (act == ACT_SIGMOID) return sigmoid4(v);
  if (act == ACT_RELU) return f32x4.pmax(v, f32x4.splat(0.0));
  return v;
}

// Stores the first `lanes` (0…4) lanes of v at p: the tail of a row whose length is not a multiple of 4.
// @ts-ignore: decorator
@inline
export function storePartial(p: usize, v: v128, lanes: i32): void {
  if (lanes >= 4) {
    v128.store(p, v);
    return;
  }
  if (lanes > 0) store<f32>(p, f32x4.extract_lane(v, 0));
  if (lanes > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (lanes > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

// a·b + c, four lanes: the multiply-add of every dot product. The relaxed-SIMD build
// (asconfig's "relaxed" target) makes it one instruction, f32x4.relaxed_madd, which the engine may
// fuse (one rounding: an FMA) or not (two, as here); the plain build keeps a multiply then an add.
// The branch is on a compile-time constant, so each build holds only its own arm.
// @ts-ignore: decorator
@inline
export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

// 1 in the relaxed-SIMD build, 0 in the plain one: the host reports which build it runs.
export function relaxedSimd(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 1 : 0;
}
