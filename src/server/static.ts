/**
 * The pages: dist/web (the dashboard's Vite front end, which `npm run build` builds) at /, the
 * browser-only example (dist/examples/browser) at /example/, both with the isolation headers
 * the security middleware adds to every response; GET /api is a small page listing the API (also
 * what / shows in a copy built without the front end).
 */
import type { Hono } from 'hono';
import { createReadStream, existsSync, realpathSync, statSync } from 'node:fs';
import { extname, join, sep } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { ENDPOINTS } from './endpoints.js';
import { HttpError } from './http-error.js';

export const WEB_DIR = fileURLToPath(new URL('../../web/', import.meta.url));
/** The browser-only example (examples/browser), served at /example/. */
export const EXAMPLE_DIR = fileURLToPath(new URL('../../examples/browser/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.ico': 'image/x-icon', '.wasm': 'application/wasm', '.woff2': 'font/woff2', '.map': 'application/json', '.txt': 'text/plain; charset=utf-8',
};

function escape(s: string): string {
  return s.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]!);
}

export function apiIndexPage(version: string): string {
  const rows = ENDPOINTS.map((e) => `<tr><td><code>${e.method}</code></td><td><code>${escape(e.path)}</code></td><td>${escape(e.what)}</td></tr>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>rnnlab serve</title>
<style>body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#222}table{border-collapse:collapse;width:100%}td{border-top:1px solid #ddd;padding:.3rem .5rem;vertical-align:top}code{font-size:90%}</style>
</head><body>
<h1>rnnlab serve ${escape(version)}</h1>
<p>The HTTP API of the dashboard's pages (Runs, Train, Generate, Inspect, Classify, Compare: <a href="/">/</a>) and of scripts; every endpoint answers JSON (live data: server-sent events). The full reference is <code>docs/dashboard-api.md</code>.</p>
<table><thead><tr><th>method</th><th>path</th><th>what</th></tr></thead><tbody>
${rows}
</tbody></table></body></html>
`;
}

/** A file of a built folder, or null when the path is not one (never a file outside it). */
function fileIn(dir: string, rel: string, spa: boolean): string | null {
  if (!existsSync(join(dir, 'index.html'))) return null;
  const root = realpathSync(dir);
  if (rel.split('/').some((p) => p === '..') || rel.includes('\0')) return null;
  let file = join(root, rel);
  // a page of the single-page app (no extension) or a folder: its index.html
  if (!existsSync(file) || statSync(file).isDirectory()) file = extname(rel) === '' && (spa || rel === '') ? join(root, 'index.html') : file;
  if (!existsSync(file)) return null;
  const real = realpathSync(file);
  return real.startsWith(root + sep) && statSync(real).isFile() ? real : null;
}

function sendFile(real: string): Response {
  return new Response(Readable.toWeb(createReadStream(real)) as ReadableStream, {
    headers: { 'Content-Type': TYPES[extname(real).toLowerCase()] ?? 'application/octet-stream', 'Content-Length': String(statSync(real).size), 'Cache-Control': 'no-cache' },
  });
}

/** The request's path, %-escapes decoded; a malformed escape is the client's error, not a crash. */
function decodedPath(url: string): string {
  const raw = new URL(url).pathname;
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, `malformed %-escape in the path ${raw.slice(0, 200)}`);
  }
}

export function staticRoutes(app: Hono, version: string): void {
  app.get('*', (c) => {
    const path = decodedPath(c.req.url);
    if (path === '/api' || path === '/api/') return c.html(apiIndexPage(version));
    if (path.startsWith('/api/')) return c.json({ error: `no endpoint GET ${path} (GET /api lists them)` }, 404);
    if (path === '/example') return c.redirect('/example/', 301);
    if (path.startsWith('/example/')) {
      const file = fileIn(EXAMPLE_DIR, path.slice('/example/'.length), false);
      if (file) return sendFile(file);
      if (!existsSync(join(EXAMPLE_DIR, 'index.html'))) return c.json({ error: 'the browser example is not built into this copy (npm run build)' }, 404);
      return c.json({ error: `no file ${path}` }, 404);
    }
    if (!existsSync(join(WEB_DIR, 'index.html'))) {
      // a copy built without the front end (tsc alone): the API is all there is
      if (path === '/' || path === '/index.html') return c.html(apiIndexPage(version));
      return c.json({ error: `no file ${path}: the front end is not built (npm run build; GET /api lists the API)` }, 404);
    }
    const file = fileIn(WEB_DIR, path.replace(/^\/+/, ''), true);
    return file ? sendFile(file) : c.json({ error: `no file ${path}` }, 404);
  });
}
