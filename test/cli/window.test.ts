/**
 * `train --batching window` end to end: the stride and the epoch's batches, a resume at an epoch
 * boundary and mid-epoch that reproduces the uninterrupted run step for step, and the flags that
 * are refused with it or without it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertNoModelFiles, assertOk, assertOneLineError, inParallel, readMetrics, readSafetensorsHeader, rnnlabAsync, tempDir, TINY, writePangrams } from './helpers.js';
import { assertSameSteps, comparable, resumeRuns, tensorBytes, validations } from './resume-runs.js';

test('window batching: 25 steps in one go = 10 + 15 (epoch boundary) = 14 + 11 (mid-epoch), with dropout', async () => {
  // 860 chars, 774 for training: seq 20, stride 10 → offsets 0–9, floor((753 − 9) / 10) + 1 = 75 windows, 10 batches of 8
  const { dir, whole, parts } = await resumeRuns({
    name: 'window', total: 25, splits: [10, 14],
    args: ['--backend', 'js', '--hidden', '16', '--embed', '8', '--layers', '2', '--dropout', '0.2', '--batching', 'window', '--stride', '10', '--batch', '8', '--seq', '20', '--epochs', '5'],
  });
  const steps = whole.filter((m) => m.type === 'step');
  assert.equal(steps.length, 25);
  assert.deepEqual(steps.map((m) => m.batches), Array(25).fill(10), '10 batches per epoch');
  assert.deepEqual(steps.filter((m) => m.batch === 10).map((m) => m.tokens), [3 * 20, 3 * 20], 'the last batch of an epoch holds the 75th window and the two before it');
  assert.deepEqual(whole.filter((m) => m.type === 'val').map((m) => m.step), [0, 10, 20, 25]);
  for (const { split, ms, out } of parts) {
    assertSameSteps(whole, ms, `resume after ${split}`);
    assert.deepEqual(validations(ms, split), validations(whole), `resume after ${split}: the validations should be the uninterrupted run's`);
    assert.ok(tensorBytes(join(dir, 'whole', 'last.safetensors')).equals(tensorBytes(join(out, 'last.safetensors'))), `resume after ${split}: the final weights and optimizer state differ`);
    // No recurrent state is carried, so none is saved.
    assert.deepEqual([...readSafetensorsHeader(join(out, 'last.safetensors')).tensors.keys()].filter((k) => k.startsWith('state.')), []);
  }
  assert.deepEqual(comparable(parts[0].ms), comparable(whole), 'stopped at an epoch end, nothing extra happened');
  const meta = readSafetensorsHeader(join(dir, 'whole', 'model.safetensors')).metadata;
  assert.equal(meta.batching, 'window');
  const config = JSON.parse(readSafetensorsHeader(join(dir, 'whole', 'last.safetensors')).metadata.run_config) as Record<string, unknown>;
  assert.deepEqual([config.batching, config.stride, config.seq], ['window', 10, 20]);
});

test('window batching: the stride defaults to --seq (windows that do not overlap); the run differs from stream batching', async () => {
  const dir = tempDir('window');
  const data = writePangrams(dir, 'text.txt', 10);
  const args = ['train', '--data', data, ...TINY, '--batch', '4', '--seq', '25', '--epochs', '1', '--quiet'];
  const [win, stream] = await inParallel([
    () => rnnlabAsync([...args, '--batching', 'window', '--out', 'win'], { cwd: dir }),
    () => rnnlabAsync([...args, '--out', 'stream'], { cwd: dir }),
  ]);
  assertOk(win, 'window batching');
  assertOk(stream, 'stream batching');
  const config = JSON.parse(readSafetensorsHeader(join(dir, 'win', 'last.safetensors')).metadata.run_config) as Record<string, unknown>;
  assert.equal(config.stride, 25);
  // 774 training tokens: offsets 0–24, floor((748 − 24) / 25) + 1 = 29 windows → 8 batches of 4 rows (the last 1)
  const steps = readMetrics(join(dir, 'win', 'metrics.jsonl')).filter((m) => m.type === 'step');
  assert.equal(steps.length, 8);
  assert.equal(steps.reduce((n, m) => n + (m.tokens as number), 0), 29 * 25);
  const streamSteps = readMetrics(join(dir, 'stream', 'metrics.jsonl')).filter((m) => m.type === 'step');
  assert.notDeepEqual(steps.map((m) => m.loss).slice(1), streamSteps.map((m) => m.loss).slice(1));
  // Validation is the stream evaluation either way: the untrained model scores the same.
  const val0 = (run: string) => readMetrics(join(dir, run, 'metrics.jsonl')).find((m) => m.type === 'val' && m.untrained)!;
  assert.equal(val0('win').loss, val0('stream').loss);
  assert.equal(val0('win').tokens, val0('stream').tokens);
});

test('window batching refusals: --stride without it, --max-len with it, data shorter than a window; nothing written', async () => {
  const dir = tempDir('window-bad');
  const data = writePangrams(dir, 'text.txt', 2);
  const docs = join(dir, 'docs.jsonl');
  writeFileSync(docs, ['one two three four five', 'six seven eight nine ten'].map((t) => JSON.stringify({ text: t })).join('\n') + '\n');
  const base = ['train', ...TINY, '--quiet', '--out', 'run'];
  const [stride, stridePad, maxLen, short] = await inParallel([
    () => rnnlabAsync([...base, '--data', data, '--stride', '4'], { cwd: dir }),
    () => rnnlabAsync([...base, '--data', docs, '--level', 'word', '--stride', '4'], { cwd: dir }),
    () => rnnlabAsync([...base, '--data', data, '--batching', 'window', '--max-len', '30'], { cwd: dir }),
    () => rnnlabAsync([...base, '--data', data, '--batching', 'window', '--seq', '200'], { cwd: dir }),
  ]);
  assertOneLineError(stride, /--stride applies only to --batching window \(this run is --batching stream\)/, '--stride with stream batching');
  assertOneLineError(stridePad, /--stride applies only to --batching window \(this run is --batching pad\)/, '--stride with documents');
  assertOneLineError(maxLen, /--max-len applies only to document batching.*window batching has no documents/, '--max-len with window batching');
  assertOneLineError(short, /too short for window batching with --seq 200/, 'data shorter than a window');
  assertNoModelFiles(join(dir, 'run'), 'refused window runs');
});
