import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The README's first line, `npm ci && npx effnet classify …`, on a fresh clone. npm exec runs a
// project's own `bin` by linking the project into its npx cache (npm 11: once per checkout; npm 10:
// on every call) and that install runs `prepare`, which must find npm ci's build current instead of
// rebuilding; Node resolves the package's own name through `exports`, so nothing needs a
// self-dependency. Before: a self-dependency ("effnet": "file:") and a `prepare` that always built
// made the first call rebuild the project (28-55 s; on npm 10 every call), and `.npmrc`'s
// onnxruntime-node-install key made npm 11 warn on every call.

const root = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
  name: string; version: string; bin: Record<string, string>; scripts: Record<string, string>;
  devDependencies: Record<string, string>; dependencies: Record<string, string>; allowScripts?: Record<string, boolean>;
};
const env = { ...process.env, npm_config_update_notifier: 'false' };

describe('the first npx call', () => {
  it('the package does not depend on itself', () => {
    expect(pkg.devDependencies.effnet).toBeUndefined();
    expect(pkg.dependencies.effnet).toBeUndefined();
  });

  it('npm is given no configuration it does not know', () => {
    expect(existsSync(`${root}.npmrc`) ? readFileSync(`${root}.npmrc`, 'utf8').trim() : '').toBe('');
    const r = spawnSync('npm', ['config', 'list'], { cwd: root, encoding: 'utf8', env });
    expect(r.stderr).not.toMatch(/npm warn/i);
  });

  it('npx effnet runs the built bin, changes no lockfile, and npm warns of nothing', () => {
    const lock = readFileSync(`${root}package-lock.json`, 'utf8');
    const r = spawnSync('npx', ['--no-install', 'effnet', 'summary', 'b0'], { cwd: root, encoding: 'utf8', env });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/5,330,564/);
    expect(r.stderr).not.toMatch(/npm warn/i);
    expect(readFileSync(`${root}package-lock.json`, 'utf8')).toBe(lock);
  });

  it('the package imports itself by name, through its exports', () => {
    const out = execFileSync('node', ['--input-type=module', '-e', "import('effnet').then((m) => console.log(typeof m.EfficientNet))"], { cwd: root, encoding: 'utf8' });
    expect(out.trim()).toBe('function');
  });

  it('npm 11 finds every install script of the lockfile reviewed in allowScripts (no install-scripts warning)', () => {
    const lock = JSON.parse(readFileSync(`${root}package-lock.json`, 'utf8')) as { packages: Record<string, { hasInstallScript?: boolean }> };
    const scripted = Object.entries(lock.packages).filter(([, p]) => p.hasInstallScript).map(([path]) => path.replace(/^.*node_modules\//, ''));
    expect(scripted.filter((name) => typeof pkg.allowScripts?.[name] !== 'boolean')).toEqual([]);
    // onnxruntime-node's install script downloads CUDA add-ons from outside the registry, and npm 10
    // knows no allowScripts: it must not be in the tree at all (bench/native.mjs installs it on use).
    expect(Object.keys(lock.packages).filter((path) => path.endsWith('node_modules/onnxruntime-node'))).toEqual([]);
  });

  // npm exec runs a project's own bin by installing the project into its npx cache (a link, once per
  // checkout), and that install runs `prepare`. A scratch project with this package's bin and
  // prepare, stub build inputs older than stub outputs and a build that leaves a mark stands in for a
  // fresh clone after `npm ci`; a fresh npm cache makes the call the first one.
  it("the first npx call in a checkout runs prepare, which rebuilds nothing that npm ci built", () => {
    const scratch = mkdtempSync(join(tmpdir(), 'effnet-first-npx-'));
    try {
      const project = join(scratch, 'project');
      const prepare = readFileSync(`${root}scripts/prepare.mjs`, 'utf8');
      const list = (name: string) => [...(new RegExp(`const ${name} = \\[([^\\]]*)\\]`).exec(prepare)?.[1] ?? '').matchAll(/'([^']+)'/g)].map((m) => m[1]!);
      const [inputs, outputs] = [list('INPUTS'), list('OUTPUTS')];
      expect(inputs.length && outputs.length, 'INPUTS and OUTPUTS in scripts/prepare.mjs').toBeTruthy();
      const file = (path: string, text = '') => { mkdirSync(dirname(path), { recursive: true }); writeFileSync(path, text); };
      const old = new Date('2020-01-01T00:00:00Z');
      for (const input of inputs) {
        const path = join(project, input, statSync(`${root}${input}`).isDirectory() ? 'stub' : '');
        file(path);
        utimesSync(path, old, old);
      }
      for (const output of outputs) file(join(project, output));
      file(join(project, 'scripts/prepare.mjs'), prepare);
      for (const bin of Object.values(pkg.bin)) file(join(project, bin), "#!/usr/bin/env node\nconsole.log('effnet stub');\n");
      file(join(project, 'package.json'), JSON.stringify({
        name: pkg.name, version: pkg.version, type: 'module', bin: pkg.bin,
        scripts: { prepare: pkg.scripts.prepare, build: 'echo built > BUILT' },
      }));
      const firstCall = (cache: string) => spawnSync('npx', ['effnet'], {
        cwd: project, encoding: 'utf8', timeout: 60_000,
        env: { ...env, npm_config_cache: join(scratch, cache), npm_config_offline: 'true', npm_config_yes: 'false' },
      });

      const r = firstCall('cache-1');
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/effnet stub/);
      expect(r.stderr).not.toMatch(/npm warn/i);
      expect(existsSync(join(project, 'BUILT')), 'prepare rebuilt a current build').toBe(false);

      // The control: an input newer than the outputs, and the first call does build.
      file(join(project, inputs[0]!, statSync(`${root}${inputs[0]}`).isDirectory() ? 'stub' : ''), 'changed');
      const stale = firstCall('cache-2');
      expect(stale.status, stale.stderr).toBe(0);
      expect(existsSync(join(project, 'BUILT')), 'prepare did not run, or did not build a stale tree').toBe(true);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
