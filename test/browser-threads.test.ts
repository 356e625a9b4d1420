import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { serve } from '../web/serve.mjs';
import { bundle, launchChromium, root } from './edge/runtimes.js';

// The wasm backend's threads in headless chromium, on a page bundled by esbuild the way a user
// would (test/edge/threads-page.mjs), with the worker threads' script bundled apart from
// effnet/thread-worker.js and named by BackendOptions.threadWorker.

const ISOLATED = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };
interface Job { crossOriginIsolated: boolean; threads: number; logits: number; identical: boolean }

let dir: string;
let browser: Browser;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'effnet-browser-threads-'));
  await bundle(`${root}test/edge/threads-page.mjs`, join(dir, 'threads-page.js'), { platform: 'browser' });
  writeFileSync(join(dir, 'worker.src.mjs'), "import 'effnet/thread-worker.js';\n");
  await bundle(join(dir, 'worker.src.mjs'), join(dir, 'thread-worker.js'), { platform: 'browser' });
  writeFileSync(join(dir, 'index.html'), '<!doctype html>\n<meta charset="utf-8">\n<script type="module" src="threads-page.js"></script>\n');
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Opens the page served with `headers`; returns what it computed and the warnings it printed. */
async function open(headers: Record<string, string>, query = '') {
  const { server, url } = await serve(dir, 0, headers);
  try {
    const page = await browser.newPage();
    const warnings: string[] = [];
    page.on('console', (m) => void (m.type() === 'warning' && warnings.push(m.text())));
    await page.goto(`${url}${query}`);
    await page.waitForSelector('body[data-result]', { state: 'attached', timeout: 120_000 });
    const result = JSON.parse((await page.getAttribute('body', 'data-result'))!) as { main: Job; worker?: Job; error?: string };
    await page.close();
    if (result.error) throw new Error(`the page failed: ${result.error}`);
    return { ...result, warnings };
  } finally {
    server.close();
  }
}

describe('the wasm backend on threads in chromium', () => {
  it('on a cross-origin-isolated page runs B0 on 2 threads, bit for bit as on 1, on the main thread and in a Web Worker', async () => {
    const { main, worker, warnings } = await open(ISOLATED, '?worker');
    for (const job of [main, worker!]) {
      expect(job).toEqual({ crossOriginIsolated: true, threads: 2, logits: 2000, identical: true });
    }
    expect(warnings).toEqual([]);
  }, 180_000);

  it('on a page that is not isolated runs on one thread and says why in one warning line', async () => {
    const { main, warnings } = await open({});
    expect(main).toEqual({ crossOriginIsolated: false, threads: 1, logits: 2000, identical: true });
    expect(warnings).toEqual([expect.stringMatching(/^effnet: 2 threads asked for, running on one: .*cross-origin isolated/)]);
  }, 180_000);
});
