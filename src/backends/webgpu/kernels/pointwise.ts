// 1×1 convolution as a GEMM over every pixel of the pass: [M = images·H·W, K = cin] × [K, N = cout].
// Tiled (GPUs): a workgroup of 256 threads computes a TM×TN tile of the output, each thread a 4×4
// register tile of it, stepping through K by TK with the A (TM×TK) and B (TK×TN) tiles staged in
// workgroup memory. The tile follows N, which in EfficientNet runs from 16 to 1,280 while M is the
// pixels: 64×64 for wide layers, 128×32 and 256×16 for narrow ones, so few threads compute padding.
// Direct (GPUs emulated on a CPU, KernelTarget): the same 4×4 register tile per thread, read
// straight from the buffers, without workgroup memory: SwiftShader runs each workgroup barrier
// through its invocations one by one, which made the tiled GEMM 5–20× slower there than this,
// while the CPU's caches do the tiling. Both sum K in order from zero, then add the bias.
// The bias (batch norm folded in), the activation and the residual add are fused into the store.
import { folded } from '../../fused/weights.js';
import { activationCode, activationSwitch, fold, product, shader, variants, type GpuKernelsOf } from './kernel.js';

export interface GemmTile {
  /** Rows (pixels) and columns (output channels) of a workgroup's tile. */
  tm: number;
  tn: number;
  /** K per step through workgroup memory. */
  tk: number;
}

/** The tile for N output channels: (tm + tn)·tk floats of workgroup memory, at most 8.5 KiB. */
export function gemmTile(n: number): GemmTile {
  if (n <= 16) return { tm: 256, tn: 16, tk: 8 };
  if (n <= 48) return { tm: 128, tn: 32, tk: 16 };
  return { tm: 64, tn: 64, tk: 16 };
}

// Stores row r of the thread's register tile (constant indices, so the tile stays in registers).
const store = (r: number) => `
  if (row0 + ${r}u < p.m) {
    let row = row0 + ${r}u;
    for (var c = 0u; c < 4u; c++) {
      let col = col0 + c;
      if (col < p.n) {
        var v = activate(acc${r}[c] + w[p.k * p.n + col], p.act);
        if (p.residual != 0u) { v += arena[p.y + row * p.n + col]; }
        arena[p.out + row * p.n + col] = v;
      }
    }
  }`;

// The activation and the residual are parameters, not variants: a GEMM pipeline is the dearest to
// compile (seconds on a software GPU), and one per tile serves every pointwise step.
const gemm = variants(({ tm, tn, tk }: GemmTile) => shader(['x', 'y', 'out', 'm', 'k', 'n', 'act', 'residual'] as const, `
${activationSwitch()}
var<workgroup> As: array<f32, ${tm * tk}>;
var<workgroup> Bs: array<f32, ${tk * tn}>;
@compute @workgroup_size(${tn / 4}, ${tm / 4})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) t: u32) {
  let tile0 = (wg.z * groups.y + wg.y) * ${tm}u;
  let col0 = wg.x * ${tn}u + lid.x * 4u;
  let row0 = tile0 + lid.y * 4u;
  var acc0 = vec4<f32>(); var acc1 = vec4<f32>(); var acc2 = vec4<f32>(); var acc3 = vec4<f32>();
  for (var k0 = 0u; k0 < p.k; k0 += ${tk}u) {
    // A stored transposed (As[kk][row]), so a thread's 4 rows are 4 neighbours
    for (var e = t; e < ${tm * tk}u; e += 256u) {
      let r = tile0 + e / ${tk}u;
      let kk = k0 + e % ${tk}u;
      var a = 0.0;
      if (r < p.m && kk < p.k) { a = arena[p.x + r * p.k + kk]; }
      As[(e % ${tk}u) * ${tm}u + e / ${tk}u] = a;
    }
    for (var e = t; e < ${tk * tn}u; e += 256u) {
      let kk = k0 + e / ${tn}u;
      let c = wg.x * ${tn}u + e % ${tn}u;
      var b = 0.0;
      if (c < p.n && kk < p.k) { b = w[kk * p.n + c]; }
      Bs[e] = b;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < ${tk}u; kk++) {
      let ai = kk * ${tm}u + lid.y * 4u;
      let bi = kk * ${tn}u + lid.x * 4u;
      let b = vec4<f32>(Bs[bi], Bs[bi + 1u], Bs[bi + 2u], Bs[bi + 3u]);
      acc0 += As[ai] * b;
      acc1 += As[ai + 1u] * b;
      acc2 += As[ai + 2u] * b;
      acc3 += As[ai + 3u] * b;
    }
    workgroupBarrier();
  }${[0, 1, 2, 3].map(store).join('')}
}`));

const direct = shader(['x', 'y', 'out', 'm', 'k', 'n', 'act', 'residual'] as const, `
${activationSwitch()}
@compute @workgroup_size(8, 8)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row0 = ((wg.z * groups.y + wg.y) * 8u + lid.y) * 4u;
  let col0 = (wg.x * 8u + lid.x) * 4u;
  if (row0 >= p.m || col0 >= p.n) { return; }
  // rows and columns past the edge read the last one: computed, never stored
  let a0 = p.x + row0 * p.k;
  let a1 = p.x + min(row0 + 1u, p.m - 1u) * p.k;
  let a2 = p.x + min(row0 + 2u, p.m - 1u) * p.k;
  let a3 = p.x + min(row0 + 3u, p.m - 1u) * p.k;
  let cols = min(vec4<u32>(col0, col0 + 1u, col0 + 2u, col0 + 3u), vec4<u32>(p.n - 1u));
  var acc0 = vec4<f32>(); var acc1 = vec4<f32>(); var acc2 = vec4<f32>(); var acc3 = vec4<f32>();
  for (var k = 0u; k < p.k; k++) {
    let wk = k * p.n;
    let b = vec4<f32>(w[wk + cols.x], w[wk + cols.y], w[wk + cols.z], w[wk + cols.w]);
    acc0 += arena[a0 + k] * b;
    acc1 += arena[a1 + k] * b;
    acc2 += arena[a2 + k] * b;
    acc3 += arena[a3 + k] * b;
  }${[0, 1, 2, 3].map(store).join('')}
}`);

export const pointwiseKernels: GpuKernelsOf<'pointwise'> = {
  pointwise: {
    // Packed: the kernel [K][N] (TF's [1, 1, K, N]) with the batch norm folded in, then the bias [N]
    // (zeros when there is none).
    pack(op, w) {
      const { kernel, bias } = folded(w);
      const out = new Float32Array(op.cin * op.cout + op.cout);
      out.set(kernel.subarray(0, op.cin * op.cout));
      if (bias) out.set(bias.subarray(0, op.cout), op.cin * op.cout);
      return out;
    },
    dispatches(op, g, at, target) {
      const m = (g.images * product(g.input)) / op.cin;
      const values = { x: at.x, y: at.y, out: at.out, m, k: op.cin, n: op.cout, act: activationCode(op.activation), residual: op.inputs.length === 2 ? 1 : 0 };
      if (target.gemm === 'direct') return [{ code: direct.code, params: direct.paramsOf(values), groups: fold(Math.ceil(m / 32), Math.ceil(op.cout / 32)) }];
      const tile = gemmTile(op.cout);
      const s = gemm(tile);
      return [{ code: s.code, params: s.paramsOf(values), groups: fold(Math.ceil(m / tile.tm), Math.ceil(op.cout / tile.tn)) }];
    },
  },
};
