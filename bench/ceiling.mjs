// The arithmetic ceiling of one core for f32x4 Wasm SIMD in this runtime: ten independent
// multiply-then-add chains (the plain build's madd) and, where the runtime has relaxed SIMD, ten
// relaxed_madd chains, compiled from the AssemblyScript source below with the project's own asc.
// Nothing is loaded or stored in the loop, so it is the rate the FP pipes issue at, the bound a
// kernel's GFLOP/s is read against (bench/kernels.mjs prints each family's share of it).
import asc from 'assemblyscript/asc';

const source = (madd) => `
export function chains(iterations: i32, a: f32, b: f32): f32 {
  const x = f32x4.splat(a), y = f32x4.splat(b);
  let c0 = x, c1 = y, c2 = x, c3 = y, c4 = x, c5 = y, c6 = x, c7 = y, c8 = x, c9 = y;
  for (let i = 0; i < iterations; i++) {
    c0 = ${madd('c0')}; c1 = ${madd('c1')}; c2 = ${madd('c2')}; c3 = ${madd('c3')}; c4 = ${madd('c4')};
    c5 = ${madd('c5')}; c6 = ${madd('c6')}; c7 = ${madd('c7')}; c8 = ${madd('c8')}; c9 = ${madd('c9')};
  }
  const s = f32x4.add(f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3)), f32x4.add(f32x4.add(c4, c5), f32x4.add(f32x4.add(c6, c7), f32x4.add(c8, c9))));
  return f32x4.extract_lane(s, 0);
}`;

const BUILDS = {
  simd: { madd: (c) => `f32x4.add(f32x4.mul(x, y), ${c})`, enable: 'simd' },
  'relaxed-simd': { madd: (c) => `f32x4.relaxed_madd(x, y, ${c})`, enable: 'simd,relaxed-simd' },
};

/** GFLOP/s of the chains on `kernels` ('simd' or 'relaxed-simd'): the best of `rounds`. */
export async function simdCeiling(kernels, rounds = 10) {
  const build = BUILDS[kernels];
  const { binary, stderr } = await asc.compileString(source(build.madd), { optimizeLevel: 3, runtime: 'stub', enable: build.enable.split(',') });
  if (!binary) throw new Error(`bench/ceiling.mjs: asc failed: ${stderr.toString()}`);
  const { instance } = await WebAssembly.instantiate(binary, { env: { abort() {} } });
  const iterations = 2_000_000;
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    instance.exports.chains(iterations, 0.5, 0.25);
    best = Math.min(best, performance.now() - t);
  }
  // ten chains × four lanes × a multiply and an add
  return (iterations * 10 * 4 * 2) / best / 1e6;
}
