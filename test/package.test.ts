import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The consumer's view: `npm pack`, the tarball installed into an empty project (no dev
// dependencies, no build tools), then the CLI and the README's API example from that copy.

const root = new URL('..', import.meta.url).pathname;
let dir: string;
let files: { path: string; size: number }[];
let tarball: { size: number; unpackedSize: number; entryCount: number };
const sh = (cmd: string, args: string[], cwd = dir) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', timeout: 240_000, env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' } });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'effnet-consumer-'));
  // The build is npm test's first step; --ignore-scripts packs that build as it is.
  const [packed] = JSON.parse(sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], root)) as (typeof tarball & { filename: string; files: typeof files })[];
  ({ files } = packed!);
  tarball = packed!;
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  sh('npm', ['install', '--omit=dev', '--no-package-lock', join(dir, packed!.filename)]);
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the packed package, installed into an empty project', () => {
  it('holds the kernels file, types for every entry, the default model, and no sources, maps or tests', () => {
    const paths = files.map((f) => f.path);
    const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { exports: Record<string, string | { types: string }> };
    expect(paths).toContain('build/effnet.wasm');
    expect(paths).toContain('fixtures/models/fashion-effnet.safetensors');
    for (const entry of Object.values(pkg.exports)) {
      if (typeof entry === 'object') expect(paths).toContain(entry.types.replace(/^\.\//, ''));
      else expect(paths).toContain(entry.replace(/^\.\//, ''));
    }
    expect(paths.filter((p) => /\.map$|^src\/|^test\/|^assembly\/|^scripts\/|^fixtures\/golden/.test(p))).toEqual([]);
    console.log(`tarball: ${(tarball.size / 1e6).toFixed(2)} MB packed, ${(tarball.unpackedSize / 1e6).toFixed(2)} MB unpacked, ${tarball.entryCount} files`);
  });

  it('installs exactly its three runtime dependencies: jpeg-js, ndarray and pngjs', () => {
    const installed = JSON.parse(sh('npm', ['ls', '--all', '--json'])) as { dependencies: Record<string, { dependencies?: Record<string, unknown> }> };
    const effnet = installed.dependencies.effnet!;
    expect(Object.keys(effnet.dependencies ?? {}).sort()).toEqual(['jpeg-js', 'ndarray', 'pngjs']);
  });

  it('npx effnet classify runs the shipped model from the installed copy', () => {
    cpSync(`${root}fixtures/images`, join(dir, 'images'), { recursive: true });
    const out = JSON.parse(sh('npx', ['--no-install', 'effnet', 'classify', 'images/trouser.png', 'images/pullover.jpg', '--json'])) as { file: string; top: { label: string }[] }[];
    expect(out.map((r) => r.top[0]!.label)).toEqual(['Trouser', 'Pullover']);
  });

  it("runs the README's API example against the installed copy", () => {
    mkdirSync(join(dir, 'fixtures'), { recursive: true });
    cpSync(`${root}fixtures/images`, join(dir, 'fixtures/images'), { recursive: true });
    cpSync(`${root}examples/api.mjs`, join(dir, 'api.mjs'));
    const out = sh(process.execPath, ['api.mjs']).trim().split('\n');
    expect(out[0]).toBe('[ 1, 1000 ] 5330564');
    expect(out[2]).toMatch(/^Trouser 0\.9\d\d, /);
  });

  it('exports effnet/effnet.wasm as a file Node can compile', () => {
    const script = "import { readFile } from 'node:fs/promises'; import { fileURLToPath } from 'node:url';" +
      "const m = new WebAssembly.Module(await readFile(fileURLToPath(import.meta.resolve('effnet/effnet.wasm'))));" +
      "console.log(WebAssembly.Module.exports(m).some((e) => e.name === 'pointwise4x8'));";
    expect(sh(process.execPath, ['--input-type=module', '-e', script]).trim()).toBe('true');
  });

  it('exports effnet/effnet-relaxed.wasm, the relaxed-SIMD build, which Node compiles with relaxed SIMD on', () => {
    const script = "import { readFile } from 'node:fs/promises'; import { fileURLToPath } from 'node:url';" +
      "const m = new WebAssembly.Module(await readFile(fileURLToPath(import.meta.resolve('effnet/effnet-relaxed.wasm'))));" +
      "console.log(WebAssembly.Module.exports(m).some((e) => e.name === 'pointwise4x8'));";
    expect(sh(process.execPath, ['--experimental-wasm-relaxed-simd', '--input-type=module', '-e', script]).trim()).toBe('true');
  });
});
