/**
 * Standard benchmark files as papers use them, on PTB-shaped snippets the test writes: the
 * whitespace tokenizer with the corpus's <unk> and an [EOS] per line, a separate validation
 * file, a test file scored once at the end with the best weights, Zaremba et al.'s init and
 * schedule flags, and the conflicts that are refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../src/util/rng.js';
import { assertOk, assertOneLineError, readMetrics, readSafetensorsHeader, rnnlabAsync, tempDir } from './helpers.js';

/** PTB's shape: lower-case tokens separated by spaces, a leading space, <unk>, N for numbers, one sentence per line. */
function ptbLike(lines: number, seed: number, words: string[]): string {
  const rng = new Rng(seed);
  return Array.from({ length: lines }, () => ' ' + Array.from({ length: 4 + rng.int(8) }, () => words[rng.int(words.length)]).join(' ') + ' ').join('\n') + '\n';
}

const WORDS = ['the', 'cat', 'sat', 'on', 'a', 'mat', '<unk>', 'N', 'dog', 'ran', 'to', 'house', "'s", 'and'];
const PTB_FLAGS = ['--level', 'word', '--tokenizer', 'whitespace', '--unk-token', '<unk>', '--eos-per-line'];
const TINY = ['--backend', 'js', '--hidden', '8', '--embed', '8', '--layers', '1', '--batch', '4', '--seq', '10'];

test('PTB-shaped files: the vocabulary is the types plus the specials, validation and test files, the test score at the end', async () => {
  const dir = tempDir('ptb');
  writeFileSync(join(dir, 'train.txt'), ptbLike(300, 1, WORDS));
  writeFileSync(join(dir, 'valid.txt'), ptbLike(40, 2, WORDS));
  writeFileSync(join(dir, 'test.txt'), ptbLike(40, 3, [...WORDS, 'zebra']));
  const r = await rnnlabAsync(['train', '--data', 'train.txt', '--val-data', 'valid.txt', '--test-data', 'test.txt', ...PTB_FLAGS, ...TINY,
    '--optimizer', 'sgd', '--lr', '5', '--clip', '0.25', '--lr-schedule', 'step', '--lr-decay', '0.5', '--lr-decay-start', '1', '--init', 'uniform:0.1',
    '--epochs', '3', '--out', 'run', '--json'], { cwd: dir });
  assertOk(r, 'train on PTB-shaped files');
  assert.match(r.stderr, /vocabulary 17\b/, '13 types besides <unk> + [PAD] [SOS] [EOS] [UNK]');
  const s = JSON.parse(r.stdout) as { best: { perplexity: number }; test: { perplexity: number; tokens: number; oov: number } };
  const ms = readMetrics(join(dir, 'run', 'metrics.jsonl'));
  const start = ms.find((m) => m.type === 'start')!;
  // the validation file's tokens: every word, every line's [EOS]
  const validTokens = ptbLike(40, 2, WORDS).split('\n').slice(0, -1).reduce((n, l) => n + l.trim().split(/ +/).length + 1, 0);
  assert.equal(start.val_tokens, validTokens);
  const t = ms.filter((m) => m.type === 'test');
  assert.equal(t.length, 1, 'one test line, after the end line');
  assert.equal(ms.at(-1)!.type, 'test');
  assert.equal(t[0].perplexity, s.test.perplexity);
  assert.equal(s.test.oov, ptbLike(40, 3, [...WORDS, 'zebra']).split(/\s+/).filter((w) => w === 'zebra').length, 'only the unseen word is out of vocabulary');
  assert.ok(s.test.tokens > 0 && s.test.perplexity < 17, `test perplexity ${s.test.perplexity} below the vocabulary size`);
  // the step schedule: 1 epoch at the rate, then halved
  const lrByEpoch = [...new Set(ms.filter((m) => m.type === 'step').map((m) => `${m.epoch}:${m.lr}`))];
  assert.deepEqual(lrByEpoch, ['0:5', '1:2.5', '2:1.25']);
  // the tokenizer settings travel with the model, so eval reads the test file the same way
  const tok = JSON.parse(readSafetensorsHeader(join(dir, 'run', 'model.safetensors')).metadata.tokenizer) as Record<string, unknown>;
  assert.deepEqual(tok, { kind: 'whitespace', lowercase: false, unkToken: '<unk>', eosPerLine: true });
  const e = await rnnlabAsync(['eval', '--model', 'run', '--data', 'test.txt', '--json', '--backend', 'js'], { cwd: dir });
  assertOk(e, 'eval the test file');
  assert.ok(Math.abs((JSON.parse(e.stdout) as { perplexity: number }).perplexity - s.test.perplexity) / s.test.perplexity < 0.05, 'eval scores the test file about as the run did');
});

