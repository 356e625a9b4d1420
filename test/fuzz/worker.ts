import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Classifier } from '../../src/image/classifier.js';
import { EfficientNet } from '../../src/efficientnet.js';
import { isEngineMessage } from '../../src/limits.js';
import { decodeImage } from '../../src/node/decode.js';
import { readCheckpointFile } from '../../src/node/checkpoint.js';
import { readNpy } from '../../src/tensor/npy.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { effnet } from '../run-cli.js';
import { makeCase, type CaseFile, type Reader } from './cases.js';

// A child process of the fuzz runner: it runs the cases it is sent, one at a time, and answers
// with the outcome and its own peak memory. A crash, a hang or a runaway allocation is seen by
// the runner, which watches this process from outside.

export type Outcome = 'accepted' | 'error' | 'unclear' | 'nonfinite' | 'nondeterministic';

export interface Result {
  outcome: Outcome;
  message: string;
  /** Peak resident memory during the case, bytes (VmHWM after resetting it). */
  peak: number;
  /** Resident memory when the case began, after a full garbage collection. */
  start: number;
}

const MAX_LINE = 540;
const dir = process.argv[2]!;
const CASE_DIR = join(dir, 'case');

/** Whether an error line keeps the promise: one line, bounded, escaped, names the input, no engine text. */
function clear(line: string, names: string[]): boolean {
  // eslint-disable-next-line no-control-regex
  return line.length > 0 && line.length <= MAX_LINE && !/[\x00-\x1f\x7f]/.test(line) && !isEngineMessage(line) && names.some((n) => line.includes(n));
}

function writeFiles(files: Record<string, CaseFile>): void {
  rmSync(CASE_DIR, { recursive: true, force: true });
  mkdirSync(CASE_DIR, { recursive: true });
  for (const [name, f] of Object.entries(files)) {
    const path = join(CASE_DIR, name);
    if (f instanceof Uint8Array) writeFileSync(path, f);
    else if ('fifo' in f) execFileSync('mkfifo', [path]);
    else if ('symlink' in f) symlinkSync(f.symlink, path);
    else mkdirSync(path);
  }
}

const FIXED_IMAGE = { width: 28, height: 28, data: new Uint8Array(28 * 28 * 3).map((_, i) => (i * 7) & 255) };
let tiny: EfficientNet | undefined;

/** The model's logits are checked apart from classify's verdict: a NaN must never look like an answer. */
function hidesNonFinite(classifier: Classifier): boolean {
  const logits = classifier.model.run(classifier.preprocess([FIXED_IMAGE])) as Tensor;
  if (logits.data.every((v) => Number.isFinite(v))) return false;
  try {
    classifier.classify([FIXED_IMAGE], { top: 3 });
    return true;
  } catch {
    return false;
  }
}

// Single-file readers take the bytes as generated (the file system part is the CLI's and the
// TF.js folder's to test), which keeps a case to a few milliseconds.
async function runReader(reader: Reader, files: Record<string, CaseFile>): Promise<Omit<Result, 'peak' | 'start'>> {
  const name = Object.keys(files).find((f) => /^(case\.|model\.json)/.test(f))!;
  const path = join(CASE_DIR, name);
  const bytes = files[name] as Uint8Array;
  try {
    if (reader === 'safetensors' || reader === 'tfjs') {
      const checkpoint = reader === 'tfjs' ? await readCheckpointFile(path) : { format: 'safetensors' as const, bytes, name: path };
      const classifier = await Classifier.load(checkpoint, { backend: 'wasm' });
      const bad = hidesNonFinite(classifier);
      classifier.model.dispose();
      return { outcome: bad ? 'nonfinite' : 'accepted', message: '' };
    }
    if (reader === 'npy') {
      const x = readNpy(bytes, path);
      if (x.rank === 4 && x.shape[3] === 3 && x.shape[1] === x.shape[2] && x.shape[1]! <= 32 && x.shape[0]! <= 4 && x.shape[0]! > 0) {
        tiny ??= await EfficientNet.create({ variant: { name: 'tiny', width: 0.25, depth: 0.25, resolution: 16, dropout: 0 }, numClasses: 10, backend: 'wasm' });
        const y = tiny.run(x) as Tensor;
        const nanIn = x.data.some((v) => !Number.isFinite(v));
        if (nanIn && y.data.every((v) => Number.isFinite(v))) return { outcome: 'nonfinite', message: 'non-finite input gave finite logits' };
      }
      return { outcome: 'accepted', message: '' };
    }
    const a = decodeImage(bytes, path);
    for (let i = 0; i < 8; i++) Buffer.allocUnsafe(1 << 16).fill(0xa5);
    const b = decodeImage(bytes, path);
    if (a.data.length !== a.width * a.height * 3 || Buffer.compare(Buffer.from(a.data), Buffer.from(b.data)) !== 0) return { outcome: 'nondeterministic', message: 'two decodes differ' };
    return { outcome: 'accepted', message: '' };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return { outcome: clear(message, [path, CASE_DIR]) ? 'error' : 'unclear', message: message.slice(0, 500) };
  }
}

