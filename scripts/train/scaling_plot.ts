// Draws docs/scaling-experiment.svg from docs/scaling-experiment.json (format 2, runs trained to
// their plateau): above, Fashion-MNIST test accuracy against multiply-adds (log scale), one line
// per way of scaling through the mean over seeds, a bar from the lowest to the highest seed and a
// dot per run; below, every run's learning curve (test accuracy per epoch), one panel per budget.
// Plain SVG, no library. Usage: npx tsx scripts/train/scaling_plot.ts [in.json] [out.svg]
// (also prints the tables and comparisons that docs/scaling.md quotes).
import { readFileSync, writeFileSync } from 'node:fs';
import { BUDGETS, experimentConfigs } from './scaling_configs.js';

export interface CurvePoint {
  epoch: number;
  /** 0 at the starting learning rate, +1 at each plateau (learning rate / 10). */
  stage: number;
  lr: number;
  /** What the stopping rule said after this epoch. */
  then: 'go on' | 'drop' | 'plateau' | 'max';
  trainLoss: number;
  testAccuracy: number;
  seconds: number;
  cpuSeconds: number;
  /** Where the epoch ran ("CPU (x86_64), 1 thread(s)", "GPU: NVIDIA H200 ..."); absent before runs recorded it (the CPU). */
  device?: string;
}

export interface Run {
  name: string;
  family: string;
  budget: number;
  width: number;
  depth: number;
  resolution: number;
  head: number;
  blocks: number;
  macs: number;
  params: number;
  torchMacs: number;
  torchParams: number;
  seed: number;
  variant?: string;
  changes?: Record<string, number | boolean>;
  epochs: number;
  stoppedBy: 'plateau' | 'max';
  testAccuracy: number;
  preciseBnTestAccuracy: number;
  seconds: number;
  cpuSeconds: number;
  /** The device of each stretch of epochs (absent in runs from before it was recorded: the CPU). */
  device?: string;
  curve: CurvePoint[];
}

/** Where a run trained: 'CPU', 'GPU', or 'GPU→CPU' (resumed on another device), from its epochs. */
export function trainedOn(r: Run): string {
  const kinds = r.curve.map((c) => (c.device?.startsWith('GPU') ? 'GPU' : 'CPU'));
  return kinds.filter((k, i) => i === 0 || k !== kinds[i - 1]).join('→');
}

export interface StoppingRule {
  firstCheckEpoch: number;
  stageMinEpochs: number;
  windowEpochs: number;
  minGainImages: number;
  lrDrops: number;
  dropFactor: number;
  maxEpochs: number;
  text: string;
}

export interface ExperimentDoc {
  format: number;
  recipe: { trainImages: number; stoppingRule: StoppingRule };
  grid: { configs: string[]; seeds: number[] };
  complete: boolean;
  missing: { name: string; seed: number }[];
  runs: Run[];
  ablations: Run[];
  ablation: { configs: string[]; variants: Record<string, Record<string, number | boolean>> };
}

/** One configuration over its seeds (accuracies in points, seed order). */
export interface Summary {
  name: string;
  family: string;
  budget: number;
  macs: number;
  runs: Run[];
  accs: number[];
  mean: number;
  min: number;
  max: number;
  sd: number;
}

const FAMILIES: Record<string, { label: string; color: string }> = {
  width: { label: 'width only (w)', color: '#2f6fdf' },
  depth: { label: 'depth only (d)', color: '#d9822b' },
  resolution: { label: 'resolution only (r)', color: '#3a9d5d' },
  compound: { label: "compound (paper's α, β, γ)", color: '#c23b4a' },
};
const BASE_COLOR = '#1d2330';
const NOTE_COLOR = '#5d6675'; // notes in the legend, and the ring of a variant drawn for several families

export function summarise(runs: readonly Run[]): Summary[] {
  const names = [...new Set(runs.map((r) => r.name))];
  return names.map((name) => {
    const rs = runs.filter((r) => r.name === name).sort((a, b) => a.seed - b.seed);
    const accs = rs.map((r) => 100 * r.testAccuracy);
    const mean = accs.reduce((a, b) => a + b, 0) / accs.length;
    const sd = accs.length > 1 ? Math.sqrt(accs.reduce((a, x) => a + (x - mean) ** 2, 0) / (accs.length - 1)) : 0;
    return { name, family: rs[0]!.family, budget: rs[0]!.budget, macs: rs[0]!.macs, runs: rs, accs, mean, min: Math.min(...accs), max: Math.max(...accs), sd };
  });
}

