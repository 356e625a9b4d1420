import { readFile, realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { CheckpointError } from '../weights/source.js';

/** Whether path p lies strictly below dir (both absolute); no file system access. */
export function isInside(dir: string, p: string): boolean {
  const r = relative(dir, p);
  return r !== '' && !r.startsWith('..') && !isAbsolute(r);
}

/**
 * The real path of `rel` under `dir`, refused when it leaves `dir` by `..`, an absolute path or
 * a symbolic link: nothing outside the checkpoint's own folder is read because a manifest said so.
 */
export async function resolveInside(dir: string, rel: string, name: string): Promise<string> {
  const full = resolve(dir, rel);
  if (!isInside(resolve(dir), full)) throw new CheckpointError(`${name}: shard path '${rel}' leaves the model's folder`);
  let real: string;
  try {
    real = await realpath(full);
  } catch (e) {
    throw new CheckpointError(`${name}: shard '${rel}' is missing (${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message})`);
  }
  if (!isInside(await realpath(dir), real)) throw new CheckpointError(`${name}: shard '${rel}' resolves to ${real}, outside the model's folder`);
  return real;
}

/** A file's bytes, or one error line naming it. */
export async function readBytes(path: string, what = path): Promise<Uint8Array> {
  try {
    const b = await readFile(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    throw new CheckpointError(`${what}: ${why}`);
  }
}
