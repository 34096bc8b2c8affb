/**
 * Numbers that go bad in training (src/train/step-guard.ts): the guard's verdicts, and the loop
 * with batches poisoned on purpose — a NaN loss or gradient stops the run before its update
 * (checkpoints untouched) or is skipped without changing a weight or the optimizer state; a loss
 * far above the untrained one, or a validation that is not finite, stops the run and is never best.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JsBackend } from '../../src/backend/js/index.js';
import { RnnlabError } from '../../src/errors.js';
import { evalResult } from '../../src/eval/perplexity.js';
import { LanguageModel } from '../../src/nn/language-model.js';
import { DEFAULTS, type TrainingSettings } from '../../src/run/config.js';
import { createTokenizer } from '../../src/text/tokenizers/tokenizer.js';
import { Vocab } from '../../src/text/vocab.js';
import { decodeCheckpoint } from '../../src/train/checkpoint-format.js';
import type { CorpusData } from '../../src/train/corpus.js';
import type { NonFiniteEvent, RunEvent, RunSink } from '../../src/train/events.js';
import { LmTask, type LmBatch } from '../../src/train/lm-task.js';
import { TrainLoop } from '../../src/train/loop.js';
import { divergenceLimit, DIVERGED_STEPS, finiteWeights, MAX_CONSECUTIVE_SKIPS, StepGuard } from '../../src/train/step-guard.js';
import type { Task } from '../../src/train/task.js';
import { Rng } from '../../src/util/rng.js';

describe('StepGuard', () => {
  it('the divergence limit: 3 × the untrained loss, at least 10 nats above it', () => {
    assert.equal(divergenceLimit(Math.log(10000)), 3 * Math.log(10000));
    assert.equal(divergenceLimit(Math.log(4)), Math.log(4) + 10);
  });
  it('stop: the first NaN or infinite loss or gradient norm stops', () => {
    for (const [loss, norm] of [[NaN, 1], [Infinity, 1], [-Infinity, 1], [2, NaN], [2, Infinity]]) {
      assert.equal(new StepGuard('stop', Math.log(50)).check(loss, norm), 'stop', `${loss} ${norm}`);
    }
    assert.equal(new StepGuard('stop', Math.log(50)).check(3.9, 1e30), 'ok', 'a huge finite norm is clipping\'s business');
  });
  it('skip: bad batches are counted; a good one ends the streak; the 10th in a row stops', () => {
    const g = new StepGuard('skip', Math.log(50));
    assert.equal(g.check(NaN, NaN), 'skip');
    assert.equal(g.check(3, 1), 'ok');
    for (let i = 1; i < MAX_CONSECUTIVE_SKIPS; i++) assert.equal(g.check(3, Infinity), 'skip', `bad batch ${i} in a row`);
    assert.equal(g.check(NaN, 1), 'stop');
    assert.equal(g.skipped, MAX_CONSECUTIVE_SKIPS, 'the one before the streak and 9 of it; the 10th stopped, not skipped');
  });
  it('divergence: a loss above the limit for 5 steps in a row, not a spike', () => {
    const g = new StepGuard('stop', Math.log(67));
    const high = g.limit + 1;
    for (let i = 0; i < DIVERGED_STEPS - 1; i++) assert.equal(g.check(high, 1), 'ok');
    assert.equal(g.check(4, 1), 'ok', 'the streak ends');
    for (let i = 0; i < DIVERGED_STEPS - 1; i++) assert.equal(g.check(1e6, 1), 'ok');
    assert.ok(g.suspect);
    assert.equal(g.check(1e6, 1), 'diverged');
  });
  it('a validation with a non-finite perplexity or a loss past the limit has diverged', () => {
    const g = new StepGuard('skip', Math.log(67));
    assert.equal(g.validationDiverged(evalResult(2.1 * 100, 100)), false);
    assert.equal(g.validationDiverged(evalResult(3.2e6 * 100, 100)), true);
    assert.equal(g.validationDiverged(evalResult(NaN, 100)), true);
    assert.equal(g.validationDiverged(evalResult(20 * 100, 100)), true);
  });
});

const V = 12;
const vocab = Vocab.build(new Map(Array.from({ length: V }, (_, i) => [String.fromCharCode(97 + i), 1])), { specials: [] });
const tokenizer = createTokenizer({ kind: 'char', lowercase: false });

interface Poison {
  /** 1-based steps whose loss becomes NaN. */
  nanLoss?: number[];
  /** 1-based steps with a NaN in one gradient. */
  nanGrad?: number[];
  /** From this step on the loss is multiplied by 1e6. */
  hugeFrom?: number;
  /** The validation of this epoch (0-based) reports an infinite loss. */
  badValidationEpoch?: number;
}

