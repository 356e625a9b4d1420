import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { serve } from '../../web/serve.mjs';

// Runs examples/edge/ in each real runtime, from the binaries their npm packages ship
// (Debian's chromium for the browser), and returns what each example printed.

export const root = new URL('../../', import.meta.url).pathname;
const run = promisify(execFile);
const BIN = {
  bun: `${root}node_modules/@oven/bun-linux-x64/bin/bun`,
  deno: `${root}node_modules/@deno/linux-x64-glibc/deno`,
  workerd: `${root}node_modules/@cloudflare/workerd-linux-64/bin/workerd`,
  chromium: process.env.CHROMIUM ?? '/usr/bin/chromium',
};
const MODEL = 'fixtures/models/fashion-effnet.safetensors';
const IMAGE = 'fixtures/images/pullover.jpg';

export interface Prediction { label: string; index: number; probability: number }
export interface EdgeResult { runtime: string; top: Prediction[]; b0: { logits: number[]; medianMs: number | null } }

function need(bin: string): string {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: npm ci installs it (dev dependency), or Debian's chromium for the browser`);
  return bin;
}

async function printed(file: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<EdgeResult> {
  const { stdout } = await run(need(file), args, { cwd: root, timeout: 120_000, env: { ...process.env, ...env }, maxBuffer: 1 << 24 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as EdgeResult;
}

export const node = () => printed(process.execPath, ['examples/edge/node.mjs']);
export const bun = () => printed(BIN.bun, ['examples/edge/bun.ts']);
export async function deno(): Promise<EdgeResult> {
  const denoDir = mkdtempSync(join(tmpdir(), 'effnet-deno-'));
  try {
    return await printed(BIN.deno, ['run', '--allow-read', 'examples/edge/deno.ts'], { DENO_DIR: denoDir, DENO_NO_UPDATE_CHECK: '1' });
  } finally {
    rmSync(denoDir, { recursive: true, force: true });
  }
}

export async function versions(): Promise<Record<string, string>> {
  const first = async (bin: string, args: string[]) => (await run(need(bin), args)).stdout.trim().split('\n')[0]!;
  return {
    node: process.versions.node,
    bun: await first(BIN.bun, ['--version']),
    deno: (await first(BIN.deno, ['--version'])).split(' ')[1]!,
    workerd: (await first(BIN.workerd, ['--version'])).split(' ')[1]!,
    chromium: (await first(BIN.chromium, ['--version'])).replace(/^Chromium /, '').split(' ')[0]!,
  };
}

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => ok(port));
    });
    server.once('error', fail);
  });
}

// Forbids what Workers forbid: probes the error lines a user sees without a precompiled module.
const PROBE = `import { createBackend } from 'effnet';
export default {
  async fetch() {
    const said = async (f) => { try { await f(); return 'ran'; } catch (e) { return String(e.message); } };
    return Response.json({ reference: await said(() => createBackend('reference')), wasmFromBytes: await said(() => createBackend('wasm')) });
  },
};`;

function workerdConfig(port: number, probePort: number): string {
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .main), (name = "probe", worker = .probe) ],
  sockets = [
    (name = "http", address = "127.0.0.1:${port}", http = (), service = "main"),
    (name = "probe", address = "127.0.0.1:${probePort}", http = (), service = "probe"),
  ],
);
const main :Workerd.Worker = (
  modules = [
    (name = "worker.mjs", esModule = embed "worker.mjs"),
    (name = "effnet/effnet.wasm", wasm = embed "effnet.wasm"),
    (name = "fashion-effnet.safetensors", data = embed "fashion-effnet.safetensors"),
    (name = "pullover.jpg", data = embed "pullover.jpg"),
  ],
  compatibilityDate = "2025-01-01",
);
const probe :Workerd.Worker = (
  modules = [ (name = "probe.mjs", esModule = embed "probe.mjs") ],
  compatibilityDate = "2025-01-01",
);
`;
}

// A folder where `effnet` is this checkout, as it is in a user's node_modules: the package does not
// depend on itself, and a file outside it (a temporary entry point) cannot import it by name otherwise.
let installed: string | undefined;
function asInstalled(): string {
  if (!installed) {
    installed = mkdtempSync(join(tmpdir(), 'effnet-installed-'));
    symlinkSync(root.replace(/\/$/, ''), join(installed, 'effnet'), 'dir');
  }
  return installed;
}

export async function bundle(entry: string, outfile: string, options: { external?: string[]; platform: 'neutral' | 'browser' }) {
  await build({
    entryPoints: [entry], outfile, bundle: true, format: 'esm', logLevel: 'silent',
    mainFields: ['module', 'main'], platform: options.platform, external: options.external, nodePaths: [asInstalled(), `${root}node_modules`],
  });
}

async function fetchJson(url: string): Promise<unknown> {
  const response = await fetch(url, { signal: AbortSignal.timeout(60_000) });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${await response.text()}`);
  return response.json();
}