test('benchmark-file flags that would be ignored or contradict each other get one line', async () => {
  const dir = tempDir('ptb-bad');
  writeFileSync(join(dir, 'train.txt'), ptbLike(50, 1, WORDS));
  const cases: [string[], RegExp][] = [
    [['--level', 'word', '--unk-token', '<unk>'], /--unk-token applies only to --tokenizer whitespace/],
    [['--level', 'word', '--tokenizer', 'word', '--eos-per-line'], /--eos-per-line applies only to --tokenizer whitespace/],
    [['--val-data', 'train.txt', '--val-fraction', '0.2'], /--val-fraction splits the training data, which --val-data replaces/],
    [['--val-data', 'missing.txt'], /missing\.txt/],
    [['--lr-schedule', 'step'], /--lr-schedule step needs --lr-decay F below 1/],
    [['--lr-schedule', 'cosine', '--lr-decay', '0.5'], /--lr-decay does not apply to --lr-schedule cosine/],
    [['--lr-decay-start', '2'], /--lr-decay-start applies to --lr-schedule step, exponential or cosine/],
    [['--lr-schedule', 'cosine', '--min-lr', '1'], /--min-lr \(1\) must be below --lr/],
    [['--init', 'uniform:x'], /--init uniform:A needs a positive bound A/],
    [['--val-fraction', '0', '--lr-schedule', 'plateau', '--lr-decay', '0.5'], /needs validation data/],
    [['--lr-schedule', 'plateau'], /--lr-schedule plateau needs --lr-decay F below 1/],
  ];
  // each its own --out: runs side by side on one --out would meet its lock (src/run/lock.ts)
  await Promise.all(cases.map(async ([flags, re], i) => assertOneLineError(await rnnlabAsync(['train', '--data', 'train.txt', ...TINY, ...flags, '--max-steps', '1', '--out', `x${i}`], { cwd: dir }), re, flags.join(' '))));
});

test('resuming: the validation file again by a relative path is the run\'s; a cosine run keeps its --epochs; samples of a PTB-style model are text', async () => {
  const dir = tempDir('ptb-resume');
  writeFileSync(join(dir, 'train.txt'), ptbLike(200, 1, WORDS));
  writeFileSync(join(dir, 'valid.txt'), ptbLike(30, 2, WORDS));
  const args = ['train', '--data', 'train.txt', '--val-data', 'valid.txt', ...PTB_FLAGS, ...TINY, '--epochs', '2'];
  assertOk(await rnnlabAsync([...args, '--max-steps', '3', '--out', 'a', '--quiet'], { cwd: dir }), 'first part');
  assertOk(await rnnlabAsync(['train', '--out', 'a', '--resume', '--val-data', 'valid.txt', '--max-steps', '0', '--backend', 'js', '--quiet'], { cwd: dir }), 'resume naming the same validation file');
  assertOk(await rnnlabAsync([...args, '--lr-schedule', 'cosine', '--max-steps', '3', '--out', 'c', '--quiet'], { cwd: dir }), 'cosine part');
  assertOneLineError(await rnnlabAsync(['train', '--out', 'c', '--resume', '--epochs', '3', '--max-steps', '0', '--backend', 'js'], { cwd: dir }), /cannot change --epochs when resuming a --lr-schedule cosine run/, 'cosine with another --epochs');
  // a word model trained on a stream (its prime is [EOS]): the sample is the generated sentence,
  // which ends at its [EOS] (before the fix it was empty: the prime's [EOS] ended the text)
  const r = await rnnlabAsync(['sample', '--model', 'a', '--length', '30', '--seed', '1', '--backend', 'js'], { cwd: dir });
  assertOk(r, 'sample');
  assert.ok(r.stdout.trim().split(/\s+/).length >= 2, `sample text: ${JSON.stringify(r.stdout)}`);
  assert.ok(!r.stdout.includes('[EOS]'), 'a line end is a line break');
});
