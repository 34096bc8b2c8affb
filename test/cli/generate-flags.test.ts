/**
 * Generation flags as a user types them: --no-repeat-ngram reaching the decoder, beam n-best
 * lists, --min-length, --ban, epsilon/eta and --min-tokens-to-keep, --stream printing the final
 * text for every kind of model, no [SOS] in a document model's text, a closed output pipe,
 * grid entries held to sample's checks, and requests too large to start.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertOk, assertOneLineError, CLI, inParallel, rnnlab, rnnlabAsync, tempDir, writePangrams, type RunResult } from './helpers.js';

let dir = '';
const JS = ['--backend', 'js'];
const SMALL = [...JS, '--hidden', '16', '--embed', '8', '--layers', '1', '--batch', '8', '--epochs', '2', '--lr', '0.02', '--quiet'];

before(async () => {
  dir = tempDir('genflags');
  const data = writePangrams(dir);
  const docs = ['The quick brown fox jumps over the lazy dog.', 'Pack my box with five dozen liquor jugs.', 'We propose a new method for the quick fox.'];
  writeFileSync(join(dir, 'docs.jsonl'), docs.map((t) => JSON.stringify({ text: t }) + '\n').join('').repeat(30));
  writeFileSync(join(dir, 'cls.csv'), 'label,text\n' + Array.from({ length: 40 }, (_, i) => `${i % 2 ? 'a' : 'b'},the quick fox number ${i} jumps\n`).join(''));
  writeFileSync(join(dir, 'ptb.txt'), ' the quick brown fox jumps over the <unk> dog \n pack my box with five dozen liquor jugs \n'.repeat(40));
  const runs = await inParallel([
    () => rnnlabAsync(['train', '--data', data, '--out', 'char', ...SMALL, '--epochs', '3', '--seq', '32'], { cwd: dir }),
    () => rnnlabAsync(['train', '--data', 'docs.jsonl', '--out', 'docs', '--level', 'char', '--batching', 'pad', ...SMALL], { cwd: dir }),
    () => rnnlabAsync(['train', '--data', data, '--out', 'word', '--level', 'word', '--seq', '32', ...SMALL], { cwd: dir }),
    () => rnnlabAsync(['train', '--data', data, '--out', 'bpe', '--level', 'bpe', '--bpe-merges', '30', '--seq', '32', ...SMALL], { cwd: dir }),
    () => rnnlabAsync(['classify', 'train', '--data', 'cls.csv', '--model', 'cnn', '--hidden', '4', '--embed', '4', '--max-steps', '1', '--out', 'cls', ...JS, '--quiet'], { cwd: dir }),
    () => rnnlabAsync(['train', '--data', 'ptb.txt', '--out', 'ptb', '--level', 'word', '--tokenizer', 'whitespace', '--eos-per-line', '--unk-token', '<unk>', '--seq', '32', ...SMALL], { cwd: dir }),
  ]);
  runs.forEach((r) => assertOk(r, 'training'));
});

interface SampleJson { samples: { text: string; ids: number[]; finished_by: string; score?: number; rank?: number; log_prob: number }[] }
const json = (r: RunResult): SampleJson => JSON.parse(r.stdout) as SampleJson;

/** Character n-grams of a text that occur more than once. */
function repeatedNgrams(text: string, n: number): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  const chars = [...text];
  for (let i = 0; i + n <= chars.length; i++) {
    const g = chars.slice(i, i + n).join('');
    if (seen.has(g)) twice.add(g);
    seen.add(g);
  }
  return [...twice];
}

test('--no-repeat-ngram reaches the decoder: the output changes and no n-gram repeats', async () => {
  const base = ['sample', '--model', 'char', '--prime', 'The', '--length', '60', '--strategy', 'greedy', ...JS];
  const [plain, three, one] = await inParallel([
    () => rnnlabAsync(base, { cwd: dir }),
    () => rnnlabAsync([...base, '--no-repeat-ngram', '3'], { cwd: dir }),
    () => rnnlabAsync([...base, '--no-repeat-ngram', '1', '--length', '20'], { cwd: dir }),
  ]);
  for (const r of [plain, three, one]) assertOk(r);
  assert.notEqual(three.stdout, plain.stdout, 'the flag changes greedy output');
  assert.ok(repeatedNgrams(plain.stdout.trimEnd(), 3).length > 0, 'greedy repeats itself without the flag');
  assert.deepEqual(repeatedNgrams(three.stdout.trimEnd(), 3), [], three.stdout);
  assert.deepEqual(repeatedNgrams(one.stdout.trimEnd(), 1), [], one.stdout);
  assertOneLineError(rnnlab([...base, '--no-repeat-ngram', '0'], { cwd: dir }), /--no-repeat-ngram/);
});

