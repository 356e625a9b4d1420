import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
// The package as Node resolves it (dist/src/index.node.js): the core with worker_threads registered.
import { buildPlan, createBackend, EfficientNet, randomInput, randomWeights, type Tensor } from 'effnet';
import { effnet } from './run-cli.js';

const bits = (t: Tensor) => Array.from(t.data);

describe('the wasm backend on threads', () => {
  it('gives every layer bit for bit what one thread gives, at 2 and 3 threads, batch 1 and 5', async () => {
    const plan = buildPlan('b0', { resolution: 64 });
    const weights = randomWeights(plan, 4);
    const one = (await createBackend('wasm')).compile(plan, weights);
    // block2a's expand and depthwise (32 rows) run as one op in strips, a thread's share each; at
    // batch 5, block1a's squeeze-excite (5 × 32² × 32 floats) splits by rows
    expect((one as unknown as { ops: { kind: string }[] }).ops.filter((op) => op.kind === 'expandDepthwise')).toHaveLength(1);
    for (const threads of [2, 3]) {
      const backend = await createBackend('wasm', { threads });
      expect(backend.threads).toBe(threads);
      const many = backend.compile(plan, weights);
      for (const batch of [1, 5]) {
        const x = randomInput([batch, 64, 64, 3], batch);
        const want = new Map<string, number[]>();
        const logits = one.run(x, { dump: (name, t) => want.set(name, bits(t)) });
        let compared = 0;
        const got = many.run(x, {
          dump: (name, t) => {
            expect(bits(t), `${name} at ${threads} threads, batch ${batch}`).toEqual(want.get(name));
            compared++;
          },
        });
        expect(compared).toBe(want.size);
        expect(want.has('block2a_expand_activation')).toBe(true);
        expect(bits(got)).toEqual(bits(logits));
      }
      many.dispose?.();
    }
    one.dispose?.();
  });

  it('splits the few-row GEMMs of the last stages by channels and the rest by rows, alike (B1 @ 96: 3×3 maps)', async () => {
    const plan = buildPlan('b1', { resolution: 96 });
    const weights = randomWeights(plan, 5);
    const x = randomInput([2, 96, 96, 3], 6);
    const a = (await createBackend('wasm')).compile(plan, weights).run(x);
    const b = (await createBackend('wasm', { threads: 2 })).compile(plan, weights).run(x);
    expect(bits(b)).toEqual(bits(a));
  });

  it('takes threads through EfficientNet.create, and refuses a count that is not 1…64 in one line', async () => {
    const model = await EfficientNet.create({ resolution: 32, threads: 2 });
    expect('threads' in model.backend && model.backend.threads).toBe(2);
    model.dispose();
    await expect(createBackend('wasm', { threads: 0 })).rejects.toThrow(/^threads must be an integer from 1 to 64, got 0$/);
    await expect(createBackend('wasm', { threads: 1.5 })).rejects.toThrow(/got 1.5/);
  });

  it('runs on one thread, saying so once, where there is no SharedArrayBuffer', () => {
    const script = `
      delete globalThis.SharedArrayBuffer;
      const { createBackend } = await import('effnet');
      const a = await createBackend('wasm', { threads: 2 });
      const b = await createBackend('wasm', { threads: 2 });
      console.log(a.threads, b.threads);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', cwd: process.cwd() });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('1 1');
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^effnet: 2 threads asked for, running on one: this runtime has no SharedArrayBuffer/)]);
  });

  it('lets the process end: idle workers hold nothing open', () => {
    const script = `
      const { buildPlan, createBackend, randomInput, randomWeights } = await import('effnet');
      const plan = buildPlan('b0', { resolution: 32 });
      const m = (await createBackend('wasm', { threads: 2 })).compile(plan, randomWeights(plan, 1));
      console.log(m.run(randomInput([1, 32, 32, 3], 1)).shape.join('x'));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('1x1000');
  });

  it('--threads on the CLI: bench reports it; classify gives what one thread gives; 0 and 65 are refused', async () => {
    const bench = await effnet('bench', '--resolution', '32', '--runs', '2', '--warmup', '0', '--threads', '2', '--json');
    expect(bench.code, bench.stderr).toBe(0);
    expect(JSON.parse(bench.stdout)).toMatchObject({ threads: 2, backend: 'wasm' });
    const image = 'fixtures/images/ankle-boot-112.png';
    const one = await effnet('classify', image, '--json');
    const two = await effnet('classify', image, '--json', '--threads', '2');
    expect(two.code, two.stderr).toBe(0);
    expect(two.stdout).toBe(one.stdout);
    for (const bad of ['0', '65']) {
      const r = await effnet('classify', image, '--threads', bad);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--threads must be/);
    }
  });
});

describe('threads in Deno and Bun (their worker threads, from the binaries their npm packages ship)', () => {
  const root = new URL('../', import.meta.url).pathname;
  for (const [name, argv] of [
    ['deno', [`${root}node_modules/@deno/linux-x64-glibc/deno`, 'run', '-A', 'test/edge/threads.mjs']],
    ['bun', [`${root}node_modules/@oven/bun-linux-x64/bin/bun`, 'test/edge/threads.mjs']],
  ] as const) {
    it(`${name}: 2 threads, every logit as on one`, () => {
      const r = spawnSync(argv[0], argv.slice(1), { cwd: root, encoding: 'utf8', timeout: 120_000, env: { ...process.env, DENO_NO_UPDATE_CHECK: '1' } });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe('threads 2 identical true');
    });
  }
});