/** A small LSTM on a periodic stream, its task wrapped so chosen steps go bad. */
function setup(over: Partial<TrainingSettings>, poison: Poison) {
  const be = new JsBackend('float32');
  const rng = new Rng(1);
  const stream = Int32Array.from({ length: 3000 }, (_, i) => (i * 7 + (i >> 3)) % V);
  const data: CorpusData = { kind: 'stream', train: stream.subarray(0, 2700), val: stream.subarray(2700) };
  const model = new LanguageModel(be, { vocabSize: V, cell: 'lstm', activation: 'tanh', layers: 1, hidden: 16, embed: 8, dropout: 0, tieWeights: false, init: 'pytorch' });
  model.initialize(rng);
  const settings: TrainingSettings = { ...DEFAULTS, batching: 'stream', batch: 4, seq: 16, epochs: 2, ...over };
  const lm = new LmTask(model, data, -1, settings);
  let calls = 0, validations = 0;
  /** Weights and optimizer state before each step (1-based), to see what a step changed. */
  const before: Float32Array[][] = [];
  let loop: TrainLoop;
  const snapshot = () => [...model.params().map((p) => p.value.data.slice() as Float32Array), ...[...loop.optimizer.stateTensors().values()].map((t) => t.data.slice() as Float32Array)];
  const task: Task<LmBatch> = Object.assign(Object.create(lm) as Task<LmBatch>, {
    trainStep(this: LmTask, b: LmBatch, r: Rng) {
      calls++;
      before[calls] = snapshot();
      // on the wrapper itself, which holds the carried state beginEpoch made
      const out = LmTask.prototype.trainStep.call(this, b, r);
      if (poison.nanLoss?.includes(calls)) return { ...out, nll: NaN };
      if (poison.nanGrad?.includes(calls)) model.params()[1].grad.data[0] = NaN;
      if (poison.hugeFrom !== undefined && calls >= poison.hugeFrom) return { ...out, nll: out.nll * 1e6 };
      return out;
    },
    validation() {
      const epoch = validations++ - 1; // the first is the untrained one
      const inner = lm.validation()!;
      if (epoch !== poison.badValidationEpoch) return inner;
      return (function* () {
        const r = yield* inner;
        return evalResult(Infinity, r.tokens);
      })();
    },
  });
  const events: RunEvent[] = [];
  const saved: { kind: string; step: number; bytes: Uint8Array }[] = [];
  const sink: RunSink = { event: (e) => events.push(e), checkpoint: (kind, bytes, step) => saved.push({ kind, step, bytes: bytes() }) };
  loop = new TrainLoop({ task, settings, sinks: [sink], rng, contents: () => ({ model, vocab, tokenizer, batching: 'stream' }) });
  return { model, loop, events, saved, before, be };
}

const perEpoch = 43; // windows of 16 in 4 rows of the 2,700-token stream (the last one shorter)