test('beam search: --num-samples N gives the N best of one search, each with its score', async () => {
  const base = ['sample', '--model', 'char', '--prime', 'The quick', '--length', '20', '--strategy', 'beam', '--beams', '4', ...JS];
  const [three, one, text, tooMany, bs] = await inParallel([
    () => rnnlabAsync([...base, '--num-samples', '3', '--json'], { cwd: dir }),
    () => rnnlabAsync([...base, '--json'], { cwd: dir }),
    () => rnnlabAsync([...base, '--num-samples', '2'], { cwd: dir }),
    () => rnnlabAsync([...base, '--num-samples', '5'], { cwd: dir }),
    () => rnnlabAsync([...base, '--strategy', 'beam-sample', '--num-samples', '4', '--seed', '3', '--json'], { cwd: dir }),
  ]);
  for (const r of [three, one, text, bs]) assertOk(r);
  const s = json(three).samples;
  assert.equal(s.length, 3);
  assert.deepEqual(s.map((x) => x.rank), [0, 1, 2]);
  for (let i = 1; i < s.length; i++) assert.ok(s[i - 1].score! >= s[i].score!, 'best first');
  assert.equal(new Set(s.map((x) => x.ids.join(','))).size, 3, 'three different hypotheses, not one search repeated');
  assert.deepEqual(json(one).samples.map((x) => x.ids), [s[0].ids], 'the default is the best hypothesis');
  assert.equal(typeof json(one).samples[0].score, 'number');
  assert.match(text.stdout, /^--- rank 1 · score -?\d+\.\d{3} · log p/m);
  assert.match(text.stdout, /^--- rank 2 · score/m);
  assertOneLineError(tooMany, /--num-samples 5 is more than the beam width 4/);
  const b = json(bs).samples;
  assert.equal(b.length, 4);
  assert.equal(new Set(b.map((x) => x.ids.join(','))).size, 4);
});

