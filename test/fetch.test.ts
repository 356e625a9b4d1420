import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cacheDir } from '../src/node/cache.js';
import { findEntry, mirrored, REGISTRY, registerWeights } from '../src/registry/index.js';
import { effnet } from './run-cli.js';

// effnet fetch, the cache and classify --model against a server on 127.0.0.1 only: every
// registry URL goes through EFFNET_MIRROR, so no test reaches another address.

const pth = readFileSync(new URL('../fixtures/golden/torch-pth-32/model.pth', import.meta.url));
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const image = new URL('../fixtures/images/bag.png', import.meta.url).pathname;
const safetensors = Buffer.concat([Buffer.from([2, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{}')]);

/** What the server answers for a path: a body, a redirect, a cut connection; counted. */
type Route = { body: Buffer; headers?: Record<string, string>; cutAfter?: number } | { redirect: string; headers?: Record<string, string> } | { status: number };
const routes = new Map<string, Route>();
const hits = new Map<string, number>();
let server: Server;
let base: string;
let cache: string;
const saved = { cache: process.env.EFFNET_CACHE, mirror: process.env.EFFNET_MIRROR };

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = new URL(req.url!, 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const route = routes.get(path);
    if (!route) return void res.writeHead(404).end();
    if ('status' in route) return void res.writeHead(route.status).end();
    if ('redirect' in route) return void res.writeHead(302, { location: route.redirect, ...route.headers }).end();
    res.writeHead(200, { 'content-length': String(route.body.length), ...route.headers });
    if (route.cutAfter === undefined) return void res.end(route.body);
    res.write(route.body.subarray(0, route.cutAfter), () => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env.EFFNET_MIRROR = base;
  registerWeights({
    name: 'test-pth-32', aliases: [], url: 'https://download.pytorch.org/models/test-pth-32.pth', file: 'test-pth-32.pth', format: 'pth',
    family: 'torchvision', resolution: 32, resize: 36, interpolation: 'bilinear', verify: { sha256Prefix: sha(pth).slice(0, 8) }, source: 'fixtures/golden/torch-pth-32',
  });
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  for (const [k, v] of [['EFFNET_CACHE', saved.cache], ['EFFNET_MIRROR', saved.mirror]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

beforeEach(() => {
  cache = mkdtempSync(join(tmpdir(), 'effnet-cache-'));
  process.env.EFFNET_CACHE = cache;
  routes.clear();
  hits.clear();
  routes.set('/models/test-pth-32.pth', { body: pth });
  return () => rmSync(cache, { recursive: true, force: true });
});

const cached = () => readdirSync(cache);

describe('effnet fetch', () => {
  it('downloads into $EFFNET_CACHE, verifies the sha256 prefix, prints the path; a second fetch asks nothing', async () => {
    const r = await effnet('fetch', 'test-pth-32');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(join(cache, 'test-pth-32.pth'));
    expect(sha(readFileSync(r.stdout))).toBe(sha(pth));
    expect(readFileSync(`${r.stdout}.sha256`, 'utf8').trim()).toBe(sha(pth));
    expect(cached().sort()).toEqual(['test-pth-32.pth', 'test-pth-32.pth.sha256']);
    expect(r.stderr).toMatch(/downloading test-pth-32 \(0\.6 MB\)/);
    expect((await effnet('fetch', 'test-pth-32')).code).toBe(0);
    expect(hits.get('/models/test-pth-32.pth')).toBe(1);
  });

  it('a hash mismatch is refused and leaves nothing in the cache (the real b0 entry, served wrong bytes)', async () => {
    routes.set('/models/efficientnet_b0_rwightman-7f5810bc.pth', { body: pth });
    const r = await effnet('fetch', 'b0');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^effnet fetch: efficientnet_b0: hash mismatch: sha256 \w{12}…, expected 7f5810bc96de… \(sha256 7f5810bc96de…\); nothing was cached$/m);
    expect(cached()).toEqual([]);
  });

  it('an interrupted download fails with one line and leaves nothing in the cache', async () => {
    routes.set('/models/test-pth-32.pth', { body: pth, cutAfter: 100_000 });
    const r = await effnet('fetch', 'test-pth-32');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/test-pth-32: download interrupted after [\d,]+ of 572,661 bytes.*; nothing was cached/);
    expect(cached()).toEqual([]);
  });

  it('a .part left by a killed download is removed once it is an hour old; a fresh one (a download in progress) is kept', async () => {
    writeFileSync(join(cache, '.test-pth-32.pth.1.aaaa.part'), 'old');
    writeFileSync(join(cache, '.test-pth-32.pth.2.bbbb.part'), 'new');
    utimesSync(join(cache, '.test-pth-32.pth.1.aaaa.part'), new Date(Date.now() - 7_200_000), new Date(Date.now() - 7_200_000));
    expect((await effnet('fetch', 'test-pth-32')).code).toBe(0);
    expect(cached().sort()).toEqual(['.test-pth-32.pth.2.bbbb.part', 'test-pth-32.pth', 'test-pth-32.pth.sha256']);
  });

  it('--offline: fails naming the cache when the file is not there, succeeds without a request when it is', async () => {
    const miss = await effnet('fetch', 'test-pth-32', '--offline');
    expect(miss.code).toBe(1);
    expect(miss.stderr).toContain(`effnet fetch: test-pth-32: not in the cache (${cache}), and --offline forbids downloading it`);
    expect(hits.size).toBe(0);
    await effnet('fetch', 'test-pth-32');
    const hit = await effnet('fetch', 'test-pth-32', '--offline');
    expect(hit.code, hit.stderr).toBe(0);
    expect(hit.stdout).toBe(join(cache, 'test-pth-32.pth'));
    expect(hits.get('/models/test-pth-32.pth')).toBe(1);
  });

  it('a corrupted or truncated cache entry is detected and fetched again', async () => {
    const path = (await effnet('fetch', 'test-pth-32')).stdout;
    const bad = Buffer.from(pth);
    bad[1000]! ^= 1;
    writeFileSync(path, bad);
    const r = await effnet('fetch', 'test-pth-32');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/cache entry .*test-pth-32\.pth is corrupted or truncated \(sha256 .* does not start with \w{8}\); fetching it again/);
    expect(sha(readFileSync(path))).toBe(sha(pth));
    writeFileSync(path, pth.subarray(0, 1000));
    expect((await effnet('fetch', 'test-pth-32')).code).toBe(0);
    expect(sha(readFileSync(path))).toBe(sha(pth));
    expect(hits.get('/models/test-pth-32.pth')).toBe(3);
    writeFileSync(path, pth.subarray(0, 1000));
    const offline = await effnet('fetch', 'test-pth-32', '--offline');
    expect(offline.code).toBe(1);
    expect(offline.stderr).toMatch(/the cached copy was damaged/);
  });

  it('timm on the hub: follows the redirect and checks the sha256 the hub sends (X-Linked-Etag)', async () => {
    const path = '/timm/efficientnet_b0.ra_in1k/resolve/main/model.safetensors';
    routes.set(path, { redirect: `${base}/lfs/blob`, headers: { 'x-linked-etag': `"${sha(safetensors)}"` } });
    routes.set('/lfs/blob', { body: safetensors });
    const ok = await effnet('fetch', 'timm/efficientnet_b0.ra_in1k');
    expect(ok.code, ok.stderr).toBe(0);
    expect(readFileSync(`${ok.stdout}.sha256`, 'utf8').trim()).toBe(sha(safetensors));
    rmSync(cache, { recursive: true });
    routes.set(path, { redirect: `${base}/lfs/blob`, headers: { 'x-linked-etag': `"${'0'.repeat(64)}"` } });
    const wrong = await effnet('fetch', 'timm/efficientnet_b0.ra_in1k');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/hash mismatch: sha256 \w{12}…, expected 000000000000…/);
  });

  it('a file that is not what the entry says (HTML for a .pth) is refused even when no hash can say so', async () => {
    const path = '/timm/efficientnet_b3.ra2_in1k/resolve/main/model.safetensors';
    routes.set(path, { body: Buffer.from('<html>sign in</html>') });
    const r = await effnet('fetch', 'timm/efficientnet_b3.ra2_in1k');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the server sent no sha256/);
    expect(r.stderr).toMatch(/efficientnet_b3\.ra2_in1k: the file \(20 bytes\) is not safetensors; nothing was cached/);
    expect(existsSync(cache) ? cached() : []).toEqual([]);
  });

  it('HTTP errors and an unreachable server are one clear line', async () => {
    const notFound = await effnet('fetch', 'b1');
    expect(notFound.stderr).toMatch(/^effnet fetch: efficientnet_b1: HTTP 404 .* from http:\/\/127\.0\.0\.1:\d+\/models\/efficientnet_b1_rwightman-bac287d4\.pth; nothing was cached$/);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    process.env.EFFNET_MIRROR = `http://127.0.0.1:${port}`;
    try {
      const r = await effnet('fetch', 'test-pth-32');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^effnet fetch: test-pth-32: cannot reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\): no network\?/);
      expect(r.stderr.split('\n')).toHaveLength(1);
    } finally {
      process.env.EFFNET_MIRROR = base;
    }
  });

  it('--list shows every entry, how it is verified and what is cached; unknown names list the known', async () => {
    await effnet('fetch', 'test-pth-32');
    const r = await effnet('fetch', '--list');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`cache: ${cache}`);
    expect(r.stdout).toMatch(/efficientnet_b0 \(b0\)\s+b0\s+torchvision\s+224\s+sha256 7f5810bc96de…\s+-/);
    expect(r.stdout).toMatch(/test-pth-32\s+\(shapes\)\s+torchvision\s+32\s+sha256 prefix \w{8}\s+0\.6 MB/);
    const json = JSON.parse((await effnet('fetch', '--list', '--json')).stdout) as { weights: { name: string; cached: boolean }[] };
    expect(json.weights.filter((w) => w.cached).map((w) => w.name)).toEqual(['test-pth-32']);
    const unknown = await effnet('fetch', 'b9');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown weights 'b9' \(known: b0, b1, .* timm\/efficientnet_b0\.ra_in1k/);
    expect((await effnet('fetch', '--help')).stdout).toMatch(/EFFNET_MIRROR/);
  });
});

