import { constants } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import { limits } from '../limits.js';
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

/** A file's bytes, or one error line naming it (see readRegularFile). */
export async function readBytes(path: string, what = path, maxBytes = limits().maxCheckpointBytes, limit = 'maxCheckpointBytes'): Promise<Uint8Array> {
  return readRegularFile(path, { what, maxBytes, limit, error: (w, problem) => new CheckpointError(`${w}: ${problem}`) });
}

export interface ReadOptions {
  /** How the file is named in errors (default: its path). */
  what?: string;
  maxBytes: number;
  /** The name of the limit maxBytes comes from, for the error. */
  limit: string;
  /** The error to throw for `what` (default: an Error `what: problem`). */
  error?: (what: string, problem: string) => Error;
  /** What the file should be, in 'is a directory, not a…' (default 'file'). */
  noun?: string;
}

/**
 * The bytes of a regular file, read only after stat says it is one (a symbolic link is followed
 * first): a FIFO would block forever and /dev/zero never ends. Its size is checked against
 * maxBytes before a byte is read; it is opened non-blocking and checked again, so a file
 * swapped for a FIFO in between cannot hang the read.
 */
export async function readRegularFile(path: string, options: ReadOptions): Promise<Uint8Array> {
  const what = options.what ?? path;
  const fail = options.error ?? ((w: string, problem: string) => new Error(`${w}: ${problem}`));
  const error = (m: string) => fail(what, m);
  const info = await stat(path).catch((e: NodeJS.ErrnoException) => {
    throw error(`${errnoText(e)}`);
  });
  checkRegular(info, options, error);
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK).catch((e: NodeJS.ErrnoException) => {
    throw error(`${errnoText(e)}`);
  });
  try {
    const opened = await handle.stat();
    checkRegular(opened, options, error);
    const out = new Uint8Array(opened.size);
    let at = 0;
    while (at < out.length) {
      const { bytesRead } = await handle.read(out, at, out.length - at, at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    return at === out.length ? out : out.subarray(0, at);
  } catch (e) {
    if (e instanceof Error && !('code' in e)) throw e;
    throw error(`${errnoText(e as NodeJS.ErrnoException)}`);
  } finally {
    await handle.close();
  }
}

function checkRegular(info: { isFile(): boolean; isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean; size: number }, options: ReadOptions, error: (m: string) => Error): void {
  if (info.isDirectory()) throw error(`is a directory, not ${options.noun ?? 'a file'}`);
  if (!info.isFile()) {
    const kind = info.isFIFO() ? 'a FIFO (named pipe)' : info.isCharacterDevice() || info.isBlockDevice() ? 'a device' : info.isSocket() ? 'a socket' : 'not a regular file';
    throw error(`is ${kind}; only regular files are read`);
  }
  if (info.size > options.maxBytes) throw error(`${info.size.toLocaleString('en-US')} bytes, more than allowed (limit ${options.limit} = ${options.maxBytes.toLocaleString('en-US')})`);
}

function errnoText(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'ENOENT': return 'no such file';
    case 'EISDIR': return 'is a directory, not a file';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'ELOOP': return 'too many levels of symbolic links';
    case 'ENAMETOOLONG': return 'file name too long';
    case 'ENOTDIR': return 'a part of the path is not a directory';
    default: return `cannot be read (${e.code ?? 'I/O error'})`;
  }
}
