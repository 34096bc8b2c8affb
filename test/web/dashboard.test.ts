/**
 * The dashboard (web/, built into dist/web) end to end in headless Chromium against a real
 * `rnnlab serve` server over a temporary runs folder with tiny runs the CLI trained (a language
 * model, a classifier, a 2×2 sweep): every page opens without console errors and cross-origin
 * isolated; Runs shows curves and the sweep's heat-map; Train starts a run whose curve grows over
 * SSE, stops it (last.safetensors on disk) and resumes it; Generate streams tokens, stops a long
 * generation (the server's model task ends too) and shows beam search's n-best list; Inspect colours tokens by surprise with the CLI's perplexity;
 * Classify draws the confusion matrix and a text's probabilities; Compare shows its table; and
 * no request ever leaves 127.0.0.1. RNNLAB_SCREENS=DIR saves a screenshot of every page there.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createServer, type RnnlabServer } from '../../src/server/app.js';
import { makeRunsFolder, PANGRAM, rnnlabAsync, show, TINY } from '../cli/helpers.js';
import { CHROMIUM, CHROMIUM_ARGS } from '../browser/static-server.js';

const BUILT = fileURLToPath(new URL('../../web/index.html', import.meta.url));
const SCREENS = process.env.RNNLAB_SCREENS;
const TEXT = 'The quick brown fox jumps over the lazy dog. Pack my box.';

let tmp: string, runs: string, server: RnnlabServer, base: string, browser: Browser, context: BrowserContext, page: Page;
let cliPerplexity: number;
const problems: string[] = [];
const offsite: string[] = [];
const requested: string[] = [];

async function screenshot(name: string): Promise<void> {
  if (!SCREENS) return;
  mkdirSync(SCREENS, { recursive: true });
  await page.screenshot({ path: join(SCREENS, `${name}.png`), fullPage: true });
}

async function open(route: string, heading: string | RegExp): Promise<void> {
  await page.goto(`${base}/#/${route}`);
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}

before(async () => {
  assert.ok(existsSync(BUILT), `${BUILT} is missing: \`npm run build\` builds the dashboard`);
  assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM}: \`npm test\` installs Debian's chromium first (scripts/ensure-chromium.mjs), or set RNNLAB_CHROMIUM`);
  tmp = mkdtempSync(join(tmpdir(), 'rnnlab-web-'));
  runs = makeRunsFolder(tmp);
  writeFileSync(join(tmp, 'text.txt'), TEXT);
  const small = ['--epochs', '2', '--seq', '16', '--batch', '4', '--quiet'];
  const [lm, cls, sweep] = await Promise.all([
    rnnlabAsync(['train', '--data', join(runs, 'corpus.txt'), '--out', join(runs, 'lm'), ...TINY, ...small], { cwd: tmp }),
    rnnlabAsync(['classify', 'train', '--data', join(runs, 'labels.csv'), '--out', join(runs, 'cls'), '--backend', 'js', '--model', 'cnn', '--hidden', '8', '--embed', '8', '--epochs', '8', '--batch', '8', '--quiet'], { cwd: tmp }),
    rnnlabAsync(['sweep', '--data', join(runs, 'corpus.txt'), '--out', join(runs, 'sweep'), '--backend', 'js', '--hidden', '8,16', '--lr', '0.01,0.1', '--embed', '8', '--layers', '1', '--epochs', '1', '--seq', '16', '--batch', '4', '--parallel', '2', '--quiet'], { cwd: tmp }),
  ]);
  for (const r of [lm, cls, sweep]) assert.equal(r.status, 0, show(r));
  const ev = await rnnlabAsync(['eval', '--model', join(runs, 'lm'), '--data', join(tmp, 'text.txt'), '--batch', '1', '--json', '--backend', 'js'], { cwd: tmp });
  assert.equal(ev.status, 0, show(ev));
  cliPerplexity = JSON.parse(ev.stdout).perplexity;

  server = createServer({ runsDir: runs, backend: 'js', jobs: 1 });
  base = await server.listen();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  // every request the pages make is recorded; one leaving the machine is refused and noted
  context.on('request', (r) => requested.push(r.url()));
  await context.route((url) => url.hostname !== '127.0.0.1', (route) => {
    offsite.push(route.request().url());
    return route.abort();
  });
  page = await context.newPage();
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  // a refused request (4xx) is logged by Chromium as it loads; the tests check the page shows its message
  page.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) problems.push(`console: ${m.text()}`); });
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('every page opens, cross-origin isolated, with the runs folder in the header and no console error', async () => {
  for (const [route, heading] of [['runs', 'Runs'], ['train', 'Train'], ['generate', 'Generate'], ['inspect', 'Inspect'], ['classify', 'Classify'], ['compare', 'Compare strategies']] as const) {
    await open(route, heading);
    assert.equal(await page.evaluate(() => crossOriginIsolated), true, `${route} is cross-origin isolated`);
    assert.equal(await page.getByRole('link', { name: heading.split(' ')[0] }).getAttribute('aria-current'), 'page');
    await page.getByTestId('runs-dir').waitFor();
  }
  assert.equal(await page.getByTestId('runs-dir').innerText(), server.stats().runs_dir);
  // the browser-only example is served too, cross-origin isolated
  await page.goto(`${base}/example/`);
  await page.waitForFunction(() => document.querySelector('#backend')?.getAttribute('data-isolated') === 'true');
  await page.goto(`${base}/#/nowhere`);
  await page.getByRole('alert').filter({ hasText: 'No page “nowhere”' }).waitFor();
  assert.deepEqual(problems, []);
});

test('Runs: every run with status and metrics, curves overlaid, a sweep\'s heat-map', async () => {
  await open('runs', 'Runs');
  const table = page.getByRole('table', { name: 'runs' });
  for (const id of ['lm', 'cls', 'sweep/hidden=8,lr=0.1']) await table.locator(`tr[data-run="${id}"]`).waitFor();
  assert.equal(await table.locator('tr[data-run]').count(), 6);
  await table.getByRole('button', { name: 'lm', exact: true }).click();
  const chart = page.locator('.chart');
  await page.waitForFunction(() => Number(document.querySelector('.chart')?.getAttribute('data-points')) > 10);
  assert.equal(await chart.getAttribute('data-series'), '2');
  assert.equal(await chart.locator('canvas').count(), 1);
  await page.getByRole('checkbox', { name: 'show sweep/hidden=16,lr=0.1' }).check();
  await page.waitForFunction(() => document.querySelector('.chart')?.getAttribute('data-series') === '4');
  await page.getByRole('button', { name: 'sweep', exact: true }).click();
  // the sweep's own figures, drawn by rnnlab plot's Vega-Lite specs: shown, and the heat-map's
  // four cells labelled with the four runs' validation perplexities of the results table
  const heat = page.getByRole('img', { name: /^sweep sweep: validation perplexity/ });
  await heat.waitFor();
  await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('figure.plot img')].every((i) => i.complete && i.naturalWidth > 0));
  assert.equal(await page.locator('figure.plot img').count(), 2, 'the heat-map and the curves');
  const labels = await heat.evaluate(async (img: HTMLImageElement) => {
    const svg = new DOMParser().parseFromString(await (await fetch(img.src)).text(), 'image/svg+xml');
    return [...svg.querySelectorAll('g.mark-text.role-mark text')].map((t) => t.textContent);
  });
  const results = page.getByRole('table', { name: 'sweep results' });
  assert.equal(await results.locator('tbody tr').count(), 4);
  const ppl = await results.locator('tbody tr td:nth-child(5)').allInnerTexts();
  // (each rounded its own way: the table to 3 significant digits, the figure to 4)
  const [a, b] = [labels.map(Number).sort((x, y) => x - y), ppl.map(Number).sort((x, y) => x - y)];
  assert.ok(a.length === 4 && a.every((v, i) => Math.abs(v - b[i]!) <= 0.01 * b[i]!), `heat-map labels ${labels} are the results' perplexities ${ppl}`);
  // a run of the sweep, picked from its table, is shown with the others
  await results.getByRole('button', { name: 'hidden=8,lr=0.01' }).click();
  await page.locator('section[aria-label="run sweep/hidden=8,lr=0.01"]').waitFor();
  await screenshot('runs');
  assert.deepEqual(problems, []);
});

test('Train: start a run from the form, its curve grows over SSE, stop it, resume it', { timeout: 60_000 }, async () => {
  await open('train', 'Train');
  const form = page.getByRole('form', { name: 'new run' });
  // the page checks limits before sending: --hidden 0 is refused with the CLI's message
  await form.getByLabel('--data', { exact: true }).selectOption('corpus.txt');
  await form.getByLabel('--hidden', { exact: true }).fill('0');
  await form.getByRole('button', { name: 'Start training' }).click();
  await page.getByRole('alert').filter({ hasText: '--hidden must be an integer from 1 to 65536, got 0' }).waitFor();
  // …and the server's own 4xx message is shown as it is (a run name that exists)
  // the classifier's form is `rnnlab classify train`'s table
  await form.getByRole('radio', { name: /classifier/ }).check();
  await form.getByLabel('--model', { exact: true }).waitFor();
  assert.equal(await form.getByLabel('--model', { exact: true }).inputValue(), '');
  assert.match(await form.getByLabel('--model', { exact: true }).innerText(), /gru \(default\)/);
  await form.getByRole('radio', { name: /language model/ }).check();
  await form.getByLabel('--cell', { exact: true }).waitFor();
  await form.getByLabel('--data', { exact: true }).selectOption('corpus.txt');
  await form.getByLabel('run name').fill('lm');
  await form.getByLabel('--hidden', { exact: true }).fill('8');
  await form.getByRole('button', { name: 'Start training' }).click();
  await page.getByRole('alert').filter({ hasText: /exists already/ }).waitFor();

  // an uploaded corpus lands in uploads/ and becomes the run's --data
  await form.getByLabel('or upload a corpus').setInputFiles({ name: 'pangram.txt', mimeType: 'text/plain', buffer: Buffer.from(PANGRAM.repeat(12)) });
  await page.waitForFunction(() => (document.querySelector('#train-data') as HTMLSelectElement | null)?.value === 'uploads/pangram.txt');
  assert.ok(existsSync(join(runs, 'uploads', 'pangram.txt')));
  await form.getByLabel('run name').fill('live');
  for (const [flag, v] of [['--embed', '4'], ['--layers', '1'], ['--seq', '8'], ['--batch', '2'], ['--epochs', '1000']]) await form.getByLabel(flag, { exact: true }).fill(v);
  await form.getByRole('button', { name: 'Start training' }).click();
  const current = page.getByRole('region', { name: 'current run' });
  await current.locator('[data-status="running"]').waitFor({ timeout: 20_000 });
  const points = () => current.locator('.chart').getAttribute('data-points').then(Number);
  await page.waitForFunction(() => Number(document.querySelector('[aria-label="current run"] .chart')?.getAttribute('data-points')) >= 5, null, { timeout: 20_000 });
  const first = await points();
  await page.waitForFunction((n) => Number(document.querySelector('[aria-label="current run"] .chart')?.getAttribute('data-points')) > n, first, { timeout: 20_000 });
  await screenshot('train');

  await current.getByRole('button', { name: 'Stop' }).click();
  await current.locator('h2 [data-status="stopped"]').waitFor({ timeout: 20_000 });
  assert.ok(existsSync(join(runs, 'live', 'last.safetensors')), 'a stopped run saved last.safetensors');
  const stoppedAt = await points();
  // the step the run saved (the page's curve may still be catching up with the file)
  const saved = await page.evaluate(() => fetch('/api/runs/get?id=live').then((r) => r.json()).then((r: { step: number }) => r.step));

  const resume = current.getByRole('form', { name: 'resume' });
  await resume.getByLabel('--max-steps', { exact: true }).fill(String(saved + 40));
  await resume.getByRole('button', { name: 'Resume' }).click();
  await current.locator('h2 [data-status="running"], h2 [data-status="done"]').first().waitFor({ timeout: 20_000 });
  try {
    await current.locator('h2 [data-status="done"]').waitFor({ timeout: 30_000 });
  } finally {
    await screenshot('train-resumed');
  }
  await page.waitForFunction((n) => Number(document.querySelector('[aria-label="current run"] .chart')?.getAttribute('data-points')) > n, stoppedAt, { timeout: 10_000 });
  const jobs = page.getByRole('table', { name: 'jobs' });
  assert.equal(await jobs.locator('tr[data-job]').count(), 2);
  assert.match(await jobs.locator('tr[data-job]').first().innerText(), /live\s+resume\s+done/);
  assert.deepEqual(problems, []);
});

test('Runs: a stopped run resumes from its row, and the Train page follows it', { timeout: 40_000 }, async () => {
  // a run started and stopped through the API, as a script (or an earlier server) would
  const api = (path: string, body: unknown) => fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json());
  const job = await api('/api/train', { name: 'again', settings: { data: 'corpus.txt', hidden: 8, embed: 4, layers: 1, seq: 8, batch: 2, epochs: 1000 } });
  assert.equal(typeof job.id, 'string', JSON.stringify(job));
  // (a 404 until the run's folder exists: no step yet)
  for (let i = 0; i < 400 && !((await fetch(`${base}/api/runs/get?id=again`).then((r) => r.json())).step >= 5); i++) await new Promise((r) => setTimeout(r, 50));
  await api('/api/train/stop', { job: job.id });
  for (let i = 0; i < 200 && (await fetch(`${base}/api/train/job?id=${job.id}`).then((r) => r.json())).status !== 'stopped'; i++) await new Promise((r) => setTimeout(r, 50));

  await page.goto(`${base}/#/runs?id=again`);
  const detail = page.getByRole('region', { name: 'run again' });
  try {
    await detail.locator('[data-status="stopped"]').waitFor();
  } finally {
    await screenshot('runs-stopped');
  }
  await detail.getByRole('button', { name: 'Resume training' }).click();
  await page.waitForURL(/#\/train\?job=job-/);
  const current = page.getByRole('region', { name: 'current run' });
  await current.getByRole('heading', { name: /Run again/ }).waitFor();
  await current.locator('h2 [data-status="running"]').waitFor({ timeout: 20_000 });
  await current.getByRole('button', { name: 'Stop' }).click();
  await current.locator('h2 [data-status="stopped"]').waitFor({ timeout: 20_000 });
  assert.deepEqual(problems, []);
});

test('Generate: tokens stream in; beam search shows its n-best list with scores', { timeout: 30_000 }, async () => {
  await open('generate', 'Generate');
  const form = page.getByRole('form', { name: 'generate' });
  await form.getByLabel('model', { exact: true }).selectOption('lm');
  await form.getByLabel('--prime', { exact: true }).fill('The ');
  await form.getByLabel('--length', { exact: true }).fill('6000');
  // every length the output had, as the page drew it
  await page.evaluate(() => {
    const w = window as unknown as { __lengths: number[] };
    w.__lengths = [];
    new MutationObserver(() => {
      const pre = document.querySelector('pre.generated');
      if (pre) w.__lengths.push(pre.textContent!.length);
    }).observe(document.querySelector('main')!, { subtree: true, childList: true, characterData: true });
  });
  await form.getByRole('button', { name: 'Generate' }).click();
  const result = page.getByRole('region', { name: 'result' });
  await result.waitFor({ timeout: 20_000 });
  const lengths = await page.evaluate(() => (window as unknown as { __lengths: number[] }).__lengths);
  const growing = [...new Set(lengths)].filter((n) => n > 4);
  assert.ok(growing.length >= 3, `the text grew in several steps: ${growing.slice(0, 10).join(', ')}`);
  const text = await page.locator('pre.generated').innerText();
  assert.ok(text.startsWith('The ') && text.length === 4 + 6000, `prime and 6000 characters (${text.length})`);
  await screenshot('generate');

  await form.getByLabel('--strategy', { exact: true }).selectOption('beam');
  await form.getByLabel('--length', { exact: true }).fill('20');
  await form.getByLabel('--beams', { exact: true }).fill('3');
  await form.getByLabel('--num-samples', { exact: true }).fill('3');
  await form.getByRole('button', { name: 'Generate' }).click();
  const nbest = page.getByRole('table', { name: 'n-best list' });
  await nbest.waitFor({ timeout: 20_000 });
  const rows = await nbest.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
  assert.equal(rows.length, 3);
  assert.deepEqual(rows.map((r) => r[0]), ['1', '2', '3']);
  for (const r of rows) assert.ok(Number.isFinite(Number(r[1])), `a score: ${r[1]}`);
  assert.ok(Number(rows[0]![1]) >= Number(rows[2]![1]), 'best first');
  await screenshot('generate-beam');
  assert.deepEqual(problems, []);
});

test('Generate: Stop ends a long generation, on the page and on the server', { timeout: 60_000 }, async () => {
  await open('generate', 'Generate');
  const form = page.getByRole('form', { name: 'generate' });
  await form.getByLabel('model', { exact: true }).selectOption('lm');
  await form.getByLabel('--strategy', { exact: true }).selectOption({ label: 'sample (default)' });
  await form.getByLabel('--prime', { exact: true }).fill('The ');
  // far more than the test waits for: only Stop can end it
  await form.getByLabel('--length', { exact: true }).fill('1000000');
  await form.getByLabel('--num-samples', { exact: true }).fill('1');
  await form.getByRole('button', { name: 'Generate' }).click();
  await page.getByRole('status').filter({ hasText: 'generating' }).waitFor();
  await page.waitForFunction(() => Number(document.querySelector('pre.generated')?.getAttribute('data-length') ?? 0) > 500, null, { timeout: 20_000 });
  assert.equal((server.stats().model_tasks as { in_flight: number }).in_flight, 1, 'the generation runs in a model task');
  await form.getByRole('button', { name: 'Stop' }).click();
  await page.getByRole('status').filter({ hasText: 'generating' }).waitFor({ state: 'detached', timeout: 10_000 });
  assert.ok(await form.getByRole('button', { name: 'Generate' }).isEnabled(), 'Generate can be pressed again');
  assert.equal(await form.getByRole('button', { name: 'Stop' }).count(), 0, 'no Stop button once stopped');
  // the server ended the worker and closed the stream
  const deadline = Date.now() + 10_000;
  let stats = server.stats();
  while (((stats.model_tasks as { in_flight: number }).in_flight > 0 || (stats.streams as { open: number }).open > 0) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    stats = server.stats();
  }
  assert.equal((stats.model_tasks as { in_flight: number }).in_flight, 0, 'no model task left running');
  assert.equal((stats.streams as { open: number }).open, 0, 'no stream left open');
  // the text stopped where it was: shorter than asked, and it does not grow any more
  const stopped = Number(await page.locator('pre.generated').getAttribute('data-length'));
  assert.ok(stopped > 500 && stopped < 4 + 1_000_000, `stopped part way (${stopped} characters)`);
  await page.waitForTimeout(500);
  assert.equal(Number(await page.locator('pre.generated').getAttribute('data-length')), stopped, 'no token after Stop');
  assert.equal(await page.getByRole('region', { name: 'result' }).count(), 0, 'no result: the generation did not finish');
  // a char model: one token a character, after the 4 of the prime
  assert.equal(await page.getByRole('note').innerText(), `Stopped after ${(stopped - 4).toLocaleString('en-US')} tokens.`);
  await screenshot('generate-stopped');
  assert.deepEqual(problems, []);
});

test('Inspect: tokens coloured by surprise, alternatives on hover, the CLI\'s perplexity', async () => {
  await open('inspect', 'Inspect');
  const form = page.getByRole('form', { name: 'inspect' });
  await form.getByLabel('model', { exact: true }).selectOption('lm');
  await form.getByLabel('text', { exact: true }).fill(TEXT);
  await form.getByRole('button', { name: 'Inspect' }).click();
  const tokens = page.locator('.tok');
  await tokens.first().waitFor();
  assert.equal(await tokens.count(), TEXT.length);
  const colours = await tokens.evaluateAll((ts) => ts.map((t) => getComputedStyle(t).backgroundColor));
  assert.ok(new Set(colours).size >= 5, `the colour follows the surprise: ${new Set(colours).size} shades`);
  await tokens.nth(5).hover();
  const alternatives = page.getByRole('table', { name: 'top alternatives' });
  await alternatives.waitFor();
  assert.equal(await alternatives.locator('tbody tr').count(), 5);
  const shown = Number(await page.locator('[data-stat="perplexity"]').innerText());
  assert.ok(Math.abs(shown - cliPerplexity) / cliPerplexity < 1e-4, `perplexity ${shown} = rnnlab eval --batch 1's ${cliPerplexity}`);
  await screenshot('inspect');
  assert.deepEqual(problems, []);
});

test('Classify: class probabilities of a typed text; the confusion matrix and per-class metrics', { timeout: 30_000 }, async () => {
  await open('classify', 'Classify');
  await page.getByLabel('model', { exact: true }).selectOption('cls');
  await page.getByLabel('text to classify').fill('the team won the match');
  await page.getByRole('button', { name: 'Classify' }).click();
  const probs = page.getByRole('table', { name: 'class probabilities' });
  await probs.waitFor();
  const ps = await probs.locator('tbody tr td.num').allInnerTexts();
  assert.equal(ps.length, 2);
  assert.ok(Math.abs(ps.map(Number).reduce((a, b) => a + b, 0) - 1) < 2e-3, `probabilities sum to 1: ${ps}`);
  await page.getByLabel('labelled data').selectOption('labels.csv');
  await page.getByRole('button', { name: 'Evaluate' }).click();
  // rnnlab plot's confusion matrix, which classify eval wrote beside the model
  const matrix = page.getByRole('img', { name: 'confusion matrix of 2 classes' });
  await matrix.waitFor({ timeout: 20_000 });
  await page.waitForFunction(() => { const i = document.querySelector<HTMLImageElement>('figure.plot img'); return !!i && i.complete && i.naturalWidth > 0; });
  const src = (await matrix.getAttribute('src'))!;
  assert.match(decodeURIComponent(src), /path=cls\/eval-labels\.confusion_matrix\.svg&v=\d+$/);
  const counts = await matrix.evaluate(async (img: HTMLImageElement) => {
    const svg = new DOMParser().parseFromString(await (await fetch(img.src)).text(), 'image/svg+xml');
    return [...svg.querySelectorAll('g.mark-text.role-mark text')].map((t) => t.textContent);
  });
  assert.equal(counts.length, 4, `four cells: ${counts}`);
  assert.equal(counts.map(Number).reduce((a, b) => a + b, 0), 40, 'every document of labels.csv in the matrix');
  assert.equal(await page.getByRole('table', { name: 'per-class metrics' }).locator('tbody tr').count(), 2);
  // evaluating again rewrites the same file: the page loads it anew rather than keep the old picture
  await page.getByRole('button', { name: 'Evaluate' }).click();
  await page.waitForFunction((old) => { const i = document.querySelector('figure.plot img'); return !!i && i.getAttribute('src') !== old; }, src, { timeout: 20_000 });
  await screenshot('classify');
  assert.deepEqual(problems, []);
});

test('Compare: the strategies table for a model, run from the page', { timeout: 30_000 }, async () => {
  await open('compare', 'Compare strategies');
  const form = page.getByRole('form', { name: 'compare strategies' });
  await form.getByLabel('model', { exact: true }).selectOption('lm');
  await form.getByLabel('--samples', { exact: true }).fill('2');
  await form.getByLabel('--length', { exact: true }).fill('20');
  await form.getByRole('button', { name: 'Compare' }).click();
  const table = page.getByRole('table', { name: 'strategies' });
  await table.waitFor({ timeout: 25_000 });
  assert.ok(await table.locator('tbody tr').count() >= 3);
  assert.ok(existsSync(join(runs, 'lm', 'compare-strategies.md')));
  await screenshot('compare');
  assert.deepEqual(problems, []);
});

test('no request left 127.0.0.1', () => {
  assert.ok(requested.length > 20);
  assert.deepEqual(offsite, []);
  for (const u of requested) assert.equal(new URL(u).hostname, '127.0.0.1', u);
});
