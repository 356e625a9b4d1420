#!/usr/bin/env node
// npm's `prepare`: the build (asc + tsc), skipped when every output is newer than every input.
// npm runs `prepare` again whenever it installs this folder as a package: `npx effnet` does, into
// its cache, the first time it is called in a checkout (npm exec links the project's own bin that
// way). The build `npm ci` just made is then current, so that call costs a file walk, not a rebuild.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const INPUTS = ['src', 'assembly', 'scripts/build-wasm.mjs', 'tsconfig.json', 'asconfig.json', 'package-lock.json'];
const OUTPUTS = ['build/effnet.wasm', 'build/effnet-relaxed.wasm', 'src/backends/wasm/module.generated.ts', 'dist/src/index.js', 'dist/src/cli/main.js'];

/** Newest modification time under `path` (files only; the generated module is an output). */
function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return path.endsWith('module.generated.ts') ? 0 : s.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const current = OUTPUTS.every((o) => existsSync(join(root, o))) &&
  Math.min(...OUTPUTS.map((o) => statSync(join(root, o)).mtimeMs)) >= Math.max(...INPUTS.map((i) => newest(join(root, i))));
if (current) {
  console.log('effnet: the build is current (dist/, build/); npm run build rebuilds');
} else {
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
}