export function plot(doc: ExperimentDoc): string {
  const W = 680, L = 64, R = 215, T = 36, H1 = 400, B1 = 52;
  const P = H1 + 20, PH = 190, H = P + PH + 60;
  const f = (n: number) => n.toFixed(1);
  const runs = doc.runs;
  const points = summarise(runs);
  const base = points.find((p) => p.family === 'baseline');
  // The x axis spans the runs so far (the grid's 196k to 1.59M MACs once it is complete).
  const macs = runs.length ? runs.map((r) => r.macs) : [1.5e5, 2e6];
  // Ablation variants trained with every seed: drawn hollow beside the configuration they vary.
  const variants = doc.ablation.configs
    .flatMap((config) => summarise(doc.ablations.filter((r) => r.name === config).map((r) => ({ ...r, name: `${config}, ${r.variant}` })))
      .map((p) => ({ ...p, config, variant: p.runs[0]!.variant! })))
    .filter((p) => p.runs.length >= doc.grid.seeds.length);
  const accs = [...runs, ...variants.flatMap((p) => p.runs)].map((r) => 100 * r.testAccuracy);
  const x0 = Math.log10(Math.min(...macs) / 1.15), x1 = Math.log10(Math.max(...macs) * 1.15);
  const y0 = accs.length ? Math.floor(Math.min(...accs) - 0.5) : 80, y1 = accs.length ? Math.ceil(Math.max(...accs) + 0.5) : 95;
  const x = (m: number) => L + ((Math.log10(m) - x0) / (x1 - x0)) * (W - L - R);
  const y = (a: number) => T + ((y1 - a) / (y1 - y0)) * (H1 - T - B1);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  const total = doc.grid.configs.length * doc.grid.seeds.length;
  out.push(`<text x="${L}" y="20" font-size="14" font-weight="bold">Scaling a small EfficientNet on Fashion-MNIST, each run trained until it stops improving</text>`);
  out.push(`<text x="${W - R + 12}" y="${T + 14 + 9 * 20}" fill="${NOTE_COLOR}">${runs.length} of ${total} runs (${doc.grid.seeds.length} seeds)${doc.complete ? '' : ': incomplete'}</text>`);
  // Axes: MACs ticks at 1-2-3-5 steps, accuracy every 1, 2 or 5 points.
  for (let e = Math.floor(x0); e <= Math.ceil(x1); e++) {
    for (const m of [1, 2, 3, 5]) {
      const v = m * 10 ** e;
      if (Math.log10(v) < x0 || Math.log10(v) > x1) continue;
      out.push(`<line x1="${f(x(v))}" x2="${f(x(v))}" y1="${T}" y2="${H1 - B1}" stroke="#e6e9ee"/>`);
      out.push(`<text x="${f(x(v))}" y="${H1 - B1 + 16}" text-anchor="middle">${v >= 1e6 ? `${v / 1e6}M` : `${v / 1e3}k`}</text>`);
    }
  }
  const yStep = y1 - y0 > 12 ? 5 : y1 - y0 > 6 ? 2 : 1;
  for (let a = Math.ceil(y0 / yStep) * yStep; a <= y1; a += yStep) {
    out.push(`<line x1="${L}" x2="${W - R}" y1="${f(y(a))}" y2="${f(y(a))}" stroke="#e6e9ee"/>`);
    out.push(`<text x="${L - 6}" y="${f(y(a) + 4)}" text-anchor="end">${a}%</text>`);
  }
  out.push(`<rect x="${L}" y="${T}" width="${W - L - R}" height="${H1 - T - B1}" fill="none" stroke="#888"/>`);
  out.push(`<text x="${(L + W - R) / 2}" y="${H1 - 14}" text-anchor="middle">multiply-adds per image (effnet's plan, log scale)</text>`);
  out.push(`<text transform="translate(16 ${(T + H1 - B1) / 2}) rotate(-90)" text-anchor="middle">test accuracy (10,000 images)</text>`);
  const spread = (p: Summary, color: string, dx = 0) => {
    if (p.runs.length < 2) return;
    const cx = x(p.macs) + dx;
    out.push(`<path d="M${f(cx)},${f(y(p.min))}V${f(y(p.max))}M${f(cx - 4)},${f(y(p.min))}h8M${f(cx - 4)},${f(y(p.max))}h8" stroke="${color}" stroke-width="1.5" fill="none"><title>${p.name}: mean ${p.mean.toFixed(2)}%, ${p.min.toFixed(2)}–${p.max.toFixed(2)}% over ${p.runs.length} seeds</title></path>`);
  };
  const dot = (r: Run, color: string, size: number) =>
    `<circle cx="${f(x(r.macs))}" cy="${f(y(100 * r.testAccuracy))}" r="${size}" fill="${color}" fill-opacity="0.75"><title>${r.name} seed ${r.seed}: ${(100 * r.testAccuracy).toFixed(2)}% after ${r.epochs} epochs</title></circle>`;
  Object.entries(FAMILIES).forEach(([family, { label, color }], i) => {
    const line = [...(base ? [base] : []), ...points.filter((p) => p.family === family).sort((a, b) => a.macs - b.macs)];
    if (line.length > 1) out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${line.map((p) => `${f(x(p.macs))},${f(y(p.mean))}`).join(' ')}"/>`);
    for (const p of points.filter((p) => p.family === family)) spread(p, color);
    for (const r of runs.filter((r) => r.family === family)) out.push(dot(r, color, 2.5));
    const ly = T + 14 + i * 20;
    out.push(`<line x1="${W - R + 12}" x2="${W - R + 32}" y1="${ly - 4}" y2="${ly - 4}" stroke="${color}" stroke-width="2"/><text x="${W - R + 38}" y="${ly}">${label}</text>`);
  });
  const ring = (cx: number, cy: number, color: string, title = '') => `<circle cx="${f(cx)}" cy="${f(cy)}" r="4.5" fill="#fff" stroke="${color}" stroke-width="2">${title}</circle>`;
  for (const p of variants) {
    const color = FAMILIES[p.family]?.color ?? BASE_COLOR;
    spread(p, color, 10); // beside the grid's points at the same multiply-adds
    out.push(ring(x(p.macs) + 10, y(p.mean), color, `<title>${p.name} (ablation): mean ${p.mean.toFixed(2)}%, ${p.min.toFixed(2)}–${p.max.toFixed(2)}%</title>`));
  }
  // One legend entry per variant, naming every configuration it was drawn for.
  let row = 11;
  for (const variant of new Set(variants.map((p) => p.variant))) {
    const of = variants.filter((p) => p.variant === variant);
    const families = new Set(of.map((p) => p.family));
    const color = families.size === 1 ? FAMILIES[of[0]!.family]?.color ?? BASE_COLOR : NOTE_COLOR;
    const seeds = Math.min(...of.map((p) => p.runs.length));
    const ly = T + 14 + row * 20;
    out.push(`${ring(W - R + 22, ly - 4, color)}<text x="${W - R + 38}" y="${ly}">${variant}</text>`);
    const lines = wrap(`(ablation of ${of.map((p) => p.config).join(', ')}; ${seeds}\u00a0seeds${of.length > 1 ? ' each' : ''}: mean and range)`, 27); // \u00a0: '3 seeds' stays on one line
    lines.forEach((line, k) => out.push(`<text x="${W - R + 38}" y="${ly + 16 * (k + 1)}" fill="${NOTE_COLOR}">${line}</text>`));
    row += 1 + Math.ceil((16 * lines.length) / 20);
  }
  if (base) spread(base, BASE_COLOR);
  for (const r of runs.filter((r) => r.family === 'baseline')) out.push(dot(r, BASE_COLOR, 3));
  const ly = T + 14 + 4 * 20;
  out.push(`<circle cx="${W - R + 22}" cy="${ly - 4}" r="3" fill="${BASE_COLOR}"/><text x="${W - R + 38}" y="${ly}">baseline (w, d 0.25; 16 px)</text>`);
  out.push(`<text x="${W - R + 12}" y="${T + 14 + 6 * 20}" fill="${NOTE_COLOR}">dots: single runs; bars: lowest</text>`);
  out.push(`<text x="${W - R + 12}" y="${T + 14 + 7 * 20}" fill="${NOTE_COLOR}">to highest seed; lines: mean</text>`);
  out.push(...curvePanels(doc, L, P, W - 20, PH));
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** Greedy word wrap into lines of at most `width` characters (a word longer than that keeps its own line). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last]!.length + 1 + word.length <= width) lines[last] += ` ${word}`;
    else lines.push(word);
  }
  return lines;
}

