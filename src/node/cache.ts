import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { escapeText, limits } from '../limits.js';
import { describeVerification, mirrored, type RegistryEntry } from '../registry/index.js';

// The weights cache: one file per registry entry, named as the registry names it, beside a
// `<file>.sha256` holding the digest it was verified with. A download goes to a temporary file
// in the same folder, is hashed as it arrives, checked (hash, size, format), and only then renamed
// into place, so the cache never holds a partial or unverified file under a real name. A cached
// file is hashed again on every use: a truncated or corrupted entry is removed and fetched anew.

export class FetchError extends Error {
  override readonly name = 'FetchError';
}

export interface CacheOptions {
  /** Default: $EFFNET_CACHE, else the platform's user cache folder + /effnet. */
  dir?: string;
  /** Default: $EFFNET_MIRROR. Replaces scheme, host and port of every URL. */
  mirror?: string;
  /** Use only what is cached. */
  offline?: boolean;
  /** Where notices go, a line at a time (default: console.error). */
  log?: (line: string) => void;
  /** Where the progress bar is drawn when it is a terminal (default: process.stderr). */
  stderr?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Abort a download that sends nothing for this long (default 30 s). */
  idleTimeoutMs?: number;
}

/** $EFFNET_CACHE, else $XDG_CACHE_HOME/effnet or ~/.cache/effnet, ~/Library/Caches/effnet on macOS, %LOCALAPPDATA%\effnet\Cache on Windows. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = homedir()): string {
  if (env.EFFNET_CACHE) return env.EFFNET_CACHE;
  if (platform === 'win32') return join(env.LOCALAPPDATA ?? join(home, 'AppData', 'Local'), 'effnet', 'Cache');
  if (platform === 'darwin') return join(home, 'Library', 'Caches', 'effnet');
  return join(env.XDG_CACHE_HOME || join(home, '.cache'), 'effnet');
}

/** The cached file of an entry, verified, downloading it if needed (unless offline). */
export async function ensureCached(entry: RegistryEntry, options: CacheOptions = {}): Promise<string> {
  const dir = options.dir ?? cacheDir();
  const log = options.log ?? ((line: string) => console.error(line));
  const path = join(dir, entry.file);
  const state = await checkCached(entry, path);
  if (state === 'ok') return path;
  if (state !== 'absent') {
    log(`effnet: cache entry ${escapeText(path, 200)} is ${state}; ${options.offline ? 'removing it' : 'fetching it again'}`);
    await removeEntry(path);
  }
  if (options.offline) throw new FetchError(`${entry.name}: not in the cache (${escapeText(dir, 200)})${state === 'absent' ? '' : ' (the cached copy was damaged)'}, and --offline forbids downloading it`);
  await mkdir(dir, { recursive: true });
  await removeStaleParts(dir, entry.file);
  await download(entry, path, { ...options, log, stderr: options.stderr ?? process.stderr });
  return path;
}

/** Whether an entry is cached (by name only, not verified): for listings. */
export async function cachedSize(entry: RegistryEntry, dir = cacheDir()): Promise<number | undefined> {
  return stat(join(dir, entry.file)).then((s) => (s.isFile() ? s.size : undefined), () => undefined);
}

async function checkCached(entry: RegistryEntry, path: string): Promise<'ok' | 'absent' | string> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return 'absent';
  if (!info.isFile()) return 'not a regular file';
  const recorded = await readFile(`${path}.sha256`, 'utf8').then((t) => t.trim(), () => undefined);
  const expected = 'sha256' in entry.verify ? entry.verify.sha256 : recorded;
  const actual = await hashFile(path);
  const why = mismatch(entry, actual, expected);
  if (why) return `corrupted or truncated (${why})`;
  if (recorded !== undefined && recorded !== actual) return `corrupted or truncated (sha256 ${actual.slice(0, 12)}… differs from the ${recorded.slice(0, 12)}… recorded when it was fetched)`;
  return 'ok';
}

/** Why `actual` does not satisfy the entry's verification (or the recorded digest); '' when it does. */
function mismatch(entry: RegistryEntry, actual: string, expected: string | undefined): string {
  const v = entry.verify;
  if ('sha256Prefix' in v) return actual.startsWith(v.sha256Prefix) ? '' : `sha256 ${actual.slice(0, 12)}… does not start with ${v.sha256Prefix}`;
  if (expected === undefined) return 'no sha256 recorded for it';
  return actual === expected ? '' : `sha256 ${actual.slice(0, 12)}…, expected ${expected.slice(0, 12)}…`;
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

// A download killed outright (power, SIGKILL) leaves its .part behind; one untouched for an hour is no one's.
async function removeStaleParts(dir: string, file: string): Promise<void> {
  const prefix = `.${file}.`;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.startsWith(prefix) || !name.endsWith('.part')) continue;
    const info = await stat(join(dir, name)).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > 3_600_000) await rm(join(dir, name), { force: true });
  }
}

async function removeEntry(path: string): Promise<void> {
  await rm(path, { force: true });
  await rm(`${path}.sha256`, { force: true });
}

