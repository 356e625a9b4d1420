import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BackendName } from '../backends/backend.js';
import { checkFashion, FASHION_CASE, type FashionResult } from '../node/fashion.js';
import { checkCase, checkoutFixtures, listCases, readCase, type CaseResult } from '../node/golden.js';
import type { WeightMap } from '../weights/weights.js';
import { parse, stringOption, UsageError, type Command } from './command.js';

const usage = `Usage: effnet verify [--backend wasm|reference|webgpu|both] [--case NAME…] [--fixtures DIR] [--json]

From a repository checkout: runs every golden case under fixtures/golden/ (a TF.js or torchvision
model's input and per-layer outputs, with the producer in its manifest.json) and the Fashion-MNIST
check (the shipped model on 1,000 test images against PyTorch's logits and top-1), then prints a
table. A case passes when every layer both sides have is within its tolerance:
max |ours − golden| ≤ tolerance × max |golden|. The tolerance is 1e-4 for CPU goldens; a GPU
golden (tfjs-webgl-*, tfjs-webgpu-*, *-cuda) states in its manifest how far it sits from its
framework's CPU result (column 'golden vs cpu', d) and is held to max(1e-4, 2·d).
Exit code 1 when any check fails.

  --backend B      wasm, reference, webgpu or both (default both: reference and wasm); webgpu
                   runs in Node through the npm package webgpu, in Deno on its own WebGPU
  --case NAME      only these cases (repeat the option or separate with commas); ${FASHION_CASE} is
                   the Fashion-MNIST check
  --fixtures DIR   a folder of golden cases (DIR/<case>/manifest.json) instead of the checkout's
                   fixtures/golden; the Fashion-MNIST check is then left out
  --json           [{case, producer, backend, compared, stored, worstLayer, worstRelative,
                   goldenVsCpu, tolerance, ok, failures, …}] on stdout`;

type Result = { kind: 'golden'; result: CaseResult; seconds: number } | { kind: 'fashion'; result: FashionResult; seconds: number };

export const verify: Command = {
  name: 'verify',
  summary: 'check this engine against the golden outputs of TF.js and torchvision (checkout only)',
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, {
      backend: { type: 'string' },
      case: { type: 'string', multiple: true },
      fixtures: { type: 'string' },
      json: { type: 'boolean' },
    }, usage);
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'\n${usage}`);
    const backendText = stringOption(values, 'backend') ?? 'both';
    if (!['wasm', 'reference', 'webgpu', 'both'].includes(backendText)) throw new UsageError(`--backend must be wasm, reference, webgpu or both, got '${backendText}'`);
    const backends: BackendName[] = backendText === 'both' ? ['reference', 'wasm'] : [backendText as BackendName];

    const { goldenRoot, fixtures } = locate(stringOption(values, 'fixtures'));
    const available = [...listCases(goldenRoot), ...(fixtures && existsSync(join(fixtures, 'fashion', 'test-1000.json')) ? [FASHION_CASE] : [])];
    if (available.length === 0) throw new Error(`${goldenRoot}: no golden cases (no <case>/manifest.json)`);
    const wanted = ((values.case as string[] | undefined) ?? []).flatMap((c) => c.split(',')).map((c) => c.trim()).filter((c) => c !== '');
    for (const c of wanted) {
      if (!available.includes(c)) throw new UsageError(`unknown case '${c}' (${available.length} cases in ${goldenRoot}: ${listCut(available)})`);
    }
    const selected = wanted.length > 0 ? available.filter((c) => wanted.includes(c)) : available;

    const results: Result[] = [];
    const progress = new Progress(selected.length * backends.length);
    for (const name of selected) {
      const golden = name === FASHION_CASE ? undefined : readCase(goldenRoot, name);
      // Seeded weights of the big variants take seconds to draw: drawn once a case, shared by the backends.
      const seeded = new Map<string, WeightMap>();
      for (const backend of backends) {
        progress.start(`${name} on ${backend}`);
        const t0 = performance.now();
        const entry: Result = golden
          ? { kind: 'golden', result: await checkCase(golden, backend, seeded), seconds: 0 }
          : { kind: 'fashion', result: await checkFashion(fixtures!, backend), seconds: 0 };
        entry.seconds = (performance.now() - t0) / 1000;
        results.push(entry);
        progress.done(`${name} on ${backend}: ${entry.result.ok ? 'PASS' : 'FAIL'} (${entry.seconds.toFixed(1)} s)`);
      }
    }
    progress.clear();

    const failed = results.filter((r) => !r.result.ok).length;
    if (values.json) console.log(JSON.stringify(results.map(toJson), null, 2));
    else console.log(formatTable(results));
    if (failed > 0) throw new Error(`${failed} of ${results.length} checks failed`);
  },
};