async function runCli(argv: string[]): Promise<Omit<Result, 'peak' | 'start'>> {
  const { code, stdout, stderr } = await effnet(...argv.map((a) => a.replace(/^@/, CASE_DIR)));
  const lines = stderr.split('\n').filter((l) => l.length > 0);
  // A usage error prints the command's usage after its line; that text is ours.
  const first = lines[0] ?? '';
  // eslint-disable-next-line no-control-regex
  const dirty = [stdout, ...lines].some((l) => /[\x00-\x08\x0b-\x1f\x7f]/.test(l)) || lines.some((l) => isEngineMessage(l));
  if (code === 0) return { outcome: dirty ? 'unclear' : 'accepted', message: '' };
  const ok = !dirty && first.startsWith('effnet') && first.length <= MAX_LINE;
  return { outcome: ok ? 'error' : 'unclear', message: first.slice(0, 500) };
}

function resetPeak(): void {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    // not Linux: the runner's polling is the only memory watch
  }
}

function peak(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : process.memoryUsage().rss;
  } catch {
    return process.memoryUsage().rss;
  }
}

// The runner's own test: cases that hang, crash, run away with memory or print an engine message.
const held: Uint8Array[] = [];
async function canary(index: number): Promise<Omit<Result, 'peak' | 'start'>> {
  if (index === 0) await new Promise(() => undefined);
  if (index === 1) process.abort();
  if (index === 2) for (let i = 0; i < 12; i++) held.push(new Uint8Array(64 * 2 ** 20).fill(1));
  return { outcome: 'unclear', message: 'WebAssembly.Memory.grow(): Unable to grow instance memory' };
}

// Garbage from earlier cases is collected first, so that a case is measured against what the
// process holds when it begins (the runner polls against the same number).
function begin(): number {
  (globalThis as { gc?: () => void }).gc?.();
  resetPeak();
  const start = process.memoryUsage().rss;
  process.send!({ start });
  return start;
}

process.on('message', async (msg: { reader: Reader | 'canary'; seed: number; index: number }) => {
  if (msg.reader === 'canary') {
    const start = begin();
    return process.send!({ ...(await canary(msg.index)), start, peak: peak(), note: 'canary' });
  }
  const c = makeCase(msg.reader, msg.seed, msg.index);
  if (msg.reader === 'cli' || msg.reader === 'tfjs') writeFiles(c.files);
  const start = begin();
  const result = msg.reader === 'cli' ? await runCli(c.argv!) : await runReader(msg.reader, c.files);
  process.send!({ ...result, start, peak: peak(), note: c.note });
});

// Warm up what every case shares (the wasm module, the tiny checkpoint), then say how much that took.
await Classifier.load({ format: 'safetensors', bytes: (await import('./cases.js')).tinySafetensors() }, { backend: 'wasm' }).then((c) => c.model.dispose());
process.send!({ ready: true, rss: process.memoryUsage().rss });
