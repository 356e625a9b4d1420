import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Reader } from './cases.js';
import type { Outcome, Result } from './worker.js';

// Runs fuzz cases in child processes, each case under a time limit and a memory ceiling:
// the child reports its own peak (VmHWM, reset before each case) and the runner polls its
// resident size from outside, killing it past the ceiling; a child that dies is a crash, one
// that does not answer in time a hang. Either way a fresh child takes the next case.

export interface FuzzOptions {
  /** 'canary' runs the runner's self-test cases: a hang, a crash, 768 MiB held, an engine message. */
  readers: readonly (Reader | 'canary')[];
  cases: number;
  seed: number;
  workers: number;
  /** Per case, ms (the CLI cases load a model: they get three times as long). */
  timeoutMs: number;
  /** Bytes above the child's own need after warm-up (the wasm module and a tiny model). */
  ceiling: number;
  onProgress?: (done: number, total: number) => void;
  /** Stops handing out cases; the summary then counts the cases run so far. */
  signal?: AbortSignal;
}

export type Verdict = Outcome | 'crash' | 'hang' | 'over-memory';

export interface CaseReport {
  reader: Reader | 'canary';
  index: number;
  verdict: Verdict;
  message: string;
  note: string;
  peakMiB: number;
}

export interface Summary {
  reader: Reader | 'canary';
  cases: number;
  errors: number;
  accepted: number;
  crashes: number;
  hangs: number;
  overMemory: number;
  unclear: number;
  nonfinite: number;
  nondeterministic: number;
  worstPeakMiB: number;
}

const workerFile = new URL('./worker.ts', import.meta.url).pathname;

class Child {
  proc!: ChildProcess;
  baseline = 0;
  cases = 0;
  private dir = mkdtempSync(join(tmpdir(), 'effnet-fuzz-'));

  async start(): Promise<void> {
    this.proc = fork(workerFile, [this.dir], {
      execArgv: ['--import', 'tsx', '--expose-gc', '--max-old-space-size=1536', '--stack-size=2000'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.proc.stderr!.resume();
    const ready = await new Promise<{ rss: number }>((resolve, reject) => {
      this.proc.once('message', (m) => resolve(m as { rss: number }));
      this.proc.once('exit', (code) => reject(new Error(`fuzz worker exited during start (${code})`)));
    });
    this.baseline = ready.rss;
  }

  rss(): number {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.proc.pid}/status`, 'utf8'));
      return m ? Number(m[1]) * 1024 : 0;
    } catch {
      return 0;
    }
  }

  kill(): void {
    this.proc.removeAllListeners();
    this.proc.kill('SIGKILL');
  }

  cleanup(): void {
    this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  run(reader: Reader | 'canary', seed: number, index: number, timeoutMs: number, ceiling: number): Promise<Result & { note: string } | { verdict: 'crash' | 'hang' | 'over-memory'; peak: number }> {
    return new Promise((resolve) => {
      let peak = 0;
      // Until the worker says where the case began, only a runaway far past the ceiling is stopped.
      let start = Number.NaN;
      const finish = (r: Parameters<typeof resolve>[0]) => {
        clearInterval(poll);
        clearTimeout(timer);
        this.proc.removeAllListeners('message');
        this.proc.removeAllListeners('exit');
        resolve(r);
      };
      const poll = setInterval(() => {
        peak = Math.max(peak, this.rss());
        const from = Number.isNaN(start) ? this.baseline + 2 * ceiling : start;
        if (peak - from > ceiling) finish({ verdict: 'over-memory', peak: peak - from + this.baseline });
      }, 20);
      const timer = setTimeout(() => finish({ verdict: 'hang', peak }), timeoutMs);
      this.proc.on('message', (m) => {
        if ('outcome' in (m as object)) finish(m as Result & { note: string });
        else start = (m as { start: number }).start;
      });
      this.proc.once('exit', () => finish({ verdict: 'crash', peak }));
      this.proc.send({ reader, seed, index });
    });
  }
}

export async function fuzz(options: FuzzOptions): Promise<{ summaries: Summary[]; failures: CaseReport[] }> {
  const queue = options.readers.flatMap((reader) => Array.from({ length: options.cases }, (_, index) => ({ reader, index })));
  const total = queue.length;
  const reports: CaseReport[] = [];
  let done = 0;
  options.signal?.addEventListener('abort', () => queue.splice(0));
  const work = async () => {
    let child = new Child();
    await child.start();
    for (let job = queue.shift(); job; job = queue.shift()) {
      const timeout = job.reader === 'cli' ? 3 * options.timeoutMs : options.timeoutMs;
      const r = await child.run(job.reader, options.seed, job.index, timeout, options.ceiling);
      // Measured from where the case began: the worker's own need, and what earlier cases left it.
      const used = 'outcome' in r ? r.peak - r.start : r.peak - child.baseline;
      const over = 'outcome' in r && used > options.ceiling;
      const verdict: Verdict = 'outcome' in r ? (over ? 'over-memory' : r.outcome) : r.verdict;
      reports.push({ reader: job.reader, index: job.index, verdict, message: 'message' in r ? r.message : '', note: 'note' in r ? r.note : '', peakMiB: Math.round(used / 2 ** 20) });
      // A fresh worker after a failure, and every 2,000 cases: what a long-lived worker keeps
      // (wasm memory never shrinks) is not charged to the cases that follow.
      if (!('outcome' in r) || ++child.cases % 2000 === 0) {
        child.cleanup();
        child = new Child();
        await child.start();
      }
      options.onProgress?.(++done, total);
    }
    child.cleanup();
  };
  await Promise.all(Array.from({ length: options.workers }, work));
  const summaries = options.readers.map((reader): Summary => {
    const mine = reports.filter((r) => r.reader === reader);
    const count = (v: Verdict) => mine.filter((r) => r.verdict === v).length;
    return {
      reader, cases: mine.length, errors: count('error'), accepted: count('accepted'), crashes: count('crash'), hangs: count('hang'),
      overMemory: count('over-memory'), unclear: count('unclear'), nonfinite: count('nonfinite'), nondeterministic: count('nondeterministic'),
      worstPeakMiB: Math.max(0, ...mine.map((r) => r.peakMiB)),
    };
  });
  const failures = reports.filter((r) => r.verdict !== 'accepted' && r.verdict !== 'error').sort((a, b) => a.reader.localeCompare(b.reader) || a.index - b.index);
  return { summaries, failures };
}

/** The summary as a Markdown table, as the README shows it. */
export function formatTable(summaries: readonly Summary[]): string {
  const rows = summaries.map((s) => `| ${s.reader} | ${s.cases} | ${s.errors} | ${s.accepted} | ${s.crashes} / ${s.hangs} / ${s.overMemory} | ${s.unclear} | ${s.nonfinite + s.nondeterministic} | ${s.worstPeakMiB} |`);
  return ['| reader | cases | clear errors | accepted | crashes / hangs / over memory | unclear messages | NaN hidden or uninitialised | worst peak above baseline, MiB |', '|---|---:|---:|---:|---:|---:|---:|---:|', ...rows].join('\n');
}