/** The golden cases' folder and, for a checkout, its fixtures folder (the Fashion-MNIST check's). */
function locate(dir: string | undefined): { goldenRoot: string; fixtures?: string } {
  if (dir !== undefined) {
    if (!isFolder(dir)) throw new UsageError(`--fixtures ${dir}: not a folder`);
    return { goldenRoot: dir };
  }
  const fixtures = checkoutFixtures();
  if (!fixtures) throw new Error('fixtures/golden is missing: verify runs from a repository checkout (the installed package ships no goldens), or pass --fixtures DIR');
  return { goldenRoot: join(fixtures, 'golden'), fixtures };
}

// Error lines are bounded: name the first cases and the Fashion-MNIST check, count the rest.
function listCut(names: string[]): string {
  if (names.length <= 12) return names.join(', ');
  const fashion = names.includes(FASHION_CASE) ? [FASHION_CASE] : [];
  const rest = names.filter((n) => n !== FASHION_CASE);
  return [...rest.slice(0, 8), `… ${rest.length - 8} more`, ...fashion].join(', ');
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function toJson({ kind, result: r, seconds }: Result) {
  const common = { case: r.case, producer: r.producer, backend: r.backend };
  const tail = { tolerance: r.tolerance, ok: r.ok, result: r.ok ? 'PASS' : 'FAIL', failures: r.failures, seconds: Number(seconds.toFixed(2)) };
  if (kind === 'fashion') {
    return { ...common, compared: 1, stored: 1, worstLayer: 'logits', worstRelative: r.relative, images: r.count, agree: r.agree, accuracy: r.accuracy, torchAccuracy: r.torchAccuracy, ...tail };
  }
  return {
    ...common, compared: r.layers.length, stored: r.stored, worstLayer: r.worst?.layer ?? null, worstRelative: r.worst?.relative ?? null, goldenVsCpu: r.spread ?? null,
    layers: r.layers.map((l) => ({ layer: l.layer, relative: l.relative, maxError: l.maxError, maxGolden: l.maxGolden, ok: l.ok })), ...tail,
  };
}

function formatTable(results: Result[]): string {
  const rows = [['case', 'producer', 'backend', 'layers', 'worst layer', 'error / max|golden|', 'golden vs cpu', 'tolerance', 'time', 'result']];
  for (const { kind, result: r, seconds } of results) {
    const worst = kind === 'fashion' ? { layer: 'logits', relative: r.relative } : r.worst;
    rows.push([
      r.case, r.producer, r.backend,
      kind === 'fashion' ? `${r.count} images` : `${r.layers.length}/${r.stored}`,
      worst?.layer ?? '-', worst ? exp(worst.relative) : '-', kind === 'golden' && r.spread !== undefined ? exp(r.spread) : '-',
      Number(r.tolerance.toPrecision(2)).toExponential(), `${seconds.toFixed(1)} s`, r.ok ? 'PASS' : 'FAIL',
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  const rule = '─'.repeat(widths.reduce((a, b) => a + b + 2, -2));
  const notes: string[] = [];
  for (const { kind, result: r } of results) {
    if (kind === 'fashion') {
      notes.push(`${r.case} on ${r.backend}: top-1 as PyTorch's on ${r.agree}/${r.count}, accuracy ${r.accuracy.toFixed(4)} (PyTorch ${r.torchAccuracy.toFixed(4)})`);
    }
    for (const f of r.failures) notes.push(`FAIL ${r.case} on ${r.backend}: ${f}`);
  }
  const passed = results.filter((r) => r.result.ok).length;
  return [line(rows[0]!), rule, ...rows.slice(1).map(line), rule, `${passed} of ${results.length} checks passed`, ...(notes.length ? ['', ...notes] : [])].join('\n');
}

const exp = (v: number) => (Number.isFinite(v) ? v.toExponential(2) : String(v));

/** "[3/22] tfjs-b1-64 on wasm…" on stderr: rewritten in place on a terminal, a line a check otherwise. */
class Progress {
  private n = 0;
  private shown = false;
  private readonly tty = process.stderr.isTTY === true;

  constructor(private readonly total: number) {}

  start(what: string): void {
    this.n++;
    if (!this.tty) return;
    process.stderr.write(`\r[${this.n}/${this.total}] ${what}…\x1b[K`);
    this.shown = true;
  }

  done(line: string): void {
    if (!this.tty) console.error(`[${this.n}/${this.total}] ${line}`);
  }

  clear(): void {
    if (this.shown) process.stderr.write('\r\x1b[K');
    this.shown = false;
  }
}
