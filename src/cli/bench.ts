import os from 'node:os';
import type { CompiledModel, StepProfile } from '../backends/backend.js';
import { createBackend } from '../backends/index.js';
import type { WasmCompiledModel } from '../backends/wasm/index.js';
import { instantiateKernels } from '../backends/wasm/module.js';
import type { Layer } from '../model/layers.js';
import { buildPlan, type Plan } from '../model/plan.js';
import { randomInput, randomWeights } from '../weights/random.js';
import { BACKEND_FLAGS, BACKEND_HELP, threadsOption } from './flags.js';
import { backendOption, countOption, intOption, parse, stringOption, UsageError, variantOption, type Command } from './command.js';

const usage = `Usage: effnet bench [--model b0…b7|phi=X] [--resolution N] [--batch N] [--runs N]
         [--warmup N] [--backend wasm|reference] [--threads N] [--json]

Latency of this engine alone: seeded weights (seed 1), a seeded input, warm-up runs, then the
median, min and max over the timed runs; the time per kernel family (each step of a profiled run
on the first image, fastest of a few); and memory (peak RSS of this process, wasm linear memory).
For the comparison with onnxruntime-web, TF.js and onnxruntime-node on the same weights and input, run
\`npm run bench\` in a checkout (it needs the dev dependencies). Progress goes to stderr.

  --model M         b0…b7 or phi=X (default b0)
  --resolution N    input size (default: the variant's own)
  --batch N         images a run (default 1)
  --runs N          timed runs (default 20 on wasm, 3 on reference)
  --warmup N        untimed runs first (default 3 on wasm, 1 on reference; 0 allowed)
${BACKEND_HELP}
  --json            {model, resolution, batch, backend, kernels, threads, machine, latency, families, steps, memory}

The wasm backend runs its relaxed-SIMD kernel build (fused multiply-adds) where the runtime has
relaxed SIMD (Node 20: node --experimental-wasm-relaxed-simd), its plain SIMD build elsewhere.`;

interface FamilyTime {
  family: string;
  steps: number;
  macs: number;
  ms: number;
}

export const bench: Command = {
  name: 'bench',
  summary: 'latency, per-kernel-family time and memory of this engine (seeded weights)',
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, {
      model: { type: 'string' },
      resolution: { type: 'string' },
      batch: { type: 'string' },
      runs: { type: 'string' },
      warmup: { type: 'string' },
      ...BACKEND_FLAGS,
      json: { type: 'boolean' },
    }, usage);
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'\n${usage}`);
    const backendName = backendOption(values) ?? 'wasm';
    const variant = variantOption(values) ?? 'b0';
    const wasm = backendName === 'wasm';
    const resolution = intOption(stringOption(values, 'resolution'), '--resolution');
    const batch = intOption(stringOption(values, 'batch'), '--batch') ?? 1;
    const runs = intOption(stringOption(values, 'runs'), '--runs') ?? (wasm ? 20 : 3);
    const warmup = countOption(stringOption(values, 'warmup'), '--warmup') ?? (wasm ? 3 : 1);
    const profileRepeats = wasm ? 5 : 1;
    const log = (s: string) => console.error(s);

    const plan = buildPlan(variant, { resolution });
    const backend = await createBackend(backendName, { threads: threadsOption(values) });
    const threads = 'threads' in backend ? (backend.threads ?? 1) : 1;
    const label = `${plan.coefficients.name} @${plan.resolution}, batch ${batch}, ${backendName} backend${threads > 1 ? `, ${threads} threads` : ''}`;
    log(`effnet bench: ${label}: drawing seeded weights…`);
    const weights = randomWeights(plan, 1);
    let model: CompiledModel;
    let x;
    try {
      model = backend.compile(plan, weights);
      x = randomInput([batch, plan.resolution, plan.resolution, 3], 42);
    } catch (e) {
      throw new Error(`${label} does not fit: ${(e as Error).message}`);
    }
    try {
      log(`effnet bench: ${warmup} warm-up run${warmup === 1 ? '' : 's'}, then ${runs} timed…`);
      // a GPU answers asynchronously: each run there is timed until its logits are back on the CPU
      const run = backend.name === 'webgpu' ? () => model.predict(x) : async () => model.run(x);
      for (let i = 0; i < warmup; i++) await run();
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        await run();
        times.push(performance.now() - t0);
      }
      const latency = stats(times);
      log(`effnet bench: profiling each step (fastest of ${profileRepeats})…`);
      const steps = await model.profileAsync(x, profileRepeats);
      const families = familyTimes(plan, steps);
      const memory = await memoryOf(model, wasm);

      const report = {
        model: plan.coefficients.name, resolution: plan.resolution, batch, backend: backendName, kernels: 'kernels' in backend ? backend.kernels : undefined, adapter: 'adapter' in backend ? backend.adapter : undefined, threads, seed: 1,
        params: plan.params, macs: plan.macs, machine: machine(),
        latency: { ...latency, warmup, imagesPerSecond: (1000 * batch) / latency.median },
        profile: { repeats: profileRepeats, image: 'the first of the batch', totalMs: steps.reduce((a, s) => a + s.ms, 0) },
        families, steps, memory,
      };
      if (values.json) console.log(JSON.stringify(report, null, 2));
      else console.log(format(report, label));
    } finally {
      model.dispose?.();
    }
  },
};

