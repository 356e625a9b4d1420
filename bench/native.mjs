// onnxruntime-node, the native peer of `npm run bench`, installed on first use into bench/.native
// rather than as a dev dependency: its install script downloads CUDA add-ons, which fails offline
// and which no setting can skip on every npm without a warning. `--ignore-scripts` skips it here;
// the CPU binary the benchmark uses ships inside the package. Only the npm registry is reached.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const ORT_NODE = 'onnxruntime-node@1.30.0';
const folder = fileURLToPath(new URL('./.native/', import.meta.url));

/** Installs the native peer unless it is there; the folder it lives in. */
export function ensureNative() {
  if (!existsSync(`${folder}node_modules/onnxruntime-node/package.json`)) {
    console.error(`bench: installing ${ORT_NODE} into bench/.native (once; its download script skipped)`);
    execFileSync('npm', ['install', '--prefix', folder, '--no-save', '--no-package-lock', '--ignore-scripts', '--no-audit', '--no-fund', ORT_NODE], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return folder;
}

/** `require` resolving from bench/.native, where onnxruntime-node is. */
export const nativeRequire = () => createRequire(`${folder}package.json`);

if (process.argv[1] === fileURLToPath(import.meta.url)) ensureNative();
