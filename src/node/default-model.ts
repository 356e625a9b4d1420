import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MODEL_FILE } from '../image/classifier.js';

/**
 * The shipped default model's path, found by walking up from this module (src/node under tsx,
 * dist/src/node once built, node_modules/effnet/… once installed), so any working directory works.
 */
export function defaultModelPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++, dir = dirname(dir)) {
    const candidate = join(dir, DEFAULT_MODEL_FILE);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`the default model (${DEFAULT_MODEL_FILE}) is missing from this installation; pass --weights`);
}
