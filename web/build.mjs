#!/usr/bin/env node
// Builds the static site into web/dist: type-checks web/ (tsconfig without node types), bundles
// the page and its worker with esbuild, copies the HTML/CSS and the default model. Fails if the
// bundle pulls in any node: module, since the page must run on the edge-safe core alone.
// `--no-check` skips the type check (quicker while editing).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const web = dirname(fileURLToPath(import.meta.url));
const root = join(web, '..');
const dist = join(web, 'dist');
export const DEFAULT_MODEL = 'fixtures/models/fashion-effnet.safetensors';

if (!process.argv.includes('--no-check')) {
  try {
    execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(web, 'tsconfig.json')], { stdio: 'inherit' });
  } catch {
    console.error('build:web: type errors in web/ (above)');
    process.exit(1);
  }
}
if (!existsSync(join(root, 'src', 'backends', 'wasm', 'module.generated.ts'))) {
  throw new Error('src/backends/wasm/module.generated.ts is missing: run `npm run build` first');
}

rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, 'models'), { recursive: true });

const result = await build({
  // thread-worker: the wasm backend's threads, started by the page's worker when it is cross-origin isolated
  entryPoints: { main: join(web, 'src', 'main.ts'), worker: join(web, 'src', 'worker.ts'), 'thread-worker': join(root, 'src', 'backends', 'wasm', 'threads', 'worker-web.ts') },
  outdir: dist,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome100', 'firefox110', 'safari16'],
  minify: true,
  sourcemap: true,
  metafile: true,
  logLevel: 'warning',
});

const nodeInputs = Object.keys(result.metafile.inputs).filter((p) => p.startsWith('node:'));
const nodeImports = Object.values(result.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path)).filter((p) => p.startsWith('node:'));
const nodeText = ['main.js', 'worker.js', 'thread-worker.js'].filter((f) => /\bfrom\s*["']node:|import\(\s*["']node:|require\(\s*["']node:/.test(readFileSync(join(dist, f), 'utf8')));
if (nodeInputs.length + nodeImports.length + nodeText.length > 0) {
  throw new Error(`the web bundle imports node: modules (${[...nodeInputs, ...nodeImports, ...nodeText].join(', ')}); the page must use only the edge-safe core`);
}

copyFileSync(join(web, 'index.html'), join(dist, 'index.html'));
copyFileSync(join(web, 'style.css'), join(dist, 'style.css'));
const scalingPlot = join(root, 'docs', 'scaling-experiment.svg'); // the page's scaling-experiment figure
if (existsSync(scalingPlot)) copyFileSync(scalingPlot, join(dist, 'scaling-experiment.svg'));
const model = join(root, DEFAULT_MODEL);
if (existsSync(model)) copyFileSync(model, join(dist, 'models', 'default.safetensors'));
else console.warn(`warning: ${DEFAULT_MODEL} is missing; the page will say it has no default model`);

const kib = (f) => `${(statSync(join(dist, f)).size / 1024).toFixed(0)} KiB`;
console.log(`web/dist: main.js ${kib('main.js')}, worker.js ${kib('worker.js')}${existsSync(model) ? `, default model ${kib('models/default.safetensors')}` : ''}`);