test('--min-length, --ban, --epsilon-cutoff, --eta-cutoff and --min-tokens-to-keep', async () => {
  const docs = ['sample', '--model', 'docs', '--length', '60', ...JS, '--json', '--num-samples', '6', '--seed', '2'];
  const char = ['sample', '--model', 'char', '--prime', 'The', '--length', '60', ...JS];
  const [free, min, plain, banned, eps, eta, sampled, topk1, greedy, keep] = await inParallel([
    () => rnnlabAsync(docs, { cwd: dir }),
    () => rnnlabAsync([...docs, '--min-length', '45'], { cwd: dir }),
    () => rnnlabAsync([...char, '--strategy', 'greedy'], { cwd: dir }),
    () => rnnlabAsync([...char, '--strategy', 'greedy', '--ban', 'dog', '--ban', 'box'], { cwd: dir }),
    () => rnnlabAsync([...char, '--seed', '4', '--epsilon-cutoff', '0.2'], { cwd: dir }),
    () => rnnlabAsync([...char, '--seed', '4', '--eta-cutoff', '0.2'], { cwd: dir }),
    () => rnnlabAsync([...char, '--seed', '4'], { cwd: dir }),
    () => rnnlabAsync([...char, '--seed', '4', '--top-k', '1'], { cwd: dir }),
    () => rnnlabAsync([...char, '--strategy', 'greedy'], { cwd: dir }),
    () => rnnlabAsync([...char, '--seed', '4', '--top-k', '1', '--min-tokens-to-keep', '8'], { cwd: dir }),
  ]);
  for (const r of [free, min, plain, banned, eps, eta, sampled, topk1, greedy, keep]) assertOk(r);
  assert.ok(json(free).samples.some((x) => x.ids.length < 45 && x.finished_by === 'eos'), 'documents end early by themselves');
  for (const x of json(min).samples) assert.ok(x.ids.length >= 45, `${x.ids.length} tokens: ${x.text}`);
  assert.match(plain.stdout, /dog|box/);
  assert.doesNotMatch(banned.stdout, /dog|box/);
  assert.notEqual(banned.stdout, plain.stdout);
  assert.notEqual(eps.stdout, sampled.stdout, 'epsilon changes the draws');
  assert.notEqual(eta.stdout, sampled.stdout, 'eta changes the draws');
  assert.equal(topk1.stdout, greedy.stdout, 'top-k 1 is greedy');
  assert.notEqual(keep.stdout, greedy.stdout, '--min-tokens-to-keep 8 widens top-k 1');

  const errors: [string[], RegExp][] = [
    [[...char, '--epsilon-cutoff', '1'], /--epsilon-cutoff/],
    [[...char, '--eta-cutoff', '0'], /--eta-cutoff/],
    [[...char, '--min-tokens-to-keep', '0'], /--min-tokens-to-keep/],
    [[...char, '--strategy', 'greedy', '--eta-cutoff', '0.1'], /--eta-cutoff has no effect with the greedy strategy/],
    [[...char, '--min-length', '61'], /--min-length 61 is more than --length 60/],
    [[...char, '--ban', 'é'], /--ban "é" holds characters outside the model's vocabulary/],
  ];
  const rs = await inParallel(errors.map(([args]) => () => rnnlabAsync(args, { cwd: dir })));
  rs.forEach((r, i) => assertOneLineError(r, errors[i][1], errors[i][0].slice(-2).join(' ')));
});

test('--stream prints exactly the final text for char, document, word, BPE and whitespace models; no [SOS]', async () => {
  const jobs = ['char', 'docs', 'word', 'bpe', 'ptb'].flatMap((m) => [false, true].map((raw) => {
    const args = ['sample', '--model', m, '--prime', 'the quick', '--length', '30', '--seed', '1', ...JS, ...(raw ? ['--raw'] : [])];
    return async () => ({ m, raw, batch: await rnnlabAsync(args, { cwd: dir }), stream: await rnnlabAsync([...args, '--stream'], { cwd: dir }) });
  }));
  for (const { m, raw, batch, stream } of await inParallel(jobs)) {
    assertOk(batch, m);
    assertOk(stream, m);
    assert.equal(stream.stdout, batch.stdout, `${m}${raw ? ' --raw' : ''}`);
    assert.doesNotMatch(batch.stdout, /\[(SOS|EOS|PAD)\]/, m);
  }
  // a document model primed with nothing starts from [SOS], which is not text
  const [plain, streamed] = await inParallel([
    () => rnnlabAsync(['sample', '--model', 'docs', '--length', '40', '--num-samples', '3', ...JS], { cwd: dir }),
    () => rnnlabAsync(['sample', '--model', 'docs', '--length', '40', '--stream', ...JS], { cwd: dir }),
  ]);
  assertOk(plain);
  assertOk(streamed);
  assert.doesNotMatch(plain.stdout + streamed.stdout, /\[SOS\]/);
});

/** Runs the CLI with its stdout pipe closed by the reader before anything is written. */
function closedPipe(args: string[]): Promise<RunResult & { ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout: '', stderr, ms: Date.now() - t0 });
    });
  });
}

test('a closed output pipe ends every command quietly (exit 0, no stack trace)', async () => {
  writeFileSync(join(dir, 'eval.txt'), 'The quick brown fox jumps over the lazy dog.\n');
  const commands: string[][] = [
    ['sample', '--model', 'char', '--length', '200', '--num-samples', '50', ...JS],
    ['sample', '--model', 'char', '--length', '1000000', '--stream', ...JS],
    ['sample', '--model', 'char', '--length', '50', '--num-samples', '4', '--json', ...JS],
    ['eval', '--model', 'char', '--data', 'eval.txt', ...JS],
    ['compare-strategies', '--model', 'char', '--samples', '2', '--length', '8', '--out', 'cmp', ...JS],
    ['classify', 'predict', '--model', 'cls', '--text', 'the quick fox', ...JS],
    ['info'],
    ['--help'],
    ['sample', '--help'],
  ];
  const rs = await inParallel(commands.map((c) => () => closedPipe(c)));
  rs.forEach((r, i) => {
    const what = commands[i].slice(0, 2).join(' ');
    assert.equal(r.status, 0, `${what}: exit ${r.status} ${r.signal ?? ''}\n${r.stderr}`);
    assert.doesNotMatch(r.stderr, /EPIPE|^\s+at |Error/m, `${what}: ${r.stderr}`);
  });
  assert.ok(rs[1].ms < 30_000, `--stream stops generating once the reader is gone (${rs[1].ms} ms)`);
  // and through a shell, as users write it
  const sh = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${CLI}" sample --model char --length 100 --num-samples 30 --backend js | head -1`], { cwd: dir, encoding: 'utf8' });
  assert.equal(sh.status, 0, sh.stderr);
  assert.equal(sh.stderr, '');
  assert.equal(sh.stdout.split('\n').length, 2);
});