/** Learning curves, one panel per budget: the baseline's and each scaled network's runs. */
function curvePanels(doc: ExperimentDoc, left: number, top: number, right: number, height: number): string[] {
  const out: string[] = [];
  const f = (n: number) => n.toFixed(1);
  const budgets = BUDGETS;
  const gap = 16, pw = (right - left - gap * (budgets.length - 1)) / budgets.length;
  const curves = doc.runs.flatMap((r) => r.curve.map((c) => 100 * c.testAccuracy));
  const finals = doc.runs.map((r) => 100 * r.testAccuracy);
  const lo = finals.length ? Math.max(0, Math.floor(Math.min(...finals) - 8)) : 70;
  const hi = curves.length ? Math.ceil(Math.max(...curves)) : 95;
  const rule = doc.recipe.stoppingRule;
  const maxEpoch = Math.max(rule.firstCheckEpoch + rule.lrDrops * rule.stageMinEpochs, ...doc.runs.map((r) => r.epochs));
  out.push(`<text x="${left}" y="${top}" font-weight="bold">Learning curves: test accuracy after each epoch (below ${lo}% drawn on the floor)</text>`);
  budgets.forEach((budget, i) => {
    const px = left + i * (pw + gap), py = top + 14;
    const x = (e: number) => px + (e / maxEpoch) * pw;
    const y = (a: number) => py + ((hi - Math.max(lo, a)) / (hi - lo)) * height;
    out.push(`<rect x="${f(px)}" y="${py}" width="${f(pw)}" height="${height}" fill="none" stroke="#888"/>`);
    for (const a of [lo, Math.round((lo + hi) / 2), hi]) {
      out.push(`<line x1="${f(px)}" x2="${f(px + pw)}" y1="${f(y(a))}" y2="${f(y(a))}" stroke="#e6e9ee"/>`);
      if (i === 0) out.push(`<text x="${f(px - 4)}" y="${f(y(a) + 4)}" text-anchor="end">${a}%</text>`);
    }
    for (const e of [0, Math.round(maxEpoch / 2), maxEpoch]) out.push(`<text x="${f(x(e))}" y="${py + height + 14}" text-anchor="middle">${e}</text>`);
    out.push(`<text x="${f(px + pw / 2)}" y="${py + height + 30}" text-anchor="middle">epoch, ${budget}× the baseline's MACs</text>`);
    for (const r of doc.runs.filter((r) => r.budget === budget || r.family === 'baseline')) {
      const color = r.family === 'baseline' ? BASE_COLOR : FAMILIES[r.family]!.color;
      const pts = r.curve.map((c) => `${f(x(c.epoch))},${f(y(100 * c.testAccuracy))}`);
      out.push(`<polyline fill="none" stroke="${color}" stroke-width="1.2" stroke-opacity="0.8" points="${pts.join(' ')}"><title>${r.name} seed ${r.seed}</title></polyline>`);
    }
  });
  return out;
}

