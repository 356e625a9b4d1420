import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { serve } from '../web/serve.mjs';
import { effnet } from './run-cli.js';

// The webgpu backend where a user meets it, on this machine's software GPUs: the CLI in Node (Dawn's
// binding, on SwiftShader: src/node/webgpu.ts finds it), `effnet verify` in Deno (its own WebGPU, on
// Mesa's lavapipe), the page in Chromium (SwiftShader, with the flags that turn WebGPU on), and a
// runtime without WebGPU (Bun), which must say so in one line.

const root = new URL('..', import.meta.url).pathname;
const run = promisify(execFile);
const DENO = `${root}node_modules/@deno/linux-x64-glibc/deno`;
const BUN = `${root}node_modules/@oven/bun-linux-x64/bin/bun`;
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const GPU_FLAGS = [
  '--headless', '--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader',
];
/** Golden cases verify checks on Deno's WebGPU in this suite (all of them: `effnet verify --backend webgpu`). */
const DENO_CASES = ['tfjs-b0-224', 'torch-b0-224', 'tfjs-webgpu-b3-64', 'torch-custom-32', 'torch-pth-32'];

describe('the webgpu backend in the runtimes', () => {
  it('Node: effnet classify --backend webgpu prints what the wasm backend prints', async () => {
    const images = `${root}fixtures/images`;
    const gpu = await effnet('classify', images, '--top', '3', '--backend', 'webgpu');
    expect(gpu.code, gpu.stderr).toBe(0);
    const wasm = await effnet('classify', images, '--top', '3');
    expect(gpu.stdout).toBe(wasm.stdout);
  });

  it(`Deno: effnet classify --backend webgpu prints what wasm prints, and verify --backend webgpu passes ${DENO_CASES.join(', ')}, on lavapipe`, async () => {
    const denoDir = mkdtempSync(join(tmpdir(), 'effnet-deno-'));
    try {
      // a run without dumps is one compute pass for every dispatch (verify's dumps start a pass a step)
      const classified = await run(DENO, ['run', '-A', 'bin/effnet.js', 'classify', `${root}fixtures/images`, '--top', '3', '--backend', 'webgpu'], {
        cwd: root, timeout: 120_000, env: { ...process.env, DENO_DIR: denoDir, DENO_NO_UPDATE_CHECK: '1', XDG_RUNTIME_DIR: denoDir },
      });
      expect(classified.stdout).toBe(`${(await effnet('classify', `${root}fixtures/images`, '--top', '3')).stdout}\n`);
      const { stdout, stderr } = await run(DENO, ['run', '-A', 'bin/effnet.js', 'verify', '--backend', 'webgpu', '--case', DENO_CASES.join(','), '--json'], {
        cwd: root, timeout: 300_000, maxBuffer: 1 << 24, env: { ...process.env, DENO_DIR: denoDir, DENO_NO_UPDATE_CHECK: '1', XDG_RUNTIME_DIR: denoDir },
      });
      const rows = JSON.parse(stdout) as { case: string; backend: string; ok: boolean; worstLayer: string; worstRelative: number }[];
      expect(rows.map((r) => r.case).sort()).toEqual([...DENO_CASES].sort());
      for (const r of rows) {
        console.log(`deno webgpu ${r.case}: worst ${r.worstLayer} ${r.worstRelative.toExponential(2)} × max|golden|`);
        expect(r.ok, `${r.case}: ${stderr}`).toBe(true);
        expect(r.backend).toBe('webgpu');
      }
    } finally {
      rmSync(denoDir, { recursive: true, force: true });
    }
  });

  it('Bun: asking for webgpu is one line naming the backends that work there', async () => {
    const script = "import { createBackend } from './src/index.ts'; try { await createBackend('webgpu'); console.log('made'); } catch (e) { console.log(e.message); }";
    const { stdout } = await run(BUN, ['-e', script], { cwd: root, timeout: 60_000 });
    expect(stdout.trim()).toMatch(/^this runtime has no WebGPU \(no navigator\.gpu, and no gpu option given\): use backend 'wasm' \(or 'reference'\), which run everywhere$/);
  });

  it('Chromium: the page runs on WebGPU when the browser has an adapter, and says so', async () => {
    const { execFileSync } = await import('node:child_process');
    execFileSync(process.execPath, [`${root}web/build.mjs`], { cwd: root, stdio: 'pipe' });
    const { server, url } = (await serve(`${root}web/dist`, 0)) as { server: Server; url: string };
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: GPU_FLAGS });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(e.message));
      await page.goto(url);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 120_000 });
      expect(await page.getAttribute('body', 'data-backend'), (await page.textContent('#notice'))!).toBe('webgpu');
      expect(await page.textContent('#backend')).toBe('WebGPU');
      const image = `${root}fixtures/images/ankle-boot-112.png`;
      const [{ top: [expected] }] = JSON.parse((await effnet('classify', image, '--json')).stdout) as { top: { label: string; probability: number }[] }[];
      await page.setInputFiles('input[type=file]#image', image);
      await page.waitForSelector('[data-testid="top1"], #status[data-state="error"]', { timeout: 120_000 });
      expect(await page.getAttribute('#status', 'data-state'), (await page.textContent('#status'))!).toBe('ready');
      const top1 = page.locator('[data-testid="top1"]');
      expect(await top1.textContent()).toBe(expected!.label);
      expect(Number(await top1.getAttribute('data-probability'))).toBeCloseTo(expected!.probability, 4);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
      server.close();
    }
  });
});
