/**
 * The browser-only example (examples/browser, built by `npm run build` into
 * dist/examples/browser) in headless Chromium, served cross-origin isolated: paste a text,
 * train in the worker while the page stays responsive, watch the loss curve grow, stop, sample
 * with two strategies, download the model, and sample the download with the CLI in Node.
 * RNNLAB_SCREENS=DIR saves a screenshot after training and after the beam search there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { assertOk, rnnlab, tempDir } from '../cli/helpers.js';
import { TEXT } from './scenario.js';
import { CHROMIUM, CHROMIUM_ARGS, serveFolder, type StaticServer } from './static-server.js';

const BUILT = fileURLToPath(new URL('../../examples/browser/', import.meta.url));
const SCREENS = process.env.RNNLAB_SCREENS;

test('train and sample in the browser-only example', { timeout: 120_000 }, async (t) => {
  assert.ok(existsSync(join(BUILT, 'index.html')), `${BUILT} is missing: \`npm run build\` builds the example`);
  assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM}: \`npm test\` installs Debian's chromium first (scripts/ensure-chromium.mjs), or set RNNLAB_CHROMIUM`);
  const dir = tempDir('browser-example');
  let server: StaticServer | null = null;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    server = await serveFolder(BUILT);
    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    await page.goto(server.url);

    // the page says which backend the worker runs and whether the page is cross-origin isolated
    const backend = page.locator('#backend');
    await page.waitForFunction(() => document.querySelector('#backend')?.getAttribute('data-backend'));
    t.diagnostic(`page: ${await backend.innerText()}`);
    assert.equal(await backend.getAttribute('data-backend'), 'wasm');
    assert.equal(await backend.getAttribute('data-isolated'), 'true');
    assert.equal(await page.evaluate(() => crossOriginIsolated), true);
    // isolated: the threaded wasm backend, one thread per core up to the example's cap of 4
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    assert.ok(cores >= 2, `Chromium reports ${cores} core(s): the threaded backend needs 2`);
    const want = Math.min(4, cores);
    assert.equal(await backend.getAttribute('data-threads'), String(want));
    assert.match(await backend.innerText(), new RegExp(`wasm \\(SIMD128[^)]*, ${want} threads, shared memory\\)`));

    // too little text is one clear message on the page, and the page can train afterwards
    await page.fill('#text', 'far too short');
    await page.click('#train');
    await page.waitForSelector('#error');
    assert.match(await page.locator('#error').innerText(), /^the text is too short for batch 16 × seq 32: paste more/);
    assert.equal(await page.locator('#status').getAttribute('data-phase'), 'idle');

    await page.fill('input[name=lr]', '-1');
    await page.click('#train');
    await page.waitForFunction(() => /learning rate/.test(document.querySelector('#error')?.textContent ?? ''));
    assert.equal(await page.locator('#error').innerText(), 'the learning rate must be a number > 0, got -1');
    await page.fill('input[name=lr]', '0.003');

    await page.fill('#text', TEXT);
    await page.fill('input[name=hidden]', '64');
    await page.fill('input[name=maxSteps]', '100000');
    // the longest gap between 10 ms timer ticks on the page's thread while it trains
    await page.evaluate(() => {
      const w = window as unknown as { __maxGap: number };
      w.__maxGap = 0;
      let last = performance.now();
      setInterval(() => { const now = performance.now(); w.__maxGap = Math.max(w.__maxGap, now - last); last = now; }, 10);
    });
    await page.click('#train');
    const points = () => page.locator('.chart').getAttribute('data-points').then(Number);
    await page.waitForFunction(() => Number(document.querySelector('.chart')?.getAttribute('data-points')) >= 10, null, { timeout: 30_000 });
    const before = await points();
    // a CPU profile of the page's own thread while it trains (the profiler samples that thread only)
    const cdp = await context.newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
    await cdp.send('Profiler.start');

    // while the worker trains, a click gets its answer at once: the time from the browser's
    // click event to its handler, and to the next frame drawn after it
    assert.equal(await page.locator('#status').getAttribute('data-phase'), 'training');
    await page.evaluate(() => {
      const w = window as unknown as { __click?: { handler: number; frame?: number } };
      document.querySelector('#log-scale')!.addEventListener('click', (e) => {
        const c: { handler: number; frame?: number } = (w.__click = { handler: performance.now() - e.timeStamp });
        requestAnimationFrame(() => { c.frame = performance.now() - e.timeStamp; });
      });
    });
    const clicked = Date.now();
    await page.click('#log-scale');
    await page.waitForFunction(() => (window as unknown as { __click?: { frame?: number } }).__click?.frame !== undefined);
    const roundTrip = Date.now() - clicked;
    const click = await page.evaluate(() => (window as unknown as { __click: { handler: number; frame: number } }).__click);
    assert.ok(await page.locator('#log-scale').isChecked());
    await page.waitForFunction((n) => Number(document.querySelector('.chart')?.getAttribute('data-points')) >= n, before + 30, { timeout: 30_000 });
    const maxGap = await page.evaluate(() => (window as unknown as { __maxGap: number }).__maxGap);
    const { profile } = await cdp.send('Profiler.stop');
    const self = new Map<string, number>();
    for (const n of profile.nodes) {
      const f = n.callFrame, key = f.url.startsWith('wasm://') ? 'wasm' : f.functionName || '(anonymous)';
      self.set(key, (self.get(key) ?? 0) + (n.hitCount ?? 0));
    }
    const samples = [...self.values()].reduce((a, b) => a + b, 0);
    const idle = (self.get('(idle)') ?? 0) + (self.get('(program)') ?? 0);
    const top = [...self].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, 5).map(([k, v]) => `${k} ${v}`).join(', ');
    t.diagnostic(`click: handler after ${click.handler.toFixed(1)} ms, next frame after ${click.frame.toFixed(1)} ms (${roundTrip} ms round trip through Playwright); longest gap between 10 ms ticks while training: ${maxGap.toFixed(0)} ms; page thread profile: ${samples} samples, ${idle} idle; busiest ${top}; ${before} → ${await points()} points`);
    // training runs in a Web Worker, not on the page's thread: no kernel ran on it while it trained
    assert.ok(samples > 100, `the profile of the page's thread has samples (${samples})`);
    assert.equal(self.get('wasm') ?? 0, 0, `the page's thread ran wasm kernels while training: ${top}`);
    assert.ok(click.frame < 500, `the click's handler ran and a frame was drawn ${click.frame} ms after the click, while training`);
    // a few hundred ms when CI's two cores also run another test file and the worker's two
    // threads; training on the page's thread would hold it for whole steps without a tick
    assert.ok(maxGap < 1000, `the page's thread was blocked for ${maxGap} ms while training`);

    await page.click('#stop');
    await page.waitForFunction(() => document.querySelector('#status')?.getAttribute('data-phase') === 'trained', null, { timeout: 20_000 });
    const status = await page.locator('#status').innerText();
    assert.match(status, /stopped by interrupt after \d+ steps/);
    const losses = await page.evaluate(() => document.querySelector('.chart')?.getAttribute('data-points'));
    assert.ok(Number(losses) >= 40, `points drawn: ${losses}`);
    const screenshot = async (name: string) => {
      if (!SCREENS) return;
      mkdirSync(SCREENS, { recursive: true });
      await page.screenshot({ path: join(SCREENS, `${name}.png`), fullPage: true });
    };
    await screenshot('example-trained');

    // sample (the default strategy, temperature 0.8, top-k 10), then beam search with 3 outputs
    await page.fill('#prime', 'The ');
    await page.click('#generate');
    await page.waitForSelector('.output pre');
    const sampled = await page.locator('.output pre').first().innerText();
    assert.ok(sampled.startsWith('The ') && sampled.length > 100, `sampled: ${JSON.stringify(sampled)}`);
    await page.selectOption('#strategy', 'beam');
    await page.fill('input[name=beams]', '3');
    await page.fill('input[name=numSamples]', '3');
    await page.fill('input[name=maxTokens]', '40');
    await page.click('#generate');
    await page.waitForFunction(() => document.querySelectorAll('.output').length === 3 && /score/.test(document.querySelector('.output figcaption')?.textContent ?? ''));
    assert.equal(await page.locator('#error').count(), 0);
    await screenshot('example-beam');
    t.diagnostic(`sampled ${JSON.stringify(sampled.slice(0, 60))}; beam ${JSON.stringify(await page.locator('.output pre').first().innerText())}`);

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    assert.equal(download.suggestedFilename(), 'model.safetensors');
    const file = join(dir, 'model.safetensors');
    await download.saveAs(file);
    assert.deepEqual(problems, []);

    const r = rnnlab(['sample', '--model', file, '--prime', 'The ', '--length', '80', '--strategy', 'greedy'], { cwd: dir });
    assertOk(r, 'rnnlab sample --model <download>');
    assert.ok(r.stdout.trim().length > 40, `rnnlab sample printed ${JSON.stringify(r.stdout)}`);
    t.diagnostic(`rnnlab sample: ${JSON.stringify(r.stdout.slice(0, 80))}`);
  } finally {
    await browser.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
