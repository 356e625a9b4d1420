import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { buildPlan } from '../src/model/plan.js';
import { serve } from '../web/serve.mjs';
import { effnet } from './run-cli.js';

// The page's grid-search view in Debian's chromium (as test/web-e2e.test.ts drives it) against
// `effnet scaling --grid --json`, and both against the plan's MACs.

const root = new URL('..', import.meta.url).pathname;
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let browser: Browser | undefined;
let server: Server | undefined;
afterAll(async () => {
  await browser?.close();
  server?.close();
});

describe('the page\'s grid-search view', () => {
  it('shows the table `effnet scaling --grid` prints, row for row, with the plan\'s MACs', async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: the browser test needs Debian's chromium, or CHROMIUM=/path/to/chrome`);
    execFileSync(process.execPath, [`${root}web/build.mjs`, '--no-check'], { cwd: root, stdio: 'pipe' });
    const site = await serve(`${root}web/dist`, 0);
    server = site.server;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(site.url);
    await page.click('#grid summary');
    await page.waitForSelector('#grid[data-ready="true"]', { timeout: 30_000 });
    const cells = await page.$$eval('#grid-table tr', (trs) => trs.map((tr) => Array.from(tr.children, (c) => c.textContent ?? '')));

    const r = await effnet('scaling', '--grid', '--json');
    const cli = JSON.parse(r.stdout) as { table: { header: string[]; rows: string[][] }; candidates: { alpha: number; beta: number; gamma: number; macs: number }[] };
    expect(cells).toEqual([cli.table.header, ...cli.table.rows]);
    // The MACs column is the plan's count for (d = α, w = β, r = 224·γ rounded to 8).
    const macsColumn = cli.table.header.indexOf('MACs');
    cli.candidates.forEach((c, i) => {
      const plan = buildPlan({ name: 'check', width: c.beta, depth: c.alpha, resolution: Math.round((224 * c.gamma) / 8) * 8, dropout: 0.2 });
      expect(cells[i + 1]![macsColumn]).toBe(plan.macs.toLocaleString('en-US'));
    });
    expect(await page.textContent('#grid-why')).toContain('Why φ = 2 costs 4.69× B0');
    expect(problems).toEqual([]);
  }, 120_000);
});
