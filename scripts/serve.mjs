#!/usr/bin/env node
// Serves the built static site (dist/) on http://127.0.0.1:8080 with the
// strict Content-Security-Policy the widget is built to run under.
//   node scripts/serve.mjs [--port 8080] [--host 127.0.0.1] [--root dist]
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 && index + 1 < args.length ? args[index + 1] : fallback;
};
const port = Number(option('port', process.env.PORT || 8080));
const host = option('host', '127.0.0.1');
const root = resolve(fileURLToPath(new URL('..', import.meta.url)), option('root', 'dist'));

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
};

// The single-file engine carries its wasm inline and compiles it from bytes:
// 'wasm-unsafe-eval' allows exactly that, without allowing eval().
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; " +
  "object-src 'none'; base-uri 'none'";

const server = createServer((request, response) => {
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(request.url, 'http://localhost').pathname);
  } catch {
    response.writeHead(400).end('bad request');
    return;
  }
  if (pathname.endsWith('/')) pathname += 'index.html';
  const path = normalize(join(root, pathname));
  if (path !== root && !path.startsWith(root + sep)) {
    response.writeHead(403).end('forbidden');
    return;
  }
  let stats;
  try {
    stats = statSync(path);
  } catch {
    response.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
    return;
  }
  if (stats.isDirectory()) {
    response.writeHead(301, { Location: `${pathname}/` }).end();
    return;
  }
  response.writeHead(200, {
    'Content-Type': TYPES[extname(path)] || 'application/octet-stream',
    'Content-Length': stats.size,
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-cache',
  });
  createReadStream(path).pipe(response);
});

server.listen(port, host, () => {
  console.log(`attention-lab: serving ${root} on http://${host}:${port}/ (Ctrl+C to stop)`);
});
