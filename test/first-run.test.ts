import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// The README's first line, `npm ci && npx effnet classify …`, on a fresh clone: npx finds the
// package's own bin (npm exec resolves the project's `bin`, and Node its own name through `exports`),
// so nothing is installed or rebuilt on the first call, and npm has nothing to warn about. A
// self-dependency ("effnet": "file:") made npx reinstall and rebuild the project on the first call
// (25 s here), and `.npmrc`'s onnxruntime-node-install key made npm 11 warn on every call.

const root = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { devDependencies: Record<string, string>; dependencies: Record<string, string> };
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

  it('npx effnet runs the built bin without installing anything, and npm warns of nothing', () => {
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
});
