// Draws docs/scaling-experiment.svg from docs/scaling-experiment.json: Fashion-MNIST test
// accuracy against multiply-adds (log scale), one line per way of scaling, each starting at the
// shared baseline; dots are single runs, lines join the mean over seeds. Plain SVG, no library.
// Usage: npx tsx scripts/train/scaling_plot.ts [in.json] [out.svg]   (also prints the README's table)
import { readFileSync, writeFileSync } from 'node:fs';

interface Run {
  name: string;
  family: string;
  budget: number;
  macs: number;
  testAccuracy: number;
  seed: number;
}

const FAMILIES: Record<string, { label: string; color: string }> = {
  width: { label: 'width only (w)', color: '#2f6fdf' },
  depth: { label: 'depth only (d)', color: '#d9822b' },
  resolution: { label: 'resolution only (r)', color: '#3a9d5d' },
  compound: { label: "compound (paper's α, β, γ)", color: '#c23b4a' },
};

export function plot(doc: { runs: Run[]; recipe?: { epochs: number; trainImages: number } }): string {
  const W = 680, H = 400, L = 64, R = 215, T = 36, B = 52;
  const runs = doc.runs;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const byName = new Map<string, Run[]>();
  for (const r of runs) byName.set(r.name, [...(byName.get(r.name) ?? []), r]);
  const points = [...byName.values()].map((rs) => ({ ...rs[0]!, acc: mean(rs.map((r) => r.testAccuracy)), n: rs.length }));
  const base = points.find((p) => p.family === 'baseline');

  const macs = runs.map((r) => r.macs);
  const accs = runs.map((r) => 100 * r.testAccuracy);
  const x0 = Math.log10(Math.min(...macs) / 1.15), x1 = Math.log10(Math.max(...macs) * 1.15);
  const y0 = Math.floor(Math.min(...accs) - 1), y1 = Math.ceil(Math.max(...accs) + 1);
  const x = (m: number) => L + ((Math.log10(m) - x0) / (x1 - x0)) * (W - L - R);
  const y = (a: number) => T + ((y1 - 100 * a) / (y1 - y0)) * (H - T - B);
  const f = (n: number) => n.toFixed(1);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  const recipe = doc.recipe ? ` (${doc.recipe.epochs} epochs on ${doc.recipe.trainImages.toLocaleString('en-US')} images, CPU)` : '';
  out.push(`<text x="${L}" y="20" font-size="14" font-weight="bold">Scaling a small EfficientNet on Fashion-MNIST${recipe}</text>`);
  // Axes: MACs ticks at 1-2-5 steps, accuracy every 1 or 2 points.
  for (let e = Math.floor(x0); e <= Math.ceil(x1); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (Math.log10(v) < x0 || Math.log10(v) > x1) continue;
      out.push(`<line x1="${f(x(v))}" x2="${f(x(v))}" y1="${T}" y2="${H - B}" stroke="#e6e9ee"/>`);
      out.push(`<text x="${f(x(v))}" y="${H - B + 16}" text-anchor="middle">${v >= 1e6 ? `${v / 1e6}M` : `${v / 1e3}k`}</text>`);
    }
  }
  const yStep = y1 - y0 > 12 ? 5 : y1 - y0 > 6 ? 2 : 1;
  for (let a = Math.ceil(y0 / yStep) * yStep; a <= y1; a += yStep) {
    out.push(`<line x1="${L}" x2="${W - R}" y1="${f(y(a / 100))}" y2="${f(y(a / 100))}" stroke="#e6e9ee"/>`);
    out.push(`<text x="${L - 6}" y="${f(y(a / 100) + 4)}" text-anchor="end">${a}%</text>`);
  }
  out.push(`<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="#888"/>`);
  out.push(`<text x="${(L + W - R) / 2}" y="${H - 14}" text-anchor="middle">multiply-adds per image (effnet's plan, log scale)</text>`);
  out.push(`<text transform="translate(16 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">test accuracy (10,000 images)</text>`);
  Object.entries(FAMILIES).forEach(([family, { label, color }], i) => {
    const line = [...(base ? [base] : []), ...points.filter((p) => p.family === family).sort((a, b) => a.macs - b.macs)];
    if (line.length > 1) out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${line.map((p) => `${f(x(p.macs))},${f(y(p.acc))}`).join(' ')}"/>`);
    for (const r of runs.filter((r) => r.family === family)) out.push(`<circle cx="${f(x(r.macs))}" cy="${f(y(r.testAccuracy))}" r="3" fill="${color}"><title>${r.name} seed ${r.seed}: ${(100 * r.testAccuracy).toFixed(2)}%</title></circle>`);
    const ly = T + 14 + i * 20;
    out.push(`<line x1="${W - R + 12}" x2="${W - R + 32}" y1="${ly - 4}" y2="${ly - 4}" stroke="${color}" stroke-width="2"/><text x="${W - R + 38}" y="${ly}">${label}</text>`);
  });
  if (base) {
    for (const r of runs.filter((r) => r.family === 'baseline')) out.push(`<circle cx="${f(x(r.macs))}" cy="${f(y(r.testAccuracy))}" r="4" fill="#1d2330"><title>baseline seed ${r.seed}: ${(100 * r.testAccuracy).toFixed(2)}%</title></circle>`);
    const ly = T + 14 + 4 * 20;
    out.push(`<circle cx="${W - R + 22}" cy="${ly - 4}" r="4" fill="#1d2330"/><text x="${W - R + 38}" y="${ly}">baseline (w, d 0.25; 16 px)</text>`);
  }
  const seeds = new Set(runs.map((r) => r.seed)).size;
  out.push(`<text x="${W - R + 12}" y="${T + 14 + 6 * 20}" fill="#5d6675">dots: single runs; lines:</text>`);
  out.push(`<text x="${W - R + 12}" y="${T + 14 + 7 * 20}" fill="#5d6675">mean over ${seeds === 1 ? 'the one seed' : `up to ${seeds} seeds`}</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** The README's results table: one row per configuration, accuracy per seed and their mean. */
export function markdownTable(doc: { runs: (Run & { width: number; depth: number; resolution: number; params: number; seconds: number })[] }): string {
  const names = [...new Set(doc.runs.map((r) => r.name))];
  const rows = names.map((name) => {
    const rs = doc.runs.filter((r) => r.name === name).sort((a, b) => a.seed - b.seed);
    const r = rs[0]!;
    const accs = rs.map((x) => (100 * x.testAccuracy).toFixed(2)).join(' / ');
    const mean = (100 * rs.reduce((a, x) => a + x.testAccuracy, 0)) / rs.length;
    return `| ${name} | ${r.width} | ${r.depth} | ${r.resolution} | ${r.macs.toLocaleString('en-US')} | ${r.params.toLocaleString('en-US')} | ${accs} | ${mean.toFixed(2)} | ${rs.map((x) => Math.round(x.seconds)).join(' / ')} |`;
  });
  return ['| run | width | depth | resolution | MACs | params | test accuracy % (per seed) | mean | seconds |', '|---|---|---|---|---|---|---|---|---|', ...rows].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [input = 'docs/scaling-experiment.json', output = 'docs/scaling-experiment.svg'] = process.argv.slice(2);
  const doc = JSON.parse(readFileSync(input, 'utf8'));
  writeFileSync(output, plot(doc));
  console.log(`wrote ${output}\n\n${markdownTable(doc)}`);
}