async function download(entry: RegistryEntry, path: string, options: CacheOptions & { log: (line: string) => void; stderr: NonNullable<CacheOptions['stderr']> }): Promise<void> {
  const mirror = options.mirror ?? process.env.EFFNET_MIRROR;
  let url: string;
  try {
    url = mirrored(entry.url, mirror || undefined);
  } catch {
    throw new FetchError(`EFFNET_MIRROR is not a URL: '${escapeText(mirror ?? '', 100)}'`);
  }
  const part = join(options.dir ?? cacheDir(), `.${entry.file}.${process.pid}.${randomBytes(4).toString('hex')}.part`);
  const maxBytes = limits().maxCheckpointBytes;
  const controller = new AbortController();
  const idle = options.idleTimeoutMs ?? 30_000;
  let timer = setTimeout(() => controller.abort(), idle);
  const touch = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(), idle);
  };
  const fail = (why: string): never => {
    throw new FetchError(`${entry.name}: ${why}; nothing was cached`);
  };
  let received = 0;
  let total: number | undefined;
  try {
    let response: Response | undefined;
    let hubSha: string | undefined;
    let current = url;
    for (let hop = 0; ; hop++) {
      try {
        response = await fetch(current, { redirect: 'manual', signal: controller.signal });
      } catch (e) {
        const cause = (e as { cause?: { code?: string; message?: string } }).cause;
        const why = controller.signal.aborted ? `no answer for ${idle / 1000} s` : cause?.code ?? cause?.message ?? (e as Error).message;
        return fail(`cannot reach ${new URL(current).host} (${escapeText(String(why), 80)}): no network? --offline uses the cache only, EFFNET_MIRROR=<base URL> a mirror`);
      }
      hubSha ??= parseEtag(response.headers.get('x-linked-etag'));
      if (![301, 302, 303, 307, 308].includes(response.status)) break;
      const location = response.headers.get('location');
      await response.body?.cancel();
      if (!location || hop >= 5) fail(`too many redirects (or one without a Location) from ${escapeText(url, 120)}`);
      current = new URL(location!, current).href;
    }
    if (response!.status !== 200) fail(`HTTP ${response!.status} ${escapeText(response!.statusText, 60)} from ${escapeText(current, 120)}`);
    const length = response!.headers.get('content-length');
    total = length !== null && /^\d+$/.test(length) ? Number(length) : undefined;
    if (total !== undefined && total > maxBytes) fail(`the server announces ${total.toLocaleString('en-US')} bytes, more than allowed (limit maxCheckpointBytes = ${maxBytes.toLocaleString('en-US')})`);
    const progress = progressBar(entry.name, total, options.stderr, options.log);
    const hash = createHash('sha256');
    const file = await open(part, 'wx');
    try {
      const reader = response!.body!.getReader();
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (e) {
          const cause = (e as { cause?: { message?: string } }).cause?.message ?? (e as Error).message;
          return fail(`download interrupted after ${received.toLocaleString('en-US')}${total ? ` of ${total.toLocaleString('en-US')}` : ''} bytes (${escapeText(controller.signal.aborted ? `no data for ${idle / 1000} s` : cause, 80)})`);
        }
        if (chunk.done) break;
        touch();
        received += chunk.value.length;
        if (received > maxBytes) fail(`more than ${maxBytes.toLocaleString('en-US')} bytes (limit maxCheckpointBytes)`);
        hash.update(chunk.value);
        await file.write(chunk.value);
        progress(received);
      }
    } finally {
      await file.close();
    }
    progress(received, true);
    if (total !== undefined && received !== total) fail(`download interrupted after ${received.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} bytes`);
    const actual = hash.digest('hex');
    const v = entry.verify;
    const expected = 'sha256' in v ? v.sha256 : 'hub' in v ? hubSha : undefined;
    if ('hub' in v && hubSha === undefined) options.log(`effnet: ${entry.name}: the server sent no sha256 (X-Linked-Etag); checked by size and format only`);
    const why = 'hub' in v && hubSha === undefined ? '' : mismatch(entry, actual, expected);
    if (why) fail(`hash mismatch: ${why} (${describeVerification(v)})`);
    await checkFormat(entry, part, received, fail);
    await writeFile(`${path}.sha256`, `${actual}\n`);
    await rename(part, path);
  } finally {
    clearTimeout(timer);
    await rm(part, { force: true });
  }
}

// The hub's X-Linked-Etag is the LFS object's sha256, quoted (sometimes weak: W/"…").
function parseEtag(value: string | null): string | undefined {
  const m = value && /^(?:W\/)?"?([0-9a-f]{64})"?$/i.exec(value.trim());
  return m ? m[1]!.toLowerCase() : undefined;
}

async function checkFormat(entry: RegistryEntry, path: string, size: number, fail: (why: string) => never): Promise<void> {
  const head = new Uint8Array(16);
  const file = await open(path, 'r');
  try {
    await file.read(head, 0, 16, 0);
  } finally {
    await file.close();
  }
  if (entry.format === 'pth') {
    if (!(head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04)) fail('the file is not a zip (torch.save) archive');
    return;
  }
  const dv = new DataView(head.buffer);
  const header = dv.getUint32(0, true) + dv.getUint32(4, true) * 2 ** 32;
  if (size < 10 || header > limits().maxHeaderBytes || 8 + header > size || head[8] !== 0x7b) fail(`the file (${size} bytes) is not safetensors`);
}

/** A bar redrawn in place on a terminal; on a pipe, one line when it starts and one when it ends. */
function progressBar(name: string, total: number | undefined, stderr: NonNullable<CacheOptions['stderr']>, log: (line: string) => void): (received: number, done?: boolean) => void {
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  const tty = stderr.isTTY === true;
  let last = 0;
  if (!tty) log(`effnet: downloading ${name}${total ? ` (${mb(total)})` : ''}`);
  return (received, done = false) => {
    if (!tty) {
      if (done) log(`effnet: ${name}: ${mb(received)} received`);
      return;
    }
    const now = Date.now();
    if (!done && now - last < 100) return;
    last = now;
    const share = total ? Math.min(1, received / total) : 0;
    const width = 30;
    const bar = total ? `[${'#'.repeat(Math.round(share * width)).padEnd(width)}] ${(share * 100).toFixed(0).padStart(3)}%` : '';
    stderr.write(`\r${name} ${bar} ${mb(received)}${total ? ` / ${mb(total)}` : ''}${done ? '\n' : ''}`);
  };
}