const pct = (a: number) => (100 * a).toFixed(2);

/** docs/scaling.md's results table: one row per configuration of the grid, per-seed accuracies,
 * their mean and range, epochs and CPU minutes per seed; "—" where a seed has not run yet. */
export function markdownTable(doc: ExperimentDoc): string {
  const configs = experimentConfigs();
  const rows = configs.map((c) => {
    const rs = doc.grid.seeds.map((s) => doc.runs.find((r) => r.name === c.name && r.seed === s));
    const done = rs.filter((r): r is Run => !!r);
    const s = done.length ? summarise(done)[0]! : undefined;
    const per = (g: (r: Run) => string) => rs.map((r) => (r ? g(r) : '—')).join(' / ');
    const mean = s ? s.mean.toFixed(2) : '—';
    const range = s && s.runs.length > 1 ? `${s.min.toFixed(2)}–${s.max.toFixed(2)}` : '—';
    return `| ${c.name} | ${c.width} | ${c.depth} | ${c.resolution} | ${c.macs.toLocaleString('en-US')} | ${c.params.toLocaleString('en-US')} | ${per((r) => pct(r.testAccuracy))} | ${mean} | ${range} | ${per((r) => String(r.epochs))} | ${per((r) => `${(r.cpuSeconds / 60).toFixed(0)}${trainedOn(r) === 'CPU' ? '' : ` (${trainedOn(r)})`}`)} |`;
  });
  const seeds = doc.grid.seeds.join(' / ');
  return [`| run | width | depth | resolution | MACs | params | test accuracy % (seed ${seeds}) | mean | min–max | epochs | CPU minutes (device, if not the CPU) |`,
    '|---|---|---|---|---|---|---|---|---|---|---|', ...rows].join('\n');
}

