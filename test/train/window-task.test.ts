/**
 * LmTask with window batching: each window runs from a zero recurrent state (its training loss
 * equals a direct forward of that window from zeros, where stream batching's does not), the
 * batches of an epoch depend on (seed, epoch) only, and nothing is carried into a checkpoint.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsBackend } from '../../src/backend/js/index.js';
import { LanguageModel } from '../../src/nn/language-model.js';
import { DEFAULTS } from '../../src/run/config.js';
import type { CorpusData } from '../../src/train/corpus.js';
import { LmTask, type LmTaskSettings } from '../../src/train/lm-task.js';
import { Rng } from '../../src/util/rng.js';

const V = 11;
const stream = Int32Array.from({ length: 900 }, (_, i) => (i * 5 + (i >> 2)) % V);
const data: CorpusData = { kind: 'stream', train: stream.subarray(0, 800), val: stream.subarray(800) };

function task(over: Partial<LmTaskSettings>) {
  const model = new LanguageModel(new JsBackend('float32'), {
    vocabSize: V, cell: 'lstm', activation: 'tanh', layers: 2, hidden: 12, embed: 6, dropout: 0, tieWeights: false, init: 'pytorch',
  });
  model.initialize(new Rng(7));
  const s: LmTaskSettings = { batch: 4, seq: 10, seed: 5, batching: 'window', maxLen: DEFAULTS.maxLen, overflow: DEFAULTS.overflow, ...over };
  return { model, t: new LmTask(model, data, -1, s) };
}

/** The loss of batch 1 of epoch 0 after batch 0 was trained on (no optimizer update), and the same batch's loss from zeros. */
function secondBatch(batching: 'window' | 'stream') {
  const { model, t } = task({ batching });
  const e = t.epoch(0), rng = new Rng(1);
  t.beginEpoch(0, 0);
  t.trainStep(e.get(0), rng);
  t.afterStep(e.get(0));
  const b = e.get(1);
  const trained = t.trainStep(b, rng);
  t.afterStep(b);
  const zeros = model.newState(b.B);
  const direct = model.forward(b.x, b.y, b.B, b.T, zeros, false, null);
  return { trained, direct };
}

test('window batching: every window starts from a zero state (nothing carried from the batch before)', () => {
  const w = secondBatch('window');
  assert.equal(w.trained.count, w.direct.count);
  assert.equal(w.trained.nll, w.direct.nll, 'the training loss of a window is that of a forward from zeros');
  // The check can fail: stream batching carries batch 0's final state into batch 1.
  const s = secondBatch('stream');
  assert.notEqual(s.trained.nll, s.direct.nll, 'stream batching carries the state, so its loss differs from a forward from zeros');
});

test('window batching: an epoch\'s batches depend on (seed, epoch) only; epochs differ; nothing is carried into a checkpoint', () => {
  const a = task({}).t, b = task({}).t, other = task({ seed: 6 }).t;
  const rows = (t: LmTask, epoch: number) => {
    const e = t.epoch(epoch);
    return Array.from({ length: e.count }, (_, i) => Array.from(e.get(i).x)).flat();
  };
  assert.deepEqual(rows(a, 3), rows(b, 3), 'the same seed and epoch give the same batches');
  assert.notDeepEqual(rows(a, 0), rows(a, 1), 'another epoch, another order');
  assert.notDeepEqual(rows(a, 0), rows(other, 0), 'another seed, another order');
  // 800 tokens, seq 10, stride 10: offsets up to 9, floor((789 − 9) / 10) + 1 = 79 windows in batches of 4
  assert.equal(a.epoch(0).count, 20);
  assert.equal(a.epoch(5).get(19).B, 3);
  a.beginEpoch(0, 0);
  const e = a.epoch(0), rng = new Rng(1);
  a.trainStep(e.get(0), rng);
  a.afterStep(e.get(0));
  assert.equal(a.carried().size, 0);
});

test('window batching with a stride: overlapping windows, more of them', () => {
  const { t } = task({ stride: 2 });
  // offsets up to 1: floor((789 − 1) / 2) + 1 = 395 windows
  assert.equal(t.epoch(0).count, Math.ceil(395 / 4));
});