/**
 * Each profiled step with its kernel family, totalled by family. A step covers the plan layers
 * after the previous step's up to its own (the wasm backend fuses consecutive layers and names
 * the group after its last one; the reference backend runs one layer a step), and its family is
 * that of its first layer other than dropout: a conv by kernel and stride, SE layers as squeeze-excite,
 * an expand and depthwise run as one step by both.
 */
function familyTimes(plan: Plan, steps: readonly StepProfile[]): FamilyTime[] {
  const index = new Map(plan.layers.map((l, i) => [l.name, i]));
  const by = new Map<string, FamilyTime>();
  let next = 0;
  for (const step of steps) {
    const end = index.get(step.name);
    const group = end !== undefined && end >= next ? plan.layers.slice(next, end + 1) : [];
    if (group.length > 0) next = end! + 1;
    const first = group.find((l) => l.kind !== 'dropout' && l.kind !== 'reshape') ?? group[0];
    // an expand fused with its depthwise (wasm's expandDepthwise) is a family of its own
    const depthwise = first?.kind === 'conv2d' ? group.find((l) => l.kind === 'depthwiseConv2d') : undefined;
    const family = depthwise ? `expand 1×1 + ${familyOf(depthwise)}` : first ? familyOf(first) : 'other';
    const t = by.get(family) ?? { family, steps: 0, macs: 0, ms: 0 };
    by.set(family, { family, steps: t.steps + 1, macs: t.macs + step.macs, ms: t.ms + step.ms });
  }
  return [...by.values()].sort((a, b) => b.ms - a.ms);
}

function familyOf(layer: Layer): string {
  if (/_se_/.test(layer.name)) return 'squeeze-excite';
  switch (layer.kind) {
    case 'conv2d':
      return layer.kernel === 1 && layer.stride === 1 ? 'pointwise conv 1×1' : `conv ${layer.kernel}×${layer.kernel}/${layer.stride}`;
    case 'depthwiseConv2d':
      return `depthwise ${layer.kernel}×${layer.kernel}/${layer.stride}`;
    default:
      return layer.kind;
  }
}

/** Peak RSS of this process; for wasm, the linear memory and what this model holds in it. */
async function memoryOf(model: CompiledModel, wasm: boolean) {
  const maxRssBytes = process.resourceUsage().maxRSS * 1024;
  if (!wasm) return { maxRssBytes };
  const held = (model as Partial<WasmCompiledModel>).memory;
  const wasmMemoryBytes = (await instantiateKernels()).memory.buffer.byteLength;
  return { maxRssBytes, wasmMemoryBytes, ...held };
}

function stats(times: number[]): { median: number; min: number; max: number; runs: number } {
  const s = [...times].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return { median: s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2, min: s[0]!, max: s.at(-1)!, runs: s.length };
}

function machine() {
  return { cpu: os.cpus()[0]?.model ?? 'unknown', nproc: os.availableParallelism(), node: process.version, platform: `${os.platform()} ${os.arch()}` };
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
const gflops = (macs: number, ms: number) => (ms > 0 && macs > 0 ? ((2 * macs) / ms / 1e6).toFixed(1) : '-');

function format(r: {
  machine: ReturnType<typeof machine>; macs: number; batch: number; kernels?: string;
  latency: ReturnType<typeof stats> & { warmup: number; imagesPerSecond: number };
  profile: { repeats: number; totalMs: number }; families: FamilyTime[];
  memory: { maxRssBytes: number; wasmMemoryBytes?: number; weightBytes?: number; arenaBytes?: number; scratchBytes?: number };
}, label: string): string {
  const l = r.latency;
  const rows = [['kernel family', 'steps', 'MACs', 'ms', 'share', 'GFLOP/s']];
  for (const f of r.families) {
    rows.push([f.family, String(f.steps), `${(f.macs / 1e6).toFixed(1)} M`, f.ms.toFixed(2), `${((100 * f.ms) / r.profile.totalMs).toFixed(1)}%`, gflops(f.macs, f.ms)]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const m = r.memory;
  const wasmLine = m.wasmMemoryBytes === undefined ? '' :
    `; wasm memory ${mib(m.wasmMemoryBytes)} (this model: weights ${mib(m.weightBytes ?? 0)}, activation arena ${mib(m.arenaBytes ?? 0)}, SE scratch ${m.scratchBytes ?? 0} B)`;
  return [
    `effnet bench: ${label}${r.kernels ? ` (${r.kernels} kernels)` : ''}, seeded weights — ${r.machine.cpu}, ${r.machine.nproc} cores, node ${r.machine.node}, ${r.machine.platform}`,
    `latency: median ${l.median.toFixed(1)} ms, min ${l.min.toFixed(1)}, max ${l.max.toFixed(1)} over ${l.runs} runs after ${l.warmup} warm-up; ` +
      `${l.imagesPerSecond.toFixed(1)} images/s, ${gflops(r.macs * r.batch, l.median)} GFLOP/s`,
    '',
    `per kernel family (one image, each step's fastest of ${r.profile.repeats}; sum ${r.profile.totalMs.toFixed(1)} ms):`,
    line(rows[0]!),
    ...rows.slice(1).map(line),
    '',
    `memory: peak RSS ${mib(m.maxRssBytes)}${wasmLine}`,
    'Against onnxruntime-web, tfjs-backend-wasm and onnxruntime-node on the same weights and input: npm run bench in a checkout (dev dependencies).',
  ].join('\n');
}
