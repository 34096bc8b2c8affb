/**
 * The pages: dist/web (the Vite front end) when it is built, served with the isolation headers
 * the security middleware adds to every response; until then GET / is a small page that lists
 * the API, so a user who opens the address sees what the server offers.
 */
import type { Hono } from 'hono';
import { createReadStream, existsSync, realpathSync, statSync } from 'node:fs';
import { extname, join, sep } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { ENDPOINTS } from './endpoints.js';

export const WEB_DIR = fileURLToPath(new URL('../../web/', import.meta.url));

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
<p>The dashboard's pages (Runs, Train, Generate, Inspect, Classify, Compare) come with its front end, which is not built into this copy (<code>dist/web</code>). The HTTP API below is what those pages use; every endpoint answers JSON (live data: server-sent events). The full reference is <code>docs/dashboard-api.md</code>.</p>
<table><thead><tr><th>method</th><th>path</th><th>what</th></tr></thead><tbody>
${rows}
</tbody></table></body></html>
`;
}

export function staticRoutes(app: Hono, version: string): void {
  app.get('*', (c) => {
    const path = decodeURIComponent(new URL(c.req.url).pathname);
    if (path.startsWith('/api/')) return c.json({ error: `no endpoint GET ${path} (GET / lists them)` }, 404);
    const built = existsSync(join(WEB_DIR, 'index.html'));
    if (!built) {
      if (path === '/' || path === '/index.html') return c.html(apiIndexPage(version));
      return c.json({ error: `no file ${path}: the front end is not built (GET / lists the API)` }, 404);
    }
    const root = realpathSync(WEB_DIR);
    const rel = path.replace(/^\/+/, '');
    if (rel.split('/').some((p) => p === '..') || rel.includes('\0')) return c.json({ error: 'bad path' }, 400);
    let file = join(root, rel);
    // a page route of the single-page app (no extension): its index.html
    if (!existsSync(file) || statSync(file).isDirectory()) file = extname(rel) === '' ? join(root, 'index.html') : file;
    if (!existsSync(file)) return c.json({ error: `no file ${path}` }, 404);
    const real = realpathSync(file);
    if (!real.startsWith(root + sep)) return c.json({ error: `no file ${path}` }, 404);
    const st = statSync(real);
    return new Response(Readable.toWeb(createReadStream(real)) as ReadableStream, {
      headers: { 'Content-Type': TYPES[extname(real).toLowerCase()] ?? 'application/octet-stream', 'Content-Length': String(st.size), 'Cache-Control': 'no-cache' },
    });
  });
}
