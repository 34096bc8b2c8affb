/**
 * rnnlab in a real browser: headless Chromium (Debian's, driven by playwright-core) loads
 * dist/src/browser.js straight from a local HTTP server — no bundler — picks the wasm backend,
 * trains, and samples from a model that the CLI trained in Node. The same scenario then runs in
 * Node on the wasm backend, and the two must agree number for number.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { assertOk, rnnlab, tempDir } from '../cli/helpers.js';
import { scenario, TEXT, type ScenarioResult } from './scenario.js';

/** dist/test/browser/ → the package root (which holds dist/). */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CHROMIUM = process.env.RNNLAB_CHROMIUM ?? '/usr/bin/chromium';
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.map': 'application/json' };

const PAGE = `<!doctype html><meta charset="utf-8"><title>rnnlab browser test</title>
<script type="module">
try {
  // dynamic imports, so a module that fails to load is reported here rather than timing out
  const lib = await import('/dist/src/browser.js');
  const { scenario } = await import('/dist/test/browser/scenario.js');
  const res = await fetch('/model.safetensors');
  window.__result = await scenario(lib, new Uint8Array(await res.arrayBuffer()));
} catch (e) {
  window.__error = String((e && e.stack) || e);
}
</script>`;

/** Serves the page, dist/ and the checkpoint; nothing else of the file system. */
function serve(checkpoint: string): Promise<Server> {
  const server = createServer((req, res) => {
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
      return;
    }
    const file = path === '/model.safetensors' ? checkpoint : normalize(join(ROOT, path));
    if ((file !== checkpoint && !file.startsWith(join(ROOT, 'dist') + sep)) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

async function inChromium(url: string): Promise<{ result: ScenarioResult; problems: string[] }> {
  assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM}: \`npm test\` installs Debian's chromium first (scripts/ensure-chromium.mjs), or set RNNLAB_CHROMIUM`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    // Tests run offline: without these Chromium keeps trying to reach Google's services.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    await page.goto(url);
    await page.waitForFunction(() => '__result' in window || '__error' in window, null, { timeout: 120_000 });
    const error = await page.evaluate(() => (window as unknown as { __error?: string }).__error);
    assert.equal(error, undefined, `the scenario failed in Chromium:\n${error}\n${problems.join('\n')}`);
    const result = await page.evaluate(() => (window as unknown as { __result: ScenarioResult }).__result);
    return { result, problems };
  } finally {
    await browser.close();
  }
}

test('Chromium loads rnnlab/browser, trains on wasm and samples a CLI-trained model exactly as Node does', { timeout: 300_000 }, async (t) => {
  const dir = tempDir('browser');
  let server: Server | null = null;
  try {
    writeFileSync(join(dir, 'text.txt'), TEXT);
    const r = rnnlab(['train', '--data', 'text.txt', '--out', 'run', '--backend', 'js', '--layers', '1', '--hidden', '32', '--embed', '8',
      '--batch', '4', '--seq', '32', '--max-steps', '200', '--lr', '1e-2', '--quiet'], { cwd: dir });
    assertOk(r, 'rnnlab train');
    server = await serve(join(dir, 'run', 'model.safetensors'));
    const { port } = server.address() as AddressInfo;
    const { result: web, problems } = await inChromium(`http://127.0.0.1:${port}/`);
    assert.deepEqual(problems, []);
    t.diagnostic(`Chromium: ${web.backend} (${web.variant}), ${web.reason}; loss ${web.losses[0].toFixed(3)} → ${web.losses.at(-1)!.toFixed(3)}; greedy ${JSON.stringify(web.greedy.slice(0, 40))}`);
    assert.equal(web.backend, 'wasm', `Chromium ran on ${web.backend} (${web.reason})`);
    assert.match(web.reason, /native/, 'the automatic choice says why native was skipped');
    assert.ok(web.losses.length > 20 && web.losses.at(-1)! < web.losses[0] * 0.7, `training in Chromium lowers the loss: ${web.losses[0]} → ${web.losses.at(-1)}`);
    assert.ok(web.greedy.length > 0 && web.sampled.length > 0);

    // The same scenario in Node on the wasm backend: the same kernels, so the same numbers.
    const saved = process.env.RNNLAB_BACKEND;
    process.env.RNNLAB_BACKEND = 'wasm';
    let node: ScenarioResult;
    try {
      node = await scenario(await import('../../src/browser.js'), readFileSync(join(dir, 'run', 'model.safetensors')));
    } finally {
      if (saved === undefined) delete process.env.RNNLAB_BACKEND;
      else process.env.RNNLAB_BACKEND = saved;
    }
    assert.equal(web.variant, node.variant, 'Chromium and Node load the same wasm build');
    assert.deepEqual(web.losses, node.losses);
    assert.equal(web.valBits, node.valBits);
    assert.deepEqual(web.roundTrip, node.roundTrip);
    assert.equal(web.greedy, node.greedy);
    assert.equal(web.sampled, node.sampled);
  } finally {
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
