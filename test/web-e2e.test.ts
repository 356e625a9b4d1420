import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { ISOLATION_HEADERS, serve } from '../web/serve.mjs';
import { effnet } from './run-cli.js';

// The static page in a real browser: Debian's chromium, headless, driven by playwright-core,
// on the site web/build.mjs writes, served from 127.0.0.1. One page load serves every check.

const root = new URL('..', import.meta.url).pathname;
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const IMAGE = 'fixtures/images/ankle-boot-112.png';
const SHOT = 'test-output/web-e2e.png';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

async function effnetJson(...args: string[]) {
  const r = await effnet(...args, '--json');
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

interface Session {
  server: Server;
  url: string;
  browser: Browser;
  page: Page;
  requests: string[];
  problems: string[];
}

// Set up by the first test that needs it, not in beforeAll: a missing chromium then fails every
// test with its message, where a failing hook would leave them counted as skipped.
let session: Promise<Session> | undefined;
const open = () => (session ??= start());

async function start(): Promise<Session> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: the browser test needs Debian's chromium (apt-get install -y chromium, as .ci/run does), or CHROMIUM=/path/to/chrome`);
  }
  execFileSync(process.execPath, [`${root}web/build.mjs`], { cwd: root, stdio: 'pipe' });
  const { server, url } = await serve(`${root}web/dist`, 0);
  // playwright-core gives each launch a fresh temporary profile (its own --user-data-dir).
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const requests: string[] = [];
  const problems: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
  return { server, url, browser, page, requests, problems };
}

afterAll(async () => {
  const s = await session?.catch(() => undefined);
  await s?.browser.close();
  s?.server.close();
});

describe('the web page in chromium', () => {
  it('shows the params and MACs of `effnet summary phi=X --json` after the φ slider moves', async () => {
    const { page } = await open();
    await page.focus('#phi');
    for (let i = 0; i < 15; i++) await page.keyboard.press('ArrowRight');
    const phi = await page.inputValue('#phi');
    expect(phi).toBe('1.5');
    const expected = await effnetJson('summary', `phi=${phi}`);
    await expect.poll(() => page.getAttribute('[data-testid="params"]', 'data-value')).toBe(String(expected.params));
    expect(await page.textContent('[data-testid="params"]')).toBe(expected.params.toLocaleString('en-US'));
    expect(await page.getAttribute('[data-testid="macs"]', 'data-value')).toBe(String(expected.macs));
    expect(await page.textContent('[data-testid="blocks"]')).toBe(String(expected.blocks));
  });

  it('classifies a fixture image in its worker with the top-1 label `effnet classify` prints', async () => {
    const { page } = await open();
    const [{ top: [expected] }] = (await effnetJson('classify', `${root}${IMAGE}`)) as { top: { label: string; probability: number }[] }[];
    await page.setInputFiles('input[type=file]#image', `${root}${IMAGE}`);
    await page.waitForSelector('[data-testid="top1"], #status[data-state="error"]', { timeout: 60_000 });
    expect(await page.getAttribute('#status', 'data-state'), (await page.textContent('#status'))!).toBe('ready');
    expect(await page.getAttribute('body', 'data-backend'), (await page.textContent('#notice'))!).toBe('wasm');
    const top1 = page.locator('[data-testid="top1"]');
    expect(await top1.textContent()).toBe(expected!.label);
    // A PNG decodes to the same pixels in pngjs and in the browser, and pipeline and kernels are
    // the same code: the same probability, not just the same class.
    expect(Number(await top1.getAttribute('data-probability'))).toBeCloseTo(expected!.probability, 5);
    expect(await page.textContent('#latency')).toMatch(/inference \d+\.\d+ ms \(median of \d+ runs?\)/);
    expect(await page.locator('#stage-times .bar-row').count()).toBeGreaterThanOrEqual(9);

    mkdirSync(`${root}test-output`, { recursive: true });
    await page.screenshot({ path: `${root}${SHOT}`, fullPage: true });
    // UPDATE_SCREENSHOT=1 refreshes the README's picture (docs/web-screenshot.png) from this run.
    if (process.env.UPDATE_SCREENSHOT) copyFileSync(`${root}${SHOT}`, `${root}docs/web-screenshot.png`);
  });

  it('runs from its own origin only, without cross-origin isolation (no SharedArrayBuffer) and without page errors', async () => {
    const { page, url, requests, problems } = await open();
    const origin = new URL(url).origin;
    expect(requests.filter((r) => !r.startsWith(origin) && !r.startsWith('blob:') && !r.startsWith('data:'))).toEqual([]);
    expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(false);
    expect(await page.getAttribute('body', 'data-threads')).toBe('1');
    expect(problems).toEqual([]);
  });

  it('served cross-origin isolated (npm run web -- --isolated), runs wasm on a thread per core and classifies alike', async () => {
    const { browser, page: plain } = await open();
    const top1 = async (page: Page) => {
      await page.setInputFiles('input[type=file]#image', `${root}${IMAGE}`);
      await page.waitForSelector('[data-testid="top1"], #status[data-state="error"]', { timeout: 60_000 });
      const t = page.locator('[data-testid="top1"]');
      return { label: await t.textContent(), probability: await t.getAttribute('data-probability') };
    };
    const want = await top1(plain);
    const { server, url } = await serve(`${root}web/dist`, 0, ISOLATION_HEADERS);
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    try {
      await page.goto(url);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
      expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
      expect(await page.getAttribute('body', 'data-backend'), (await page.textContent('#notice'))!).toBe('wasm');
      const cores = await page.evaluate(() => navigator.hardwareConcurrency);
      expect(await page.getAttribute('body', 'data-threads')).toBe(String(Math.min(4, cores)));
      expect(await page.textContent('#backend')).toContain(cores > 1 ? 'threads' : 'WASM SIMD');
      // threads are bit for bit one thread: the same probability to the last digit
      expect(await top1(page)).toEqual(want);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
      server.close();
    }
  }, 120_000);
});
