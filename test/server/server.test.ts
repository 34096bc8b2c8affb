/**
 * `rnnlab serve`'s API against a real server on a random loopback port, over a runs folder in
 * a temporary directory with tiny runs the CLI trained: every endpoint, the security cases
 * (foreign Host, foreign Origin, path traversal, oversized upload, malformed JSON, a burst of
 * 200 requests with a bounded number in flight) and the server still answering after them.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type RnnlabServer } from '../../src/server/app.js';
import { CLI, makeRunsFolder, PANGRAM, rnnlabAsync, show, TINY, type RunResult } from '../cli/helpers.js';
import { call, sse } from './client.js';

let tmp: string, runs: string, server: RnnlabServer, base: string;
/** What the CLI itself prints for the same model and settings (computed side by side in before()). */
let cliSample: RunResult, cliEval: RunResult;

const TEXT = 'the quick brown fox jumps over the lazy dog. pack my box with five dozen liquor jugs.';
const SAMPLE = { strategy: 'sample', temperature: 0.8, topK: 5, length: 30, seed: 7, prime: 'the ' };

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'rnnlab-serve-'));
  runs = makeRunsFolder(tmp);
  const [lm, cls] = await Promise.all([
    rnnlabAsync(['train', '--data', join(runs, 'corpus.txt'), '--out', join(runs, 'lm'), ...TINY, '--epochs', '1', '--seq', '16', '--batch', '4', '--quiet'], { cwd: tmp }),
    rnnlabAsync(['classify', 'train', '--data', join(runs, 'labels.csv'), '--out', join(runs, 'cls'), '--backend', 'js', '--model', 'cnn', '--hidden', '8', '--embed', '8', '--epochs', '1', '--batch', '8', '--quiet'], { cwd: tmp }),
  ]);
  assert.equal(lm.status, 0, show(lm));
  assert.equal(cls.status, 0, show(cls));
  writeFileSync(join(tmp, 'text.txt'), TEXT);
  [cliSample, cliEval] = await Promise.all([
    rnnlabAsync(['sample', '--model', join(runs, 'lm'), '--backend', 'js', '--strategy', 'sample', '--temperature', '0.8', '--top-k', '5', '--length', '30', '--seed', '7', '--prime', 'the ', '--json'], { cwd: tmp }),
    rnnlabAsync(['eval', '--model', join(runs, 'lm'), '--data', join(tmp, 'text.txt'), '--batch', '1', '--json', '--backend', 'js'], { cwd: tmp }),
  ]);
  // a sweep's results (two varied settings: a heat map)
  mkdirSync(join(runs, 'sweep'));
  writeFileSync(join(runs, 'sweep', 'results.json'), JSON.stringify([
    { run: 'h8-lr0.01', params: { hidden: 8, lr: 0.01 }, status: 'done', val_perplexity: 20 },
    { run: 'h8-lr0.1', params: { hidden: 8, lr: 0.1 }, status: 'done', val_perplexity: 15 },
    { run: 'h16-lr0.01', params: { hidden: 16, lr: 0.01 }, status: 'done', val_perplexity: 12 },
    { run: 'h16-lr0.1', params: { hidden: 16, lr: 0.1 }, status: 'failed' },
  ]));
  // a secret outside the runs folder, and a symlink to it from inside
  mkdirSync(join(tmp, 'outside'));
  writeFileSync(join(tmp, 'outside', 'secret.txt'), 'secret');
  symlinkSync(join(tmp, 'outside'), join(runs, 'escape'));
  server = createServer({ runsDir: runs, backend: 'js', jobs: 1, maxInFlight: 4, maxUpload: 4096 });
  base = await server.listen();
});