test('compare-strategies: grid entries get sample\'s checks; too-large requests are refused before they start', async () => {
  writeFileSync(join(dir, 'huge-beam.json'), JSON.stringify([{ name: 'ok', strategy: 'greedy' }, { name: 'wide', strategy: 'beam', beams: 100000 }]));
  writeFileSync(join(dir, 'greedy-p.json'), JSON.stringify([{ name: 'g', strategy: 'greedy', topP: 0.9 }]));
  writeFileSync(join(dir, 'new.json'), JSON.stringify([
    { name: 'no dog', strategy: 'sample', ban: ['dog'] },
    { name: 'eps', strategy: 'sample', epsilonCutoff: 0.05, minTokensToKeep: 2 },
    { name: 'eta', strategy: 'sample', etaCutoff: 0.1 },
    { name: 'long', strategy: 'greedy', minLength: 5 },
  ]));
  writeFileSync(join(dir, 'bad-ban.json'), JSON.stringify([{ name: 'b', strategy: 'sample', ban: ['é'] }]));
  writeFileSync(join(dir, 'too-long.json'), JSON.stringify([{ name: 'ok', strategy: 'greedy' }, { name: 'long', strategy: 'sample', minLength: 50 }]));
  const cmp = ['compare-strategies', '--model', 'char', '--samples', '2', '--length', '10', '--out', 'c2', ...JS];
  const t0 = Date.now();
  const [wide, greedyP, fine, badBan, huge, hugeSample, tooLong] = await inParallel([
    () => rnnlabAsync([...cmp, '--grid', 'huge-beam.json'], { cwd: dir }),
    () => rnnlabAsync([...cmp, '--grid', 'greedy-p.json'], { cwd: dir }),
    () => rnnlabAsync([...cmp, '--grid', 'new.json', '--json'], { cwd: dir }),
    () => rnnlabAsync([...cmp, '--grid', 'bad-ban.json'], { cwd: dir }),
    () => rnnlabAsync(['compare-strategies', '--model', 'char', '--samples', '10000', '--length', '100000', '--out', 'c3', ...JS], { cwd: dir }),
    () => rnnlabAsync(['sample', '--model', 'char', '--num-samples', '10000', '--length', '1000000', ...JS], { cwd: dir }),
    () => rnnlabAsync([...cmp, '--grid', 'too-long.json'], { cwd: dir }),
  ]);
  assertOneLineError(wide, /grid entry 2 \("wide"\): "beams" must be an integer from 1 to 1000, got 100000/);
  assertOneLineError(greedyP, /grid entry 1 \("g"\): "topP" has no effect with the greedy strategy/);
  assertOk(fine);
  const rows = JSON.parse(fine.stdout) as { name: string; example: string; meanLength: number }[];
  assert.deepEqual(rows.map((r) => r.name), ['no dog', 'eps', 'eta', 'long']);
  assert.ok(rows[3].meanLength >= 5);
  assertOneLineError(badBan, /strategy "b": the grid's "ban" text "é" holds characters outside/);
  assertOneLineError(huge, /--samples 10000 × --length 100000 over the 16 strategies of the grid asks for up to [\d,]+ tokens, more than the 10,000,000/);
  assertOneLineError(hugeSample, /--num-samples 10000 × --length 1000000 asks for up to 10,000,000,000 tokens/);
  // the grid's key and the CLI flag, not the library's maxTokens
  assertOneLineError(tooLong, /^error: grid entry 2 \("long"\): "minLength" 50 is more than --length 10, the most tokens an output holds$/);
  assert.ok(Date.now() - t0 < 30_000, 'refused at once');
});
