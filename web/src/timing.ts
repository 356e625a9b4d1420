import type { EfficientNet, Tensor } from '../../src/index.js';
import type { LayerTime } from './protocol.js';

/** The stage a Keras layer name belongs to: `stem`, `stage 1`…`stage 7`, or `head`. */
export function stageOf(layer: string): string {
  if (layer.startsWith('stem_')) return 'stem';
  const m = /^block(\d+)[a-z]+_/.exec(layer);
  if (m) return `stage ${m[1]}`;
  return 'head';
}

/** Sums layer times per stage, in network order. */
export function byStage(layers: readonly LayerTime[]): LayerTime[] {
  const stages = new Map<string, number>();
  for (const l of layers) {
    const s = stageOf(l.name);
    stages.set(s, (stages.get(s) ?? 0) + l.ms);
  }
  return [...stages].map(([name, ms]) => ({ name, ms }));
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export interface TimedRun {
  logits: Tensor;
  /** Median latency of the runs made within the time budget (the first one included). */
  totalMs: number;
  runs: number;
  layers: LayerTime[];
  /** How the per-layer times were taken, for the chart's caption. */
  method: string;
}

// Without cross-origin isolation browsers coarsen performance.now() (Chrome: 100 µs, jittered),
// as coarse as a small model's whole run and coarser than most of its kernel calls; and this
// machine's other work adds noise. So latency is the median of the runs that fit a small time
// budget, and per-layer times are means over as many runs: jittered readings average out.
const BUDGET_MS = 100;
const MAX_RUNS = 50;

/** One inference, its latency, and what each layer (or fused group of layers) cost. */
export async function timedRun(model: EfficientNet, x: Tensor): Promise<TimedRun> {
  const times: number[] = [];
  const run = async () => {
    const t = performance.now();
    const logits = await model.predict(x);
    times.push(performance.now() - t);
    return logits;
  };
  const logits = await run();
  while (times.length < MAX_RUNS && times.reduce((a, b) => a + b) < BUDGET_MS) await run();
  const { layers, runs } = await meanProfile(model, x);
  const step = model.backend.name === 'reference' ? 'layer' : 'fused kernel call, named after its last Keras layer';
  const by = model.backend.name === 'webgpu' ? 'the GPU' : 'the backend';
  return { logits, totalMs: median(times), runs: times.length, layers, method: `each ${step} timed by ${by} (mean of ${runs} runs)` };
}

async function meanProfile(model: EfficientNet, x: Tensor): Promise<{ layers: LayerTime[]; runs: number }> {
  const start = performance.now();
  const runs: LayerTime[][] = [];
  do runs.push(await model.profileAsync(x, 1));
  while (runs.length < MAX_RUNS && performance.now() - start < BUDGET_MS);
  return { layers: meanOf(runs), runs: runs.length };
}

/** Per-layer means over runs that list the same layers in the same order. */
function meanOf(runs: readonly (readonly LayerTime[])[]): LayerTime[] {
  return runs[0]!.map(({ name }, i) => ({ name, ms: runs.reduce((t, r) => t + r[i]!.ms, 0) / runs.length }));
}