after(async () => {
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const post = (path: string, json: unknown, headers: Record<string, string> = {}) => call(base, path, { json, headers });

test('the server listens on loopback, describes itself, serves the dashboard on / and lists the API on /api', async () => {
  assert.match(base, /^http:\/\/127\.0\.0\.1:\d+$/);
  const s = await call(base, '/api/server');
  assert.equal(s.status, 200);
  assert.equal(s.json.requests.limit, 4);
  assert.equal(s.json.jobs.limit, 1);
  const home = await call(base, '/');
  assert.equal(home.status, 200);
  assert.match(String(home.headers['content-type']), /text\/html/);
  assert.match(home.text, /<div id="app">/, 'npm run build builds the front end into dist/web');
  const index = await call(base, '/api');
  assert.equal(index.status, 200);
  assert.match(index.text, /\/api\/generate/);
  // the browser-only example is served too (relative asset paths: under /example/)
  const example = await call(base, '/example/');
  assert.equal(example.status, 200);
  assert.match(example.text, /<script type="module"/);
  assert.equal((await call(base, '/example')).status, 301);
  // every response is cross-origin isolated, errors included
  for (const r of [s, home, await call(base, '/api/nothing'), await call(base, '/api/runs/get?id=nope')]) {
    assert.equal(r.headers['cross-origin-opener-policy'], 'same-origin');
    assert.equal(r.headers['cross-origin-embedder-policy'], 'require-corp');
  }
  const missing = await call(base, '/api/nothing');
  assert.equal(missing.status, 404);
  assert.match(missing.json.error, /no endpoint GET \/api\/nothing/);
});

test('runs, sweeps, corpora and models: kind, status, settings and best metrics', async () => {
  const r = await call(base, '/api/runs');
  assert.equal(r.status, 200);
  const lm = r.json.runs.find((x: any) => x.id === 'lm'), cls = r.json.runs.find((x: any) => x.id === 'cls');
  assert.equal(lm.kind, 'lm');
  assert.equal(lm.status, 'done');
  assert.equal(lm.config.hidden, 16);
  assert.ok(lm.best.perplexity > 1 && lm.best.bits_per_token > 0);
  assert.deepEqual(lm.files, { model: true, last: true });
  assert.equal(cls.kind, 'classifier');
  assert.equal(typeof cls.best.accuracy, 'number');
  assert.deepEqual(r.json.sweeps.map((s: any) => s.id), ['sweep']);
  // the symlinked folder is not followed
  assert.ok(!r.json.runs.some((x: any) => x.id.startsWith('escape')));

  const one = await call(base, '/api/runs/get?id=lm');
  assert.equal(one.status, 200);
  assert.ok(one.json.events.some((e: any) => e.type === 'step') && one.json.events.some((e: any) => e.type === 'val'));
  assert.equal(one.json.run_config.config.hidden, 16);

  const sw = await call(base, '/api/sweeps/get?id=sweep');
  assert.equal(sw.status, 200);
  assert.deepEqual(sw.json.varied, ['hidden', 'lr']);
  assert.equal(sw.json.heatmap.cells.length, 4);
  assert.equal(sw.json.heatmap.cells.find((c: any) => c.x === '16' && c.y === '0.01').value, 12);

  const corpora = await call(base, '/api/corpora');
  assert.deepEqual(corpora.json.corpora.map((c: any) => c.path), ['corpus.txt', 'labels.csv']);
  const models = await call(base, '/api/models');
  assert.deepEqual(models.json.models.map((m: any) => [m.id, m.kind]), [['cls', 'classifier'], ['lm', 'lm']]);

  const file = await call(base, '/api/files?path=lm/config.json');
  assert.equal(file.status, 200);
  assert.match(String(file.headers['content-security-policy']), /sandbox/);
  assert.equal(file.json.config.hidden, 16);

  for (const [path, status] of [['/api/runs/get?id=nope', 404], ['/api/runs/get', 400], ['/api/sweeps/get?id=lm', 404], ['/api/runs/get?id=corpus.txt', 404]] as const) {
    const bad = await call(base, path);
    assert.equal(bad.status, status, path);
    assert.equal(typeof bad.json.error, 'string');
  }
});

test('a finished run\'s events stream as metrics.jsonl has them, then a closing event', async () => {
  const s = await sse(base, '/api/runs/events?id=lm');
  assert.equal(s.status, 200);
  assert.match(String(s.headers['content-type']), /text\/event-stream/);
  const closed = await s.until((e) => e.type === 'closed');
  assert.equal(closed.status, 'done');
  const lines = readFileSync(join(runs, 'lm', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(s.events.slice(0, -1), lines);
});

test('the train form\'s settings come from the CLI\'s option tables, with flags, defaults and limits', async () => {
  const r = await call(base, '/api/train/options');
  assert.equal(r.status, 200);
  const hidden = r.json.lm.options.find((o: any) => o.key === 'hidden');
  assert.deepEqual([hidden.flag, hidden.default, hidden.value], ['--hidden', 256, { kind: 'int', min: 1, max: 65536 }]);
  assert.equal(hidden.rule, 'an integer from 1 to 65536');
  assert.equal(r.json.lm.options.find((o: any) => o.key === 'data').file, true);
  assert.equal(r.json.lm.options.find((o: any) => o.key === 'header').flag, '--no-header');
  assert.ok(!r.json.lm.options.some((o: any) => o.key === 'out'));
  assert.ok(r.json.classifier.options.some((o: any) => o.key === 'model' && o.value.values.includes('cnn')));
  assert.deepEqual(r.json.resume, ['epochs', 'maxSteps', 'maxTime']);
  const g = await call(base, '/api/generate/options');
  const topP = g.json.options.find((o: any) => o.key === 'topP');
  assert.deepEqual([topP.flag, topP.rule], ['--top-p', 'a number in (0, 1]']);
  assert.equal(g.json.options.find((o: any) => o.key === 'length').default, 200);
});

test('generate streams tokens as they come, and ends with what rnnlab sample --json prints', async () => {
  const s = await sse(base, '/api/generate', { model: 'lm', ...SAMPLE });
  assert.equal(s.status, 200);
  const done = await s.until((e) => e.type === 'done');
  const tokens = s.events.filter((e) => e.type === 'token');
  assert.equal(tokens.length, 30);
  assert.equal(s.events[0].type, 'prime');
  assert.equal(s.events[0].text + tokens.map((t) => t.text).join(''), done.samples[0].text);
  assert.equal(cliSample.status, 0, show(cliSample));
  assert.equal(done.samples[0].text, JSON.parse(cliSample.stdout).samples[0].text);
});

test('beam search returns its n-best list with scores at the end', async () => {
  const s = await sse(base, '/api/generate', { model: 'lm', strategy: 'beam', beams: 4, numSamples: 3, length: 12 });
  const done = await s.until((e) => e.type === 'done');
  assert.equal(done.samples.length, 3);
  assert.deepEqual(done.samples.map((x: any) => x.rank), [0, 1, 2]);
  for (let i = 1; i < 3; i++) assert.ok(done.samples[i - 1].score >= done.samples[i].score);
});

test('bad generation settings are a 400 naming the setting and its flag, before any stream', async () => {
  const cases: [unknown, RegExp][] = [
    [{ model: 'lm', topP: 3 }, /topP \(--top-p\) must be a number in \(0, 1\], got 3/],
    [{ model: 'lm', length: -1 }, /length \(--length\) must be an integer from 0/],
    [{ model: 'lm', bogus: 1 }, /unknown setting "bogus"/],
    [{ model: 'lm', strategy: 'sample', beams: 3 }, /beams \(--beams\) applies only to the beam/],
    [{ model: 'lm', strategy: 'greedy', topK: 3 }, /no effect with the greedy strategy/],
    [{ model: 'nope' }, /model "nope": no such file/],
    [{ model: 'cls', length: 5 }, /language model/],
  ];
  for (const [body, re] of cases) {
    const r = await post('/api/generate', body);
    if (r.status === 200) {
      // a model that loads but is of the wrong kind is only found out in the worker: an error event
      const ev = r.text.split('\n').filter((l) => l.startsWith('data:')).map((l) => JSON.parse(l.slice(5)));
      assert.equal(ev.at(-1).type, 'error', JSON.stringify(body));
      assert.equal(ev.at(-1).status, 400);
      assert.match(ev.at(-1).error, re);
      continue;
    }
    assert.ok(r.status === 400 || r.status === 404, `${JSON.stringify(body)}: ${r.status} ${r.text}`);
    assert.match(r.json.error, re);
  }
});

test('inspect: each token\'s surprise and alternatives; the perplexity is rnnlab eval\'s on the same text', async () => {
  const r = await post('/api/inspect', { model: 'lm', text: TEXT, top: 3 });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.items.length, TEXT.length);
  assert.equal(r.json.items.map((i: any) => i.token).join(''), TEXT);
  assert.equal(r.json.items[0].nll, null);
  for (const it of r.json.items.slice(1)) {
    assert.ok(it.nll > 0 && Math.abs(it.bits - it.nll / Math.LN2) < 1e-12);
    assert.equal(it.top.length, 3);
  }
  assert.equal(cliEval.status, 0, show(cliEval));
  const want = JSON.parse(cliEval.stdout);
  assert.equal(r.json.tokens, want.tokens);
  assert.ok(Math.abs(r.json.perplexity - want.perplexity) < 1e-9 * want.perplexity, `${r.json.perplexity} vs ${want.perplexity}`);
  assert.ok(Math.abs(r.json.bits_per_token - want.bits_per_token) < 1e-9);
  const bad = await post('/api/inspect', { model: 'lm', text: TEXT, top: 0 });
  assert.equal(bad.status, 400);
  assert.match(bad.json.error, /top must be an integer from 1 to 50/);
});

test('classify: class probabilities of a text, and the confusion matrix and per-class metrics of labelled data', async () => {
  const p = await post('/api/classify/predict', { model: 'cls', text: 'the team won' });
  assert.equal(p.status, 200, p.text);
  assert.deepEqual(Object.keys(p.json.probabilities).sort(), ['sport', 'tech']);
  assert.ok(Math.abs(p.json.probabilities.sport + p.json.probabilities.tech - 1) < 1e-9);
  // without data: the run's own data file (here its --data: it has no --val-data)
  const [e, byRun] = await Promise.all([post('/api/classify/eval', { model: 'cls', data: 'labels.csv' }), post('/api/classify/eval', { model: 'cls' })]);
  assert.equal(byRun.status, 200, byRun.text);
  assert.equal(byRun.json.data, 'labels.csv', 'a runs-folder path, not the absolute one the CLI printed');
  assert.equal(e.status, 200, e.text);
  assert.equal(e.json.documents, 40);
  // the files written beside the model, as runs-folder paths GET /api/files serves
  assert.deepEqual(e.json.files, ['cls/eval-labels.classification_report.csv', 'cls/eval-labels.confusion_matrix.csv', 'cls/eval-labels.confusion_matrix.svg']);
  const svg = await call(base, `/api/files?path=${encodeURIComponent(e.json.files[2])}`);
  assert.equal(svg.status, 200, svg.text);
  assert.match(String(svg.headers['content-type']), /^image\/svg\+xml/);
  assert.match(svg.text, /^<svg[^>]*>/);
  assert.equal(e.json.confusion.length, 2);
  assert.equal(e.json.confusion.flat().reduce((a: number, b: number) => a + b, 0), 40);
  assert.ok(Array.isArray(e.json.classes));
  const wrong = await post('/api/classify/predict', { model: 'lm', text: 'x' });
  assert.equal(wrong.status, 400);
});

test('compare: the compare-strategies table of a model, run from the page', async () => {
  const r = await post('/api/compare', { model: 'lm', samples: 2, length: 8, grid: [{ name: 'greedy', strategy: 'greedy' }, { name: 't0.7', strategy: 'sample', temperature: 0.7 }] });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.rows.map((x: any) => x.name), ['greedy', 't0.7']);
  assert.ok(existsSync(join(runs, 'lm', 'compare-strategies.md')));
  const bad = await post('/api/compare', { model: 'lm', grid: [{ name: 'x', strategy: 'greedy', topK: 3 }] });
  assert.equal(bad.status, 400);
  assert.match(bad.json.error, /no effect with the greedy strategy/);
});

test('uploads land in uploads/ whole; oversized, oddly named or existing ones are refused', async () => {
  const ok = await call(base, '/api/uploads?name=mine.txt', { method: 'POST', body: PANGRAM, headers: { 'content-type': 'text/plain' } });
  assert.equal(ok.status, 201, ok.text);
  assert.deepEqual(ok.json, { path: 'uploads/mine.txt', bytes: PANGRAM.length });
  assert.equal(readFileSync(join(runs, 'uploads', 'mine.txt'), 'utf8'), PANGRAM);
  const again = await call(base, '/api/uploads?name=mine.txt', { method: 'POST', body: 'x' });
  assert.equal(again.status, 409);
  const big = await call(base, '/api/uploads?name=big.txt', { method: 'POST', body: Buffer.alloc(5000, 97) });
  assert.equal(big.status, 413);
  assert.match(big.json.error, /at most 4096/);
  assert.ok(!existsSync(join(runs, 'uploads', 'big.txt')));
  // no Content-Length (chunked): refused as the bytes arrive
  const chunked = await new Promise<number>((resolve, reject) => {
    const req = httpRequest(new URL('/api/uploads?name=chunked.txt', base), { method: 'POST', agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'EPIPE' || (e as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(e)));
    for (let i = 0; i < 10; i++) req.write(Buffer.alloc(1000, 98));
    req.end();
  });
  assert.equal(chunked, 413);
  assert.ok(!existsSync(join(runs, 'uploads', 'chunked.txt')));
  for (const name of ['../x.txt', '.hidden.txt', 'a/b.txt', 'x.exe']) {
    const r = await call(base, `/api/uploads?name=${encodeURIComponent(name)}`, { method: 'POST', body: 'x' });
    assert.equal(r.status, 400, name);
  }
});

test('security: foreign Host, foreign Origin, cross-site requests, path traversal, symlinks out, malformed input', async () => {
  const port = new URL(base).port;
  const cases: [string, Promise<Awaited<ReturnType<typeof call>>>, number, RegExp][] = [
    ['foreign Host', call(base, '/api/runs', { headers: { host: `evil.example:${port}` } }), 403, /DNS rebinding/],
    ['Host on another port', call(base, '/api/runs', { headers: { host: '127.0.0.1:1' } }), 403, /not this server's address/],
    ['foreign Origin', post('/api/train', { settings: { data: 'corpus.txt' } }, { origin: 'http://evil.example' }), 403, /Origin "http:\/\/evil.example" is not this server/],
    ['foreign Origin, stop', post('/api/train/stop', { job: 'job-1' }, { origin: 'http://127.0.0.1:1' }), 403, /is not this server/],
    ['cross-site without Origin', post('/api/train', {}, { 'sec-fetch-site': 'cross-site' }), 403, /cross-site request/],
    ['..', call(base, '/api/files?path=../outside/secret.txt'), 400, /leaves the runs folder/],
    ['encoded ..', call(base, '/api/files?path=lm%2F..%2F..%2Foutside%2Fsecret.txt'), 400, /leaves the runs folder/],
    ['malformed %-escape in a page path', call(base, '/web/%E0%A4%A'), 400, /malformed %-escape/],
    ['absolute', call(base, `/api/files?path=${encodeURIComponent(join(tmp, 'outside', 'secret.txt'))}`), 400, /absolute/],
    ['symlink out', call(base, '/api/files?path=escape/secret.txt'), 403, /leads out of the runs folder/],
    ['run id through a symlink', call(base, '/api/runs/get?id=escape'), 403, /leads out/],
    ['model outside', post('/api/inspect', { model: '../outside', text: 'ab' }), 400, /leaves the runs folder/],
    ['train data outside', post('/api/train', { settings: { data: 'escape/secret.txt' } }), 403, /leads out/],
    ['run name outside', post('/api/train', { name: '../x', settings: { data: 'corpus.txt' } }), 400, /leaves the runs folder/],
    ['malformed JSON', call(base, '/api/inspect', { method: 'POST', body: '{"model": "lm",', headers: { 'content-type': 'application/json' } }), 400, /not valid JSON/],
    ['JSON not an object', post('/api/inspect', [1, 2]), 400, /must be a JSON object/],
    ['not JSON', call(base, '/api/inspect', { method: 'POST', body: 'model=lm', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, /application\/json/],
    ['huge JSON', call(base, '/api/inspect', { method: 'POST', body: JSON.stringify({ model: 'lm', text: 'x'.repeat(2 << 20) }), headers: { 'content-type': 'application/json' } }), 413, /at most/],
    ['out-of-range setting', post('/api/train', { settings: { data: 'corpus.txt', hidden: 0 } }), 400, /--hidden must be an integer from 1 to 65536, got 0/],
    ['unknown setting', post('/api/train', { settings: { data: 'corpus.txt', hiden: 3 } }), 400, /unknown training setting "hiden"/],
    ['unknown kind', post('/api/train', { kind: 'gpt', settings: {} }), 400, /kind must be/],
    ['existing run', post('/api/train', { name: 'lm', settings: { data: 'corpus.txt' } }), 409, /exists already/],
    ['the runs folder as a run', post('/api/train', { name: './', settings: { data: 'corpus.txt' } }), 400, /the runs folder itself/],
    ['a folder as data', post('/api/train', { settings: { data: 'lm' } }), 400, /is a folder, not a file/],
    ['missing data file', post('/api/train', { settings: { data: 'nope.txt' } }), 404, /no such file/],
    ['unknown job', post('/api/train/stop', { job: 'job-999' }), 404, /no job/],
    ['resume without checkpoint', post('/api/train/resume', { id: 'sweep' }), 409, /no last.safetensors/],
  ];
  for (const [what, reply, status, re] of cases) {
    const r = await reply;
    assert.equal(r.status, status, `${what}: ${r.status} ${r.text.slice(0, 300)}`);
    assert.match(r.json.error, re, what);
  }
  // a request that is not HTTP at all
  const raw = await new Promise<string>((resolve, reject) => {
    const sock = connect(Number(port), '127.0.0.1', () => sock.write('NOT HTTP AT ALL\r\n\r\n'));
    let got = '';
    sock.setEncoding('utf8').on('data', (d: string) => (got += d)).on('end', () => resolve(got)).on('error', reject);
  });
  assert.match(raw, /^HTTP\/1\.1 400/);
  // a same-origin POST from the server's own page goes through
  const same = await post('/api/inspect', { model: 'lm', text: 'the fox' }, { origin: base, 'sec-fetch-site': 'same-origin' });
  assert.equal(same.status, 200, same.text);
  // nothing was started by the refused requests
  assert.deepEqual((await call(base, '/api/train/jobs')).json.jobs, []);
});

test('200 concurrent requests: all answered, never more than the limit in flight, and the server answers normally after', async () => {
  // reads, and writes whose bodies are read asynchronously (so requests overlap) and then refused
  const kinds: [() => ReturnType<typeof call>, number][] = [
    [() => call(base, '/api/runs'), 200],
    [() => call(base, '/api/runs/get?id=lm'), 200],
    [() => call(base, '/api/runs/get?id=nope'), 404],
    [() => post('/api/train', { settings: { data: 'corpus.txt', hidden: -1 } }), 400],
    [() => post('/api/inspect', { model: 'lm', text: 'ab', top: 0 }), 400],
    [() => call(base, '/api/train', { json: { settings: { data: 'corpus.txt', lr: 0 } }, splitMs: 20 }), 400],
  ];
  // and a few that hold their slot while a model worker runs
  const slow = (i: number) => i % 40 === 7;
  const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => (slow(i) ? post('/api/inspect', { model: 'lm', text: 'the fox' }) : kinds[i % kinds.length][0]())));
  replies.forEach((r, i) => assert.equal(r.status, slow(i) ? 200 : kinds[i % kinds.length][1], r.text));
  const s = (await call(base, '/api/server')).json;
  assert.ok(s.requests.peak <= 4, `peak ${s.requests.peak} in flight, limit 4`);
  assert.ok(s.requests.peak >= 2, `the burst was concurrent (peak ${s.requests.peak})`);
  assert.equal(s.requests.in_flight, 1); // this request
  assert.equal(s.requests.queued, 0);
  const after = await call(base, '/api/runs/get?id=lm');
  assert.equal(after.status, 200);
  // six slow clients at once: four are handled, two wait, none is refused
  const slowReplies = await Promise.all(Array.from({ length: 6 }, () => call(base, '/api/train', { json: { settings: { data: 'corpus.txt', lr: 0 } }, splitMs: 150 })));
  assert.deepEqual(slowReplies.map((r) => r.status), [400, 400, 400, 400, 400, 400]);
  const s2 = (await call(base, '/api/server')).json;
  assert.equal(s2.requests.peak, 4);
});

test('a training job: start it, see its events arrive, stop it (last.safetensors saved), resume it', async () => {
  const jobs = await sse(base, '/api/train/jobs/events');
  const start = await post('/api/train', { name: 'live', settings: { data: 'corpus.txt', hidden: 8, embed: 4, layers: 1, seq: 8, batch: 2, epochs: 1000, valFraction: 0.1 } }, { origin: base });
  assert.equal(start.status, 202, start.text);
  const job = start.json;
  assert.equal(job.run, 'live');
  assert.ok(job.args.includes('--hidden') && job.args.includes('--out'));
  const events = await sse(base, '/api/runs/events?id=live');
  await events.until((e) => e.type === 'step' && e.step >= 3);
  const stop = await post('/api/train/stop', { job: job.id });
  assert.equal(stop.status, 200);
  const stopped = await jobs.until((j) => j.id === job.id && j.status === 'stopped');
  assert.equal(stopped.exit_code, 130);
  const closed = await events.until((e) => e.type === 'closed');
  assert.equal(closed.status, 'stopped');
  assert.ok(existsSync(join(runs, 'live', 'last.safetensors')));
  const at = events.events.filter((e) => e.type === 'end').at(-1).step;
  assert.equal((await post('/api/train/stop', { job: job.id })).status, 409);

  const resume = await post('/api/train/resume', { id: 'live', maxSteps: at + 3 });
  assert.equal(resume.status, 202, resume.text);
  assert.ok(resume.json.args.includes('--resume'));
  const done = await jobs.until((j) => j.id === resume.json.id && (j.status === 'done' || j.status === 'failed'));
  assert.equal(done.status, 'done', JSON.stringify(done.log));
  const run = (await call(base, '/api/runs/get?id=live')).json;
  assert.equal(run.step, at + 3);
  assert.equal(run.end.stopped_by, 'max-steps');
  const badResume = await post('/api/train/resume', { id: 'live', lr: 0.1 });
  assert.equal(badResume.status, 400);
  jobs.close();
});

test('beyond loopback a token is required, and every request needs it (header, query or the cookie the query sets)', async () => {
  assert.throws(() => createServer({ runsDir: runs, host: '0.0.0.0' }), /needs a token/);
  const s = createServer({ runsDir: runs, host: '0.0.0.0', token: 'sesame', backend: 'js' });
  const url = `http://127.0.0.1:${new URL(await s.listen()).port}`;
  try {
    assert.equal((await call(url, '/api/runs')).status, 401);
    assert.equal((await call(url, '/api/runs', { headers: { authorization: 'Bearer wrong' } })).status, 401);
    assert.equal((await call(url, '/api/runs', { headers: { authorization: 'Bearer sesame' } })).status, 200);
    // the Host check holds with the token too
    assert.equal((await call(url, '/api/runs', { headers: { authorization: 'Bearer sesame', host: 'evil.example' } })).status, 403);
    const q = await call(url, '/?token=sesame');
    assert.equal(q.status, 200);
    const cookie = String(q.headers['set-cookie']).split(';')[0];
    assert.match(String(q.headers['set-cookie']), /HttpOnly; SameSite=Strict/);
    assert.equal((await call(url, '/api/runs', { headers: { cookie } })).status, 200);
  } finally {
    await s.close();
  }
});

test('rnnlab serve --port 0, as a user runs it: prints its address, answers, and stops on Ctrl-C', async () => {
  const child = spawn(process.execPath, [CLI, 'serve', '--runs', runs, '--port', '0', '--backend', 'js'], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /rnnlab serve: (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', () => reject(new Error(`serve exited: ${out} ${err}`)));
  });
  const r = await call(url, '/api/runs');
  assert.equal(r.status, 200);
  assert.ok(r.json.runs.some((x: any) => x.id === 'lm'));
  const code = await new Promise<number | null>((resolve) => {
    child.on('exit', (c) => resolve(c));
    child.kill('SIGINT');
  });
  assert.equal(code, 0, err);

  const [busy, none] = await Promise.all([
    rnnlabAsync(['serve', '--runs', runs, '--port', new URL(base).port], { cwd: tmp }),
    rnnlabAsync(['serve', '--runs', join(tmp, 'nowhere')], { cwd: tmp }),
  ]);
  assert.equal(busy.status, 1);
  assert.match(busy.stderr, /--port \d+ is in use/);
  assert.equal(none.status, 1);
  assert.match(none.stderr, /no such folder/);
});
