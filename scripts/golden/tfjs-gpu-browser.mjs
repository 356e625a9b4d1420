// Headless Debian chromium driven by playwright-core, on a page this module bundles (esbuild, from
// tfjs-gpu-page.mjs) and serves itself from 127.0.0.1 (WebGPU needs a secure context: a data: URL
// has no navigator.gpu). WebGL2 runs on ANGLE + SwiftShader, WebGPU on SwiftShader's Vulkan.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { serve } from '../../web/serve.mjs';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const FLAGS = [
  '--headless', '--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--enable-unsafe-swiftshader', '--use-angle=swiftshader',
  '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader',
];

/** { page, browserVersion, close() } with globalThis.goldenRun ready on the page. */
export async function openGoldenPage() {
  const dir = mkdtempSync(join(tmpdir(), 'effnet-tfjs-gpu-'));
  await build({
    entryPoints: [new URL('./tfjs-gpu-page.mjs', import.meta.url).pathname],
    bundle: true, format: 'esm', platform: 'browser', target: 'es2020', outfile: join(dir, 'page.js'), logLevel: 'error',
  });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>tfjs gpu goldens</title><body><script type="module" src="page.js"></script></body>\n');
  const { server, url } = await serve(dir, 0);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  const close = async () => {
    await browser.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const page = await browser.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]', { state: 'attached', timeout: 120_000 }).catch(() => {
      throw new Error(`the golden page did not load (${problems.join('; ').slice(0, 300) || 'no page error'})`);
    });
    return { page, browserVersion: browser.version(), problems, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Runs one case on one tfjs backend in the page; outputs decoded to Float32Array. */
export async function runInPage(page, spec) {
  const r = await page.evaluate((s) => globalThis.goldenRun(s), spec);
  const outputs = new Map();
  for (const [name, { shape, data }] of Object.entries(r.outputs)) {
    // A copy: Buffer.from may hand back a slice of its pool at an offset Float32Array cannot take.
    outputs.set(name, { shape, data: new Float32Array(Uint8Array.from(Buffer.from(data, 'base64')).buffer) });
  }
  return { ...r, outputs };
}
