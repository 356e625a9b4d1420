#!/usr/bin/env node
// A tiny static server for web/dist on 127.0.0.1: `npm run web` uses it, and so does the
// browser test (port 0 picks a free one). Only files under the root are ever served.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.wasm': 'application/wasm',
  '.safetensors': 'application/octet-stream',
};

/**
 * Serves `root` on 127.0.0.1:`port`, with `headers` on every file (the threads test sends COOP and
 * COEP); resolves to { server, url } once listening.
 */
export function serve(root, port = 0, headers = {}) {
  const base = resolve(root);
  const server = createServer(async (req, res) => {
    try {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      let file = normalize(join(base, path));
      if (file !== base && !file.startsWith(base + sep)) return send(res, 403, 'forbidden');
      if ((await stat(file).catch(() => null))?.isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file).catch(() => null);
      if (!body) return send(res, 404, 'not found');
      res.writeHead(200, { ...headers, 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (e) {
      send(res, 400, String(e));
    }
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      const { port: actual } = server.address();
      ok({ server, url: `http://127.0.0.1:${actual}/` });
    });
  });
}

function send(res, status, text) {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(text);
}

/** What a page needs to share memory with workers (the wasm backend's threads): cross-origin isolation. */
export const ISOLATION_HEADERS = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args.includes('--help')) {
    console.log(`Usage: npm run web [-- [PORT] [--isolated]]

Builds and serves web/dist on 127.0.0.1:PORT (default 8080, or $PORT).
  --isolated   send COOP same-origin and COEP require-corp, so the page is cross-origin isolated and
               runs the wasm backend on threads (one per core, up to 4); the page then loads nothing
               from other origins that does not opt in (CORP or CORS)`);
    process.exit(0);
  }
  const unknown = args.filter((a) => a.startsWith('-') && a !== '--isolated');
  if (unknown.length) {
    console.error(`effnet web: unknown option ${unknown[0]} (see --help)`);
    process.exit(2);
  }
  const root = fileURLToPath(new URL('./dist/', import.meta.url));
  const port = Number(process.env.PORT ?? args.find((a) => !a.startsWith('-')) ?? 8080);
  const isolated = args.includes('--isolated');
  const { url } = await serve(root, port, isolated ? ISOLATION_HEADERS : {});
  console.log(`effnet web: ${url}  (serving web/dist${isolated ? ', cross-origin isolated: wasm on threads' : ''}; Ctrl-C to stop)`);
}