/** The depth ablation's table: each varied configuration's standard runs, then its variants. */
export function ablationTable(doc: ExperimentDoc): string {
  const row = (r: Run, variant: string) => `| ${r.name} | ${variant} | ${JSON.stringify(r.changes ?? {})} | ${r.seed} | ${pct(r.testAccuracy)} | ${pct(r.preciseBnTestAccuracy)} | ${r.epochs} (${r.stoppedBy}) | ${trainedOn(r)} |`;
  const rows = doc.ablation.configs.flatMap((name) => [
    ...doc.runs.filter((r) => r.name === name).sort((a, b) => a.seed - b.seed).map((r) => row(r, 'standard recipe')),
    ...doc.ablations.filter((r) => r.name === name).sort((a, b) => a.seed - b.seed || a.variant!.localeCompare(b.variant!)).map((r) => row(r, r.variant!)),
  ]);
  return ['| run | variant | change | seed | test accuracy % | with recomputed BN statistics % | epochs (stopped by) | device |', '|---|---|---|---|---|---|---|---|', ...rows].join('\n');
}

/** Which differences are larger than the spread: each scaled configuration against the baseline
 * and against the other ways of scaling at its budget, "separated" when the seeds' ranges do not
 * overlap (needs at least two seeds on each side). */
export function comparisons(doc: ExperimentDoc): string[] {
  const points = summarise(doc.runs);
  const base = points.find((p) => p.family === 'baseline');
  const out: string[] = [];
  const verdict = (a: Summary, b: Summary) => {
    const diff = a.mean - b.mean;
    const judged = a.runs.length > 1 && b.runs.length > 1;
    const separated = judged && (a.min > b.max || a.max < b.min);
    return `${a.name} vs ${b.name}: ${diff >= 0 ? '+' : ''}${diff.toFixed(2)} points (${a.runs.length} vs ${b.runs.length} seeds; ${!judged ? 'spread unknown' : separated ? 'ranges do not overlap' : 'within the spread'})`;
  };
  for (const p of points.filter((p) => p.family !== 'baseline').sort((a, b) => a.budget - b.budget)) {
    if (base) out.push(verdict(p, base));
    for (const q of points.filter((q) => q.budget === p.budget && q.family !== 'baseline' && q.name > p.name)) out.push(verdict(p, q));
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [input = 'docs/scaling-experiment.json', output = 'docs/scaling-experiment.svg'] = process.argv.slice(2);
  const doc = JSON.parse(readFileSync(input, 'utf8')) as ExperimentDoc;
  writeFileSync(output, plot(doc));
  console.log(`wrote ${output}\n\n${markdownTable(doc)}\n\n${ablationTable(doc)}\n\n${comparisons(doc).join('\n')}`);
  const epochs = [...doc.runs, ...doc.ablations].flatMap((r) => r.curve);
  const hours = (onGpu: boolean, key: 'seconds' | 'cpuSeconds') =>
    (epochs.filter((c) => !!c.device?.startsWith('GPU') === onGpu).reduce((t, c) => t + c[key], 0) / 3600).toFixed(2);
  console.log(`\n${doc.runs.length} grid runs + ${doc.ablations.length} ablation runs, missing ${doc.missing.length}: ` +
    `CPU epochs ${hours(false, 'cpuSeconds')} CPU hours (${hours(false, 'seconds')} h wall), GPU epochs ${hours(true, 'seconds')} h wall per run summed`);
}