describe('effnet classify --model <registry name>', () => {
  it('fetches on first use, then classifies from the cache (offline too)', async () => {
    const first = await effnet('classify', image, '--model', 'test-pth-32', '--json');
    expect(first.code, first.stderr).toBe(0);
    const top = JSON.parse(first.stdout) as { top: { index: number }[] }[];
    expect(top[0]!.top).toHaveLength(5);
    const again = await effnet('classify', image, '--model', 'test-pth-32', '--json', '--offline');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(first.stdout);
    expect(hits.get('/models/test-pth-32.pth')).toBe(1);
  });

  it('--offline with nothing cached fails naming the weights', async () => {
    const r = await effnet('classify', image, '--model', 'b0', '--offline');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/efficientnet_b0: not in the cache .* --offline forbids downloading it/);
    expect(hits.size).toBe(0);
  });
});

describe('the registry', () => {
  it("lists torchvision's b0…b7 with the sha256 prefixes their file names carry, and timm entries on the hub", () => {
    const tv = REGISTRY.filter((e) => e.family === 'torchvision');
    expect(tv.map((e) => e.aliases[0])).toEqual(['b0', 'b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7']);
    for (const e of tv) {
      const prefix = /-([0-9a-f]{8})\.pth$/.exec(e.url)![1]!;
      const v = e.verify;
      expect('sha256' in v ? v.sha256.slice(0, 8) : 'sha256Prefix' in v ? v.sha256Prefix : '', e.name).toBe(prefix);
    }
    expect(findEntry('B3')!.resolution).toBe(300);
    expect(REGISTRY.filter((e) => e.family !== 'torchvision').every((e) => e.url.startsWith('https://huggingface.co/timm/') && e.format === 'safetensors')).toBe(true);
  });

  const debian = '/usr/lib/python3/dist-packages/torchvision/models/efficientnet.py';
  it.skipIf(!existsSync(debian))("names the files torchvision 0.14 (Debian's source) gives each variant, with its crop, resize and top-1", () => {
    const source = readFileSync(debian, 'utf8');
    for (const e of REGISTRY.filter((r) => r.family === 'torchvision')) {
      const block = new RegExp(`class EfficientNet_B${e.variant![1]}_Weights[\\s\\S]*?IMAGENET1K_V1 = Weights\\([\\s\\S]*?url="([^"]+)"[\\s\\S]*?crop_size=(\\d+), resize_size=(\\d+)[\\s\\S]*?"acc@1": ([\\d.]+)`).exec(source)!;
      expect([block[1], Number(block[2]), Number(block[3]), Number(block[4])], e.name).toEqual([e.formerly, e.resolution, e.resize, e.top1]);
    }
  });

  it('EFFNET_MIRROR replaces scheme, host and port and keeps the path', () => {
    expect(mirrored('https://download.pytorch.org/models/x-1234abcd.pth', 'http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080/models/x-1234abcd.pth');
    expect(mirrored('https://huggingface.co/timm/m/resolve/main/model.safetensors', 'http://127.0.0.1:9/mirror/')).toBe('http://127.0.0.1:9/mirror/timm/m/resolve/main/model.safetensors');
  });

  it('the cache folder: $EFFNET_CACHE, else the platform user cache', () => {
    expect(cacheDir({ EFFNET_CACHE: '/x' }, 'linux', '/home/u')).toBe('/x');
    expect(cacheDir({}, 'linux', '/home/u')).toBe('/home/u/.cache/effnet');
    expect(cacheDir({ XDG_CACHE_HOME: '/c' }, 'linux', '/home/u')).toBe('/c/effnet');
    expect(cacheDir({}, 'darwin', '/Users/u')).toBe('/Users/u/Library/Caches/effnet');
  });
});
