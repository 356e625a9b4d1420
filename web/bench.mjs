#!/usr/bin/env node
// B0-sized latency of the page in Chromium next to Node's, same machine, same API, same seeded
// model (EfficientNet.create({ variant: 'b0', seed: 1 }) at 224×224): the page's ?bench=b0
// against dist/ in this process. Needs `npm run build` and `npm run build:web` first.
//   node web/bench.mjs [runs=5] [--backend wasm|reference]
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from './serve.mjs';

const runs = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 5);
const backend = process.argv.includes('--backend') ? process.argv[process.argv.indexOf('--backend') + 1] : 'wasm';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

async function inChromium() {
  const { server, url } = await serve(fileURLToPath(new URL('./dist/', import.meta.url)), 0);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: FLAGS });
  try {
    const page = await browser.newPage();
    await page.goto(`${url}?bench=b0&runs=${runs}&backend=${backend}`);
    await page.waitForFunction(() => document.querySelector('#bench-result')?.getAttribute('data-median') || document.querySelector('#status[data-state=error]'), null, { timeout: 600_000 });
    const text = await page.textContent('#bench-result');
    if (!text) throw new Error(`the page failed: ${await page.textContent('#status')}`);
    return { version: browser.version(), text, backend: await page.getAttribute('body', 'data-backend') };
  } finally {
    await browser.close();
    server.close();
  }
}

async function inNode() {
  const { EfficientNet, randomInput } = await import('../dist/src/index.js');
  let used = backend;
  let model;
  try {
    model = await EfficientNet.create({ variant: 'b0', seed: 1, backend });
  } catch (e) {
    used = 'reference';
    console.warn(`node: ${backend} backend unavailable (${e.message}); using reference`);
    model = await EfficientNet.create({ variant: 'b0', seed: 1, backend: 'reference' });
  }
  const x = randomInput([1, 224, 224, 3], 42);
  for (let i = 0; i < 3; i++) model.run(x); // as many warm-up runs as the page's worker makes
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    model.run(x);
    times.push(performance.now() - t0);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { version: process.version, backend: used, median, times };
}

const page = await inChromium();
console.log(`Chromium ${page.version}: ${page.text}`);
const node = await inNode();
console.log(`Node ${node.version}: b0 at 224×224 on ${node.backend}: median ${node.median.toFixed(1)} ms over ${runs} runs (${node.times.map((t) => t.toFixed(0)).join(', ')} ms)`);
