import { spawnSync } from 'node:child_process';
import { format } from 'node:util';
import { main } from '../src/cli/main.js';

// The two ways tests run the CLI. effnet() calls main() in this process, which is faster and is
// the default. effnetProcess() spawns bin/effnet.js, for what only a real process shows: the bin
// shim and the built dist/, the exit status it sets, the working directory, and what a command
// writes straight to process.stderr (classify's progress line) rather than through console.

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `effnet …argv` in-process: main()'s exit code and what it printed through console.log and
 * console.error (one entry a call, joined by newlines). Usable outside vitest (the fuzz worker).
 */
export async function effnet(...argv: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => void out.push(format(...a));
  console.error = (...a: unknown[]) => void err.push(format(...a));
  try {
    return { code: await main(argv), stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}

const bin = new URL('../bin/effnet.js', import.meta.url).pathname;

/**
 * Runs `node bin/effnet.js …argv` as a child process (the built dist/, so `npx tsc -p .` first)
 * and waits for it. code is the exit status, or -1 when a signal ended it (signal says which).
 */
export function effnetProcess(argv: string[], options: { cwd?: string } = {}): CliResult & { signal: NodeJS.Signals | null } {
  const r = spawnSync(process.execPath, [bin, ...argv], { encoding: 'utf8', cwd: options.cwd, maxBuffer: 64 * 2 ** 20 });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}
