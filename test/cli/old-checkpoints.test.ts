/**
 * Run directories written before the layer/registry change (test/fixtures/checkpoints-v1, made
 * by rnnlab 3f1b507): `sample` and `eval` give the same output as then, and `--resume` continues
 * the old run exactly (the old files did not record their data, so --data is given again).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertOk, assertOneLineError, inParallel, readMetrics, rnnlabAsync, tempDir } from './helpers.js';

const OLD = fileURLToPath(new URL('../../../test/fixtures/checkpoints-v1/', import.meta.url));
const json = (f: string) => JSON.parse(readFileSync(join(OLD, f), 'utf8')) as Record<string, unknown>;

test('old checkpoints: sample and eval print what they printed before', async () => {
  const cwd = tempDir('old');
  cpSync(OLD, cwd, { recursive: true });
  const [sample, evalChar, evalWord] = await inParallel([
    () => rnnlabAsync(['sample', '--model', 'char-lstm', '--prime', 'The ', '--length', '40', '--seed', '3', '--backend', 'js', '--json'], { cwd }),
    () => rnnlabAsync(['eval', '--model', 'char-lstm', '--data', 'pangrams.txt', '--backend', 'js', '--json'], { cwd }),
    () => rnnlabAsync(['eval', '--model', 'word-gru', '--data', 'docs.jsonl', '--text-field', 'text', '--backend', 'js', '--json'], { cwd }),
  ]);
  for (const r of [sample, evalChar, evalWord]) assertOk(r);
  const s = JSON.parse(sample.stdout) as { samples: { text: string; ids: number[]; log_prob: number }[] };
  const want = json('char-lstm.sample.json') as { samples: { text: string; ids: number[]; log_prob: number }[] };
  assert.deepEqual(s.samples.map((x) => [x.text, x.ids, x.log_prob]), want.samples.map((x) => [x.text, x.ids, x.log_prob]));
  for (const [r, f] of [[evalChar, 'char-lstm.eval.json'], [evalWord, 'word-gru.eval.json']] as const) {
    const got = JSON.parse(r.stdout) as Record<string, unknown>, w = json(f);
    for (const k of ['perplexity', 'bits_per_token', 'nll', 'tokens', 'oov']) assert.equal(got[k], w[k], `${f}: ${k}`);
  }
});

test('old checkpoints: --resume continues the old run step for step (with --data given again)', async () => {
  const cwd = tempDir('old-resume');
  cpSync(join(OLD, 'char-lstm'), join(cwd, 'run'), { recursive: true });
  cpSync(join(OLD, 'pangrams.txt'), join(cwd, 'pangrams.txt'));
  assertOneLineError(await rnnlabAsync(['train', '--out', 'run', '--resume', '--max-steps', '10', '--backend', 'js'], { cwd }), /older rnnlab.*--data/, 'an old run resumed without --data');
  const r = await rnnlabAsync(['train', '--out', 'run', '--resume', '--data', 'pangrams.txt', '--max-steps', '10', '--backend', 'js', '--quiet'], { cwd });
  assertOk(r, 'resume of an old run');
  const strip = (m: Record<string, unknown>) => JSON.stringify({ step: m.step, epoch: m.epoch, loss: m.loss, grad_norm: m.grad_norm, lr: m.lr, tokens: m.tokens });
  const got = readMetrics(join(cwd, 'run', 'metrics.jsonl')).filter((m) => m.type === 'step').map(strip);
  const want = readFileSync(join(OLD, 'char-lstm.whole-10-steps.metrics.jsonl'), 'utf8').split('\n').filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>).filter((m) => m.type === 'step').map(strip);
  assert.equal(want.length, 10);
  assert.deepEqual(got, want, 'steps 1–5 from the old session, 6–10 resumed, as one uninterrupted old run');
});
