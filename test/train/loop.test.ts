/**
 * The training loop as a library piece (no files): it gives the event loop a turn while it
 * trains and validates, stop() takes effect after the current step, its events follow one
 * schema, tokens/s and the time budget leave validation out, checkpoints reach every sink,
 * and --freeze-steps' schedule freezes and unfreezes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsBackend } from '../../src/backend/js/index.js';
import { LanguageModel } from '../../src/nn/language-model.js';
import { createTokenizer } from '../../src/text/tokenizers/tokenizer.js';
import { Vocab } from '../../src/text/vocab.js';
import type { CorpusData } from '../../src/train/corpus.js';
import { decodeCheckpoint } from '../../src/train/checkpoint-format.js';
import type { RunEvent, RunSink } from '../../src/train/events.js';
import { LmTask } from '../../src/train/lm-task.js';
import { TrainLoop } from '../../src/train/loop.js';
import type { Task } from '../../src/train/task.js';
import { DEFAULTS, type TrainingSettings } from '../../src/run/config.js';
import { Rng } from '../../src/util/rng.js';

const V = 12;
const vocab = Vocab.build(new Map(Array.from({ length: V }, (_, i) => [String.fromCharCode(97 + i), 1])), { specials: [] });
const tokenizer = createTokenizer({ kind: 'char', lowercase: false });

function setup(over: Partial<TrainingSettings> & { freezeEmbedding?: number } = {}, slowValidationMs = 0) {
  const be = new JsBackend('float32');
  const rng = new Rng(1);
  const stream = Int32Array.from({ length: 6000 }, (_, i) => (i * 7 + (i >> 3)) % V);
  const data: CorpusData = { kind: 'stream', train: stream.subarray(0, 5400), val: stream.subarray(5400) };
  const model = new LanguageModel(be, { vocabSize: V, cell: 'lstm', activation: 'tanh', layers: 1, hidden: 24, embed: 8, dropout: 0, tieWeights: false, init: 'pytorch' });
  model.initialize(rng);
  const settings: TrainingSettings = { ...DEFAULTS, batching: 'stream', batch: 4, seq: 16, epochs: 2, ...over };
  const lm = new LmTask(model, data, -1, settings);
  // A validation that takes a while (busy, not sleeping: as a real one would).
  const task: Task = slowValidationMs === 0 ? lm : Object.assign(Object.create(lm) as Task, {
    validation: () => {
      const inner = lm.validation()!;
      return (function* () {
        const until = performance.now() + slowValidationMs;
        while (performance.now() < until) yield;
        return yield* inner;
      })();
    },
  });
  const events: RunEvent[] = [];
  const saved: { kind: string; step: number; bytes: Uint8Array }[] = [];
  const sink: RunSink = { event: (e) => events.push(e), checkpoint: (kind, bytes, step) => saved.push({ kind, step, bytes: bytes() }) };
  const loop = new TrainLoop({
    task, settings, sinks: [sink], rng, contents: () => ({ model, vocab, tokenizer, batching: 'stream' }),
    freeze: { params: model.embedding.params(), steps: over.freezeEmbedding ?? 0 },
  });
  return { be, model, loop, events, saved };
}

test('the loop gives the event loop a turn at least every ~50 ms, while training and while validating', async () => {
  const { loop, events } = setup({ epochs: 1 }, 400);
  let ticks = 0, longest = 0, last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    ticks++;
  }, 5);
  const t0 = performance.now();
  const s = await loop.run();
  const wall = (performance.now() - t0) / 1000;
  clearInterval(timer);
  assert.equal(s.stoppedBy, 'epochs');
  assert.ok(ticks > 10, `a 5 ms timer fired ${ticks} times during the run`);
  // ~50 ms between turns by design; the bound leaves room for a loaded shared machine (and the timer's own lateness)
  assert.ok(longest < 750, `the longest stretch without a turn was ${longest.toFixed(0)} ms`);
  // Validation time is not training time: the two slow validations (≥ 400 ms each) are left
  // out, however loaded the machine is.
  const end = events.find((e) => e.type === 'end')!;
  assert.ok(end.type === 'end' && end.elapsed <= wall - 0.8 + 0.01, `elapsed ${end.type === 'end' ? end.elapsed : '?'} s of ${wall.toFixed(3)} s counts training only`);
});

test('stop() from a timer: the step in progress finishes, last is saved mid-epoch, the summary says interrupt', async () => {
  const { loop, events, saved, be } = setup({ epochs: 5 });
  // a timer, armed once training has begun (on a loaded machine the untrained validation alone can outlast a fixed delay)
  const timer = setInterval(() => {
    if (!events.some((e) => e.type === 'step')) return;
    clearInterval(timer);
    setTimeout(() => loop.stop(), 30);
  }, 2);
  const s = await loop.run();
  clearInterval(timer);
  assert.equal(s.stoppedBy, 'interrupt');
  const steps = events.filter((e) => e.type === 'step');
  assert.ok(s.steps > 0 && s.steps === steps.length && s.steps < 5 * 84, `stopped at step ${s.steps}`);
  const last = saved[saved.length - 1];
  assert.equal(last.kind, 'last');
  assert.equal(last.step, s.steps);
  const ck = decodeCheckpoint(last.bytes, be);
  assert.equal(ck.trainState!.step, s.steps);
  assert.ok(ck.extra.has('state.h_l0') && ck.extra.has('optimizer.rnn.weight_hh_l0.exp_avg'));
  const end = events[events.length - 1];
  assert.ok(end.type === 'end' && end.stopped_by === 'interrupt');
});

test('events: start, the untrained validation, steps, a validation per epoch and the end, in one schema', async () => {
  const { loop, events, saved } = setup({ epochs: 2 });
  await loop.run();
  const types = events.map((e) => e.type);
  assert.equal(types[0], 'start');
  assert.equal(types[types.length - 1], 'end');
  const start = events[0];
  assert.ok(start.type === 'start' && start.steps_per_epoch === 85 && start.total_steps === 170 && !start.resumed);
  assert.deepEqual(events.filter((e) => e.type === 'val').map((e) => (e.type === 'val' ? [e.step, !!e.untrained] : [])), [[0, true], [85, false], [170, false]]);
  for (const e of events) {
    assert.ok(Object.keys(e).every((k) => /^[a-z_]+$/.test(k)), `snake_case fields: ${Object.keys(e).join(', ')}`);
    JSON.parse(JSON.stringify(e));
  }
  // model.safetensors after each improving validation, last.safetensors at each epoch end
  assert.deepEqual(saved.filter((x) => x.kind === 'last').map((x) => x.step), [85, 170]);
  assert.ok(saved.some((x) => x.kind === 'best'));
});

test('--freeze-steps N: the embedding is frozen for the first N steps, then trained', async () => {
  const { loop, model } = setup({ epochs: 1, maxSteps: 10, freezeEmbedding: 4 });
  const w = model.embedding.weight!;
  const snapshots: number[][] = [];
  const orig = loop.optimizer.apply.bind(loop.optimizer);
  loop.optimizer.apply = () => {
    orig();
    snapshots.push(Array.from(w.value.data));
  };
  const first = Array.from(w.value.data);
  await loop.run();
  assert.equal(snapshots.length, 10);
  for (let i = 0; i < 4; i++) assert.deepEqual(snapshots[i], first, `step ${i + 1}: frozen`);
  assert.notDeepEqual(snapshots[4], first, 'step 5: trained');
  assert.equal(w.frozen, false);
  assert.equal(loop.optimizer.stepCounts()['embedding.weight'], 6);
});

test('stop() during an epoch-end validation: "validation pending" is saved, and the resumed run validates first and decides as if never stopped', async () => {
  // The uninterrupted run: 2 epochs with --lr-decay, so the epoch-end decisions show in lr.
  const over = { epochs: 2, lrDecay: 0.5 };
  const whole = setup(over);
  await whole.loop.run();
  // The stopped one: stop() lands in the slow validation at the end of epoch 1.
  const first = setup(over, 300);
  first.events.length = 0;
  const sink = first.events;
  const timer = setInterval(() => {
    if (sink.some((e) => e.type === 'step' && e.batch === e.batches)) {
      clearInterval(timer);
      setTimeout(() => first.loop.stop(), 50);
    }
  }, 5);
  const s1 = await first.loop.run();
  clearInterval(timer);
  assert.equal(s1.stoppedBy, 'interrupt');
  assert.equal(s1.steps, 85, 'stopped after the whole first epoch');
  assert.ok(!sink.some((e) => e.type === 'val' && e.step === 85), 'the epoch-end validation was abandoned');
  const last = first.saved[first.saved.length - 1];
  const ck = decodeCheckpoint(last.bytes, first.be);
  assert.deepEqual([ck.trainState!.step, ck.trainState!.epoch, ck.trainState!.batchIndex], [85, 0, 85], 'epoch 0 with all its 85 batches done');
  // Resume from those bytes with a fresh model, task and loop.
  const be = first.be;
  const model = ck.model as LanguageModel;
  const stream = Int32Array.from({ length: 6000 }, (_, i) => (i * 7 + (i >> 3)) % V);
  const data: CorpusData = { kind: 'stream', train: stream.subarray(0, 5400), val: stream.subarray(5400) };
  const settings: TrainingSettings = { ...DEFAULTS, batching: 'stream', batch: 4, seq: 16, ...over };
  const events: RunEvent[] = [];
  const loop2 = new TrainLoop({
    task: new LmTask(model, data, -1, settings), settings, sinks: [{ event: (e) => events.push(e) }], rng: new Rng(0),
    contents: () => ({ model, vocab, tokenizer, batching: 'stream' }), resume: ck,
  });
  await loop2.run();
  const lines = (es: RunEvent[]) => es.filter((e) => e.type === 'val' || e.type === 'step').map((e) => {
    const { elapsed: _e, ...rest } = e as RunEvent & { elapsed?: number; tokens_per_sec?: number };
    delete (rest as { tokens_per_sec?: number }).tokens_per_sec;
    return JSON.stringify(rest);
  });
  const want = lines(whole.events).filter((l) => !l.includes('"untrained":true'));
  const got = [...lines(sink), ...lines(events)].filter((l) => !l.includes('"untrained":true'));
  assert.deepEqual(got, want, 'steps, validations and lr decisions equal the uninterrupted run');
  assert.equal(be.name, 'js');
});