/**
 * examples/edge/worker.mjs bundled as wrangler would, served by workerd on 127.0.0.1 from a
 * generated config; B0 is timed from outside (a Worker's clock stands still while it computes).
 */
export async function workerd(runs = 10): Promise<EdgeResult & { probe: { reference: string; wasmFromBytes: string } }> {
  const dir = mkdtempSync(join(tmpdir(), 'effnet-workerd-'));
  let child: ChildProcess | undefined;
  try {
    await bundle(`${root}examples/edge/worker.mjs`, join(dir, 'worker.mjs'), {
      platform: 'neutral', external: ['effnet/effnet.wasm', './fashion-effnet.safetensors', './pullover.jpg'],
    });
    writeFileSync(join(dir, 'probe.src.mjs'), PROBE);
    await bundle(join(dir, 'probe.src.mjs'), join(dir, 'probe.mjs'), { platform: 'neutral' });
    copyFileSync(`${root}build/effnet.wasm`, join(dir, 'effnet.wasm'));
    copyFileSync(`${root}${MODEL}`, join(dir, 'fashion-effnet.safetensors'));
    copyFileSync(`${root}${IMAGE}`, join(dir, 'pullover.jpg'));
    const [port, probePort] = [await freePort(), await freePort()];
    writeFileSync(join(dir, 'config.capnp'), workerdConfig(port, probePort));
    let log = '';
    child = spawn(need(BIN.workerd), ['serve', join(dir, 'config.capnp')], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d) => (log += d));
    child.stderr!.on('data', (d) => (log += d));
    const base = `http://127.0.0.1:${port}`;
    for (let attempt = 0; ; attempt++) {
      const up = await fetch(`${base}/`, { signal: AbortSignal.timeout(2_000) }).then(() => true, () => false);
      if (up) break;
      if (attempt >= 100 || child.exitCode !== null) throw new Error(`workerd did not start: ${log.slice(0, 2000)}`);
      await new Promise((ok) => setTimeout(ok, 100));
    }
    const probe = (await fetchJson(`http://127.0.0.1:${probePort}/`)) as { reference: string; wasmFromBytes: string };
    const { runtime, top } = (await fetchJson(`${base}/classify`)) as EdgeResult;
    const { logits } = (await fetchJson(`${base}/b0`)) as { logits: number[] };
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      await fetchJson(`${base}/b0`);
      ms.push(performance.now() - start);
    }
    ms.sort((a, b) => a - b);
    return { runtime, top, b0: { logits, medianMs: ms[Math.floor(runs / 2)]! }, probe };
  } finally {
    if (child?.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Debian's chromium, headless. */
export const launchChromium = () =>
  chromium.launch({ executablePath: need(BIN.chromium), args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });

/** examples/edge/browser.html in headless chromium, served from 127.0.0.1. */
export async function browser(): Promise<EdgeResult> {
  const dir = mkdtempSync(join(tmpdir(), 'effnet-browser-'));
  const { server, url } = (await (async () => {
    await bundle(`${root}examples/edge/browser.mjs`, join(dir, 'browser.js'), { platform: 'browser' });
    copyFileSync(`${root}examples/edge/browser.html`, join(dir, 'index.html'));
    copyFileSync(`${root}${MODEL}`, join(dir, 'fashion-effnet.safetensors'));
    copyFileSync(`${root}${IMAGE}`, join(dir, 'pullover.jpg'));
    return serve(dir, 0);
  })()) as { server: import('node:http').Server; url: string };
  const b = await launchChromium();
  try {
    const page = await b.newPage();
    await page.goto(url);
    await page.waitForSelector('body[data-result], body[data-error]', { timeout: 90_000 });
    const error = await page.getAttribute('body', 'data-error');
    if (error) throw new Error(`the browser example failed: ${error}`);
    const result = JSON.parse((await page.getAttribute('body', 'data-result'))!) as EdgeResult;
    return { ...result, runtime: 'chromium' };
  } finally {
    await b.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