describe('the training loop with bad numbers', () => {
  it('stop: a NaN loss ends the run before its update; the message names the step and the checkpoints kept', async () => {
    const { loop, events, saved, model } = setup({ saveEvery: 5, onNonfinite: 'stop' }, { nanLoss: [13] });
    await assert.rejects(loop.run(), (e: unknown) => e instanceof RnnlabError
      && /the loss is NaN at step 13 \(epoch 1, batch 13 of 43\)/.test(e.message)
      && /last\.safetensors \(step 10\)/.test(e.message) && !e.message.includes('\n'));
    assert.deepEqual(saved.map((s) => `${s.kind}@${s.step}`), ['last@5', 'last@10'], 'nothing is written at or after the bad step');
    // the weights in memory are those of step 12's update: step 13 changed nothing, and the last checkpoint is step 10's
    const last = decodeCheckpoint(saved[1].bytes, new JsBackend('float32'));
    assert.ok(finiteWeights(last.model.params()));
    const bad = events.find((e): e is NonFiniteEvent => e.type === 'nonfinite')!;
    assert.deepEqual({ step: bad.step, loss: bad.loss, action: bad.action }, { step: 13, loss: 'NaN', action: 'stop' });
    const end = events[events.length - 1];
    assert.ok(end.type === 'end' && end.stopped_by === 'nonfinite' && end.step === 12, JSON.stringify(end));
    assert.ok(finiteWeights(model.params()));
  });

  it('skip: a NaN loss or gradient leaves weights and optimizer state untouched, the run goes on and counts the skips', async () => {
    const { loop, events, before, saved } = setup({ onNonfinite: 'skip', epochs: 1 }, { nanLoss: [4], nanGrad: [9] });
    const s = await loop.run();
    assert.equal(s.stoppedBy, 'epochs');
    assert.equal(s.steps, perEpoch, 'a skipped step still counts');
    assert.equal(s.skipped, 2);
    for (const k of [4, 9]) {
      assert.deepEqual(before[k + 1], before[k], `step ${k} changed a weight or the optimizer state`);
    }
    assert.notDeepEqual(before[6], before[5], 'an ordinary step does change them');
    const skips = events.filter((e): e is NonFiniteEvent => e.type === 'nonfinite');
    assert.deepEqual(skips.map((e) => [e.step, e.action, e.skipped, e.loss, typeof e.grad_norm]), [[4, 'skip', 1, 'NaN', 'number'], [9, 'skip', 2, skips[1].loss, 'string']]);
    assert.equal(events.filter((e) => e.type === 'step').length, perEpoch - 2, 'skipped steps have no step line');
    const end = events[events.length - 1];
    assert.ok(end.type === 'end' && end.skipped === 2);
    // the run's count survives a resume
    const last = decodeCheckpoint(saved.find((x) => x.kind === 'last')!.bytes, new JsBackend('float32'));
    assert.deepEqual(last.trainState!.guard, { skipped: 2, consecutive: 0, high: 0 });
  });

  it('skip: ten bad batches in a row stop the run anyway', async () => {
    const bad = Array.from({ length: 12 }, (_, i) => 20 + i);
    const { loop, events } = setup({ onNonfinite: 'skip' }, { nanLoss: bad });
    await assert.rejects(loop.run(), /10 batches in a row had a non-finite loss or gradient, the last at step 29/);
    const end = events[events.length - 1];
    assert.ok(end.type === 'end' && end.stopped_by === 'nonfinite' && end.skipped === 9);
  });

  it('divergence without NaN: a loss 10⁶ times too large for 5 steps stops the run; no checkpoint of those steps', async () => {
    const { loop, events, saved } = setup({ saveEvery: 3 }, { hugeFrom: 8 });
    await assert.rejects(loop.run(), (e: unknown) => e instanceof RnnlabError && /training diverged at step 12 .*for 5 steps in a row/.test(e.message) && /last\.safetensors \(step 6\)/.test(e.message));
    assert.deepEqual(saved.map((s) => s.step), [3, 6], 'the save due at step 9 fell inside the streak');
    const end = events[events.length - 1];
    assert.ok(end.type === 'end' && end.stopped_by === 'diverged');
  });

  it('a validation with an infinite loss stops the run, is never best and writes nothing', async () => {
    const { loop, events, saved } = setup({}, { badValidationEpoch: 1 });
    await assert.rejects(loop.run(), (e: unknown) => e instanceof RnnlabError
      && /the validation at step 86 has loss Infinity nats \(perplexity Infinity\)/.test(e.message)
      && /model\.safetensors \(step 43, validation perplexity [\d.]+\)/.test(e.message) && /last\.safetensors \(step 43\)/.test(e.message));
    const vals = events.filter((e) => e.type === 'val' && !e.untrained);
    assert.deepEqual(vals.map((v) => v.type === 'val' && v.best), [true, false]);
    assert.deepEqual(saved.map((s) => `${s.kind}@${s.step}`), ['best@43', 'last@43']);
  });

  it('weights that became NaN are never written to a checkpoint', async () => {
    const { loop, model, saved } = setup({ saveEvery: 4 }, {});
    const task = (loop as unknown as { task: Task }).task;
    const after = task.afterStep.bind(task);
    let n = 0;
    task.afterStep = (b, skipped) => {
      after(b, skipped);
      if (++n === 8) model.params()[0].value.data[3] = Infinity;
    };
    await assert.rejects(loop.run(), /the weights hold NaN or infinite values after the update of step 8/);
    assert.deepEqual(saved.map((s) => s.step), [4]);
  });
});
