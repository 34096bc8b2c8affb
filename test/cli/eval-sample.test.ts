/**
 * `rnnlab eval` and `rnnlab sample` on a model trained once for this file: the numbers
 * eval prints and their arithmetic, --model as a directory or a file, and sampling's prime,
 * length, seeding, --json, top-k 1 = greedy, and primes outside the vocabulary.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  assertOk, assertOneLineError, inParallel, listFiles, PANGRAM, readSafetensorsHeader, rnnlab, rnnlabAsync, tempDir, TINY, writePangrams,
} from './helpers.js';

let dir = '', data = '', model = '';
let vocab: string[] = [];
const JS = ['--backend', 'js'];

before(() => {
  dir = tempDir('evsm');
  data = writePangrams(dir);
  const r = rnnlab(['train', '--data', data, '--out', 'run', ...TINY, '--batch', '8', '--seq', '32', '--epochs', '3', '--lr', '0.02', '--quiet'], { cwd: dir });
  assertOk(r, 'training the model for eval/sample');
  model = join(dir, 'run');
  vocab = JSON.parse(readSafetensorsHeader(join(model, 'model.safetensors')).metadata.vocab) as string[];
});

interface EvalJson {
  model: string; data: string; level: string; perplexity: number; bits_per_token: number; loss: number; nll: number;
  tokens: number; oov: number; oov_rate: number; dropped_tokens: string[]; backend: string;
}

const close = (a: number, b: number, rel = 1e-12) => Math.abs(a - b) <= rel * Math.max(1, Math.abs(b));

test('eval --model DIR --data FILE: perplexity, bits per char and the token count, consistent with --json', async () => {
  const [text, json, file, lastFile, one] = await inParallel([
    () => rnnlabAsync(['eval', '--model', 'run', '--data', data, ...JS], { cwd: dir }),
    () => rnnlabAsync(['eval', '--model', 'run', '--data', data, ...JS, '--json'], { cwd: dir }),
    () => rnnlabAsync(['eval', '--model', join(model, 'model.safetensors'), '--data', data, ...JS, '--json'], { cwd: dir }),
    () => rnnlabAsync(['eval', '--model', join(model, 'last.safetensors'), '--data', data, ...JS, '--json'], { cwd: dir }),
    () => rnnlabAsync(['eval', '--model', 'run', '--data', data, ...JS, '--json', '--batch', '1'], { cwd: dir }),
  ]);
  assertOk(text, 'eval');
  const m = /^perplexity ([\d.]+)\nbits per char ([\d.]+)\nchars (\d+)\nout of vocabulary 0\n$/.exec(text.stdout);
  assert.ok(m, `eval output:\n${text.stdout}`);
  assert.equal(text.stderr, '');

  assertOk(json, 'eval --json');
  const j = JSON.parse(json.stdout) as EvalJson;
  for (const k of ['perplexity', 'bits_per_token', 'loss', 'nll', 'tokens'] as const) assert.equal(typeof j[k], 'number', k);
  assert.equal(j.level, 'char');
  assert.equal(j.backend, 'js');
  assert.equal(j.oov, 0);
  // The definitions: loss = nll/tokens (nats), perplexity = e^loss, bits = loss / ln 2.
  assert.ok(close(j.loss, j.nll / j.tokens), `loss ${j.loss} vs nll/tokens ${j.nll / j.tokens}`);
  assert.ok(close(j.perplexity, Math.exp(j.nll / j.tokens)), `perplexity ${j.perplexity} vs exp(nll/tokens)`);
  assert.ok(close(j.bits_per_token, j.loss / Math.LN2), `bits ${j.bits_per_token} vs loss/ln2`);
  assert.ok(close(Math.log2(j.perplexity), j.bits_per_token, 1e-9), 'bits = log2(perplexity)');
  // The text output shows the same numbers.
  assert.equal(m[1], j.perplexity.toFixed(4));
  assert.equal(m[2], j.bits_per_token.toFixed(4));
  assert.equal(Number(m[3]), j.tokens);
  // A trained model does better than uniform over the vocabulary, and predicts at most n-1 chars.
  const n = PANGRAM.length * 40;
  assert.ok(j.perplexity > 1 && j.perplexity < vocab.length, `perplexity ${j.perplexity}`);
  assert.ok(j.tokens <= n - 1 && j.tokens > n - 1 - 16, `tokens ${j.tokens} for ${n} chars with --batch 16`);

  // --model FILE is the same model as --model DIR.
  assertOk(file, 'eval --model FILE');
  const f = JSON.parse(file.stdout) as EvalJson;
  assert.equal(f.perplexity, j.perplexity);
  assert.equal(f.tokens, j.tokens);
  assertOk(lastFile, 'eval --model last.safetensors');
  assert.ok(Number.isFinite((JSON.parse(lastFile.stdout) as EvalJson).perplexity));

  // One row: every character after the first is predicted.
  assertOk(one, 'eval --batch 1');
  const o = JSON.parse(one.stdout) as EvalJson;
  assert.equal(o.tokens, n - 1);
  assert.ok(close(o.perplexity, Math.exp(o.nll / o.tokens)));
});

test('eval: characters the model never saw are dropped and reported; --strict-vocab refuses them', async () => {
  const odd = join(dir, 'odd.txt');
  writeFileSync(odd, 'Привет! The quick brown fox 😀\n');
  const [lax, strict] = await inParallel([
    () => rnnlabAsync(['eval', '--model', 'run', '--data', odd, ...JS, '--json'], { cwd: dir }),
    () => rnnlabAsync(['eval', '--model', 'run', '--data', odd, ...JS, '--strict-vocab'], { cwd: dir }),
  ]);
  assertOk(lax, 'eval with unknown characters');
  const j = JSON.parse(lax.stdout) as EvalJson;
  assert.deepEqual([...j.dropped_tokens].sort(), ['!', 'П', 'в', 'е', 'и', 'р', 'т', '😀'].sort());
  assert.equal(j.oov, 8);
  const line = assertOneLineError(strict, /"😀"/, 'eval --strict-vocab');
  assert.match(line, /"П"/);
});

interface SampleJson {
  model: string; prime: string | null; strategy: string; seed: number; backend: string;
  samples: { text: string; tokens: string[]; ids: number[]; log_prob: number; finished_by: string }[];
}

function sampleArgs(extra: string[]): string[] {
  return ['sample', '--model', 'run', ...JS, ...extra];
}

test('sample: starts with the prime, prime + N characters, seeded, --json agrees with the text output', async () => {
  const base = ['--prime', 'The ', '--length', '40', '--temperature', '0.9', '--top-k', '5'];
  const other = ['--seed', '8'];
  const [a, b, c, aj, cj, many] = await inParallel([
    () => rnnlabAsync(sampleArgs([...base, '--seed', '7']), { cwd: dir }),
    () => rnnlabAsync(sampleArgs([...base, '--seed', '7']), { cwd: dir }),
    () => rnnlabAsync(sampleArgs([...base, ...other]), { cwd: dir }),
    () => rnnlabAsync(sampleArgs([...base, '--seed', '7', '--json']), { cwd: dir }),
    () => rnnlabAsync(sampleArgs([...base, ...other, '--json']), { cwd: dir }),
    () => rnnlabAsync(sampleArgs(['--prime', 'The ', '--length', '40', '--temperature', '1.5', '--seed', '7', '--num-samples', '3', '--json']), { cwd: dir }),
  ]);
  for (const r of [a, b, c, aj, cj, many]) assertOk(r, 'sample');
  assert.equal(a.stderr, '');
  assert.ok(a.stdout.endsWith('\n'));
  const text = a.stdout.slice(0, -1);
  assert.ok(text.startsWith('The '), `sample should start with the prime: ${JSON.stringify(text)}`);
  assert.equal([...text].length, 4 + 40, `prime + 40 characters: ${JSON.stringify(text)}`);
  for (const ch of text) assert.ok(vocab.includes(ch), `generated ${JSON.stringify(ch)} is not in the vocabulary`);
  assert.equal(b.stdout, a.stdout, 'the same seed gives the same output');
  assert.equal(c.stdout, (JSON.parse(cj.stdout) as SampleJson).samples[0].text + '\n', 'the same seed with --json gives the same text');
  // 40 draws from a model that is far from certain: the same text under another seed would mean the seed is ignored.
  assert.notEqual(c.stdout, a.stdout, 'a different seed should (almost surely) give different output');

  const j = JSON.parse(aj.stdout) as SampleJson;
  assert.equal(j.prime, 'The ');
  assert.equal(j.seed, 7);
  assert.equal(j.samples.length, 1);
  const s = j.samples[0];
  assert.equal(s.text, text, '--json text = the plain output');
  assert.equal(s.ids.length, 40);
  assert.equal(s.tokens.length, 40);
  s.ids.forEach((id, i) => {
    assert.ok(Number.isInteger(id) && id >= 0 && id < vocab.length, `id ${id}`);
    assert.equal(s.tokens[i], vocab[id], 'tokens[i] = vocab[ids[i]]');
  });
  assert.equal(s.text, 'The ' + s.tokens.join(''));
  assert.ok(Number.isFinite(s.log_prob) && s.log_prob < 0);

  const mj = JSON.parse(many.stdout) as SampleJson;
  assert.equal(mj.samples.length, 3);
  for (const x of mj.samples) {
    assert.ok(x.text.startsWith('The '));
    assert.equal(x.ids.length, 40);
  }
  assert.ok(new Set(mj.samples.map((x) => x.text)).size > 1, '3 hot samples should not all be identical');
});

test('sample: --top-k 1 and --temperature 0 equal --strategy greedy, whatever the seed', async () => {
  const p = ['--prime', 'Pack my ', '--length', '30', '--json'];
  const runs = await inParallel([
    () => rnnlabAsync(sampleArgs([...p, '--strategy', 'greedy']), { cwd: dir }),
    () => rnnlabAsync(sampleArgs([...p, '--top-k', '1', '--seed', '1']), { cwd: dir }),
    () => rnnlabAsync(sampleArgs([...p, '--top-k', '1', '--seed', '99', '--temperature', '2']), { cwd: dir }),
    () => rnnlabAsync(sampleArgs([...p, '--temperature', '0', '--seed', '5']), { cwd: dir }),
  ]);
  runs.forEach((r) => assertOk(r, 'sample'));
  const [greedy, ...others] = runs.map((r) => (JSON.parse(r.stdout) as SampleJson).samples[0]);
  assert.equal(greedy.ids.length, 30);
  for (const o of others) {
    assert.deepEqual(o.ids, greedy.ids);
    assert.equal(o.text, greedy.text);
  }
});

test('sample: --length 0 prints the prime; a prime outside the vocabulary is one error line naming the characters', async () => {
  const [zero, cyr, emoji] = await inParallel([
    () => rnnlabAsync(sampleArgs(['--prime', 'The', '--length', '0']), { cwd: dir }),
    () => rnnlabAsync(sampleArgs(['--prime', 'The Привет', '--length', '10']), { cwd: dir }),
    () => rnnlabAsync(sampleArgs(['--prime', 'fox 😀!', '--length', '10']), { cwd: dir }),
  ]);
  assertOk(zero, 'sample --length 0');
  assert.equal(zero.stdout, 'The\n');
  const line = assertOneLineError(cyr, /vocabulary/, 'sample with a Cyrillic prime');
  for (const ch of ['П', 'р', 'и', 'в', 'е', 'т']) assert.ok(line.includes(JSON.stringify(ch)), `${line} should name ${ch}`);
  assert.ok(!line.includes('"T"') && !line.includes('" "'), `${line} should name only the unknown characters`);
  assert.equal(cyr.stdout, '', 'no partial output');
  const eline = assertOneLineError(emoji, /vocabulary/, 'sample with an emoji prime');
  assert.ok(eline.includes('"😀"') && eline.includes('"!"'), eline);
  const stray = listFiles(dir).filter((f) => !f.startsWith('run/') && f !== 'pangrams.txt' && f !== 'odd.txt');
  assert.deepEqual(stray, [], 'sample and eval write no files');
});
