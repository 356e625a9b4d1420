import type { CompiledModel, EfficientNet, Tensor } from '../../src/index.js';
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

/**
 * A `dump` callback that times each layer as the gap since the previous callback: the
 * reference interpreter calls it right after each layer has produced its output, so the gap
 * is that layer's cost.
 */
export function layerClock(now: () => number = () => performance.now()) {
  const layers: LayerTime[] = [];
  let last = now();
  return {
    layers,
    dump(name: string): void {
      const t = now();
      layers.push({ name, ms: t - last });
      last = t;
    },
  };
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** A compiled model that times its own kernel calls (the wasm backend's does). */
interface Profiler extends CompiledModel {
  profile(x: Tensor, repeats: number): { name: string; ms: number }[];
}

const profilers = new WeakMap<EfficientNet, Profiler | null>();

// The wasm backend hands dumps over after the whole run (its arena reuses buffers), so gaps
// between dump callbacks say nothing there; its compiled model times each fused kernel call
// itself. This compiles the model a second time for that, once per model, on wasm only.
function profilerFor(model: EfficientNet): Profiler | null {
  if (!profilers.has(model)) {
    let profiler: Profiler | null = null;
    if (model.backend.name === 'wasm') {
      const compiled = model.backend.compile(model.plan, model.weights);
      if (typeof (compiled as Partial<Profiler>).profile === 'function') profiler = compiled as Profiler;
      else compiled.dispose?.();
    }
    profilers.set(model, profiler);
  }
  return profilers.get(model)!;
}

/** Frees the second compilation of a model the page no longer uses. */
export function releaseProfiler(model: EfficientNet): void {
  profilers.get(model)?.dispose?.();
  profilers.delete(model);
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
export function timedRun(model: EfficientNet, x: Tensor): TimedRun {
  const profiler = x.shape[1] === model.plan.resolution ? profilerFor(model) : null;
  // Without a profiler each run is timed layer by layer; the mean leaves out the cold first run.
  const clocks: LayerTime[][] = [];
  const times: number[] = [];
  const run = () => {
    const clock = layerClock();
    const t = performance.now();
    const logits = model.run(x, profiler ? {} : { dump: clock.dump });
    times.push(performance.now() - t);
    clocks.push(clock.layers);
    return logits;
  };
  const logits = run();
  while (times.length < MAX_RUNS && times.reduce((a, b) => a + b) < BUDGET_MS) run();
  const totalMs = median(times);
  if (!profiler) {
    const warm = clocks.length > 1 ? clocks.slice(1) : clocks;
    return { logits, totalMs, runs: times.length, layers: meanOf(warm), method: `the time between consecutive layer outputs (mean of ${warm.length} run${warm.length > 1 ? 's' : ''})` };
  }
  const { layers, runs } = meanProfile(profiler, x);
  return { logits, totalMs, runs: times.length, layers, method: `each fused kernel call timed by the wasm backend (mean of ${runs} runs), named after its last Keras layer` };
}

function meanProfile(profiler: Profiler, x: Tensor): { layers: LayerTime[]; runs: number } {
  const start = performance.now();
  const runs: LayerTime[][] = [];
  do runs.push(profiler.profile(x, 1));
  while (runs.length < MAX_RUNS && performance.now() - start < BUDGET_MS);
  return { layers: meanOf(runs), runs: runs.length };
}

/** Per-layer means over runs that list the same layers in the same order. */
function meanOf(runs: readonly (readonly LayerTime[])[]): LayerTime[] {
  return runs[0]!.map(({ name }, i) => ({ name, ms: runs.reduce((t, r) => t + r[i]!.ms, 0) / runs.length }));
}
