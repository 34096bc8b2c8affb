/**
 * The layer contract (src/nn/layer.ts) in float64: gradient checks of Sequential compositions
 * (padded rows, one-hot ids, dropout, last-real-token selection), and frozen parameters — no
 * gradient memory, no optimizer state, no backward work, the other parameters trained exactly
 * as before, freezing and unfreezing mid-run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend, CellKind } from '../../src/backend/backend.js';
import { JsBackend } from '../../src/backend/js/index.js';
import type { Act, Layer } from '../../src/nn/layer.js';
import { Dropout } from '../../src/nn/layers/dropout.js';
import { Embedding } from '../../src/nn/layers/embedding.js';
import { LastStep } from '../../src/nn/layers/last-step.js';
import { Linear } from '../../src/nn/layers/linear.js';
import { Recurrent } from '../../src/nn/layers/recurrent.js';
import { ReLU } from '../../src/nn/layers/relu.js';
import { Sequential } from '../../src/nn/layers/sequential.js';
import { LanguageModel } from '../../src/nn/language-model.js';
import type { ModelConfig } from '../../src/nn/config.js';
import { zeroGrads } from '../../src/nn/param.js';
import { Optimizer } from '../../src/optim/optimizer.js';
import { clipGradNorm } from '../../src/optim/clip.js';
import { Rng } from '../../src/util/rng.js';
import { gradCheck } from '../helpers.js';

const be = new JsBackend('float64');

/** Mean cross-entropy of a Sequential's [T·B, C] output against labels; backward leaves gradients. */
function lossOf(net: Sequential, x: Act, labels: Int32Array, train: boolean, seed: number): { loss: number; dy: Act } {
  const y = net.forward(x, { train, rng: new Rng(seed) });
  const n = y.T * y.B;
  const t = be.allocInt(n);
  t.data.set(labels);
  const r = be.crossEntropy(y.t!, t, n, y.C, -1, train ? y.t : null, 1 / n);
  return { loss: r.loss / n, dy: y };
}

function idsAct(ids: number[], T: number, B: number, V: number, lengths: number[] | null): Act {
  const t = be.allocInt(ids.length);
  t.data.set(ids);
  return { t: null, ids: t, T, B, C: V, lengths: lengths ? Int32Array.from(lengths) : null };
}

interface Composition {
  name: string;
  build: () => Sequential;
  T: number;
  B: number;
  V: number;
  /** Rows after pooling (B) or positions (T·B). */
  pooled: boolean;
  lengths: number[] | null;
  classes: number;
}

const V = 9, E = 4, H = 5, C = 3;
const compositions: Composition[] = [
  {
    name: 'Embedding → LSTM ×2 (dropout 0.3) → LastStep over padded rows → Linear', T: 4, B: 3, V, pooled: true, lengths: [4, 1, 2], classes: C,
    build: () => new Sequential('', [new Embedding(be, 'embedding', V, E), new Recurrent(be, 'rnn', 'lstm', E, H, 2, 0.3), new LastStep(be), new Linear(be, 'out', H, C)]),
  },
  {
    name: 'Embedding → GRU → Dropout → Linear at every position', T: 3, B: 2, V, pooled: false, lengths: null, classes: C,
    build: () => new Sequential('', [new Embedding(be, 'embedding', V, E), new Recurrent(be, 'rnn', 'gru', E, H, 1, 0), new Dropout(be, 0.4), new Linear(be, 'decoder', H, C)]),
  },
  {
    name: 'one-hot ids → tanh RNN → LastStep → Linear → ReLU → Linear (no bias)', T: 3, B: 2, V, pooled: true, lengths: [2, 3], classes: C,
    build: () => new Sequential('', [
      new Embedding(be, 'embedding', V, 0), new Recurrent(be, 'rnn', 'rnn_tanh', V, H, 1, 0), new LastStep(be),
      new Linear(be, 'fc1', H, 6), new ReLU(be), new Linear(be, 'fc2', 6, C, { bias: false }),
    ]),
  },
];

for (const c of compositions) {
  test(`gradcheck: Sequential ${c.name}`, () => {
    const net = c.build();
    const rng = new Rng(31);
    for (const p of net.params()) for (let i = 0; i < p.value.size; i++) p.value.data[i] = rng.uniform(-0.7, 0.7);
    const ids = Array.from({ length: c.T * c.B }, () => rng.int(c.V));
    const labels = Int32Array.from({ length: c.pooled ? c.B : c.T * c.B }, () => rng.int(c.classes));
    const x = idsAct(ids, c.T, c.B, c.V, c.lengths);
    zeroGrads(be, net.params());
    const { dy } = lossOf(net, x, labels, true, 5);
    assert.equal(net.backward(dy, false), null, 'nothing below the first layer wants a gradient');
    const loss = () => lossOf(net, x, labels, true, 5).loss;
    for (const p of net.params()) {
      const g = Float64Array.from(p.grad.data);
      assert.ok(g.some((v) => v !== 0), `${p.name} has a nonzero gradient`);
      gradCheck(`${c.name}: ${p.name}`, loss, p.value.data, g, 30);
    }
    // state_dict names are the PyTorch ones, in module order
    const names = net.params().map((p) => p.name);
    assert.deepEqual(names, [...names].sort((a, b) => names.indexOf(a) - names.indexOf(b)));
    assert.ok(names.every((n) => /^(embedding|rnn|out|decoder|fc1|fc2)\./.test(n)), names.join(', '));
  });
}

test('LastStep reads each row at its last real token: padding after it changes nothing', () => {
  const net = compositions[0].build();
  const rng = new Rng(8);
  for (const p of net.params()) for (let i = 0; i < p.value.size; i++) p.value.data[i] = rng.uniform(-0.5, 0.5);
  const T = 4, B = 3, lengths = [4, 1, 2];
  const ids = Array.from({ length: T * B }, () => rng.int(V));
  const out = () => Array.from(net.forward(idsAct(ids, T, B, V, lengths), { train: false, rng: null }).t!.data.subarray(0, B * C));
  const before = out();
  for (let b = 0; b < B; b++) for (let t = lengths[b]; t < T; t++) ids[t * B + b] = (ids[t * B + b] + 3) % V; // time-major
  assert.deepEqual(out(), before);
});

// ---------------------------------------------------------------- frozen parameters

function lmConfig(over: Partial<ModelConfig> = {}): ModelConfig {
  return { vocabSize: 11, cell: 'lstm', activation: 'tanh', layers: 2, hidden: 6, embed: 5, dropout: 0, tieWeights: false, init: 'pytorch', ...over };
}

/** A backend that counts calls per op. */
function counting(inner: Backend): { backend: Backend; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const backend = new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        calls.set(String(prop), (calls.get(String(prop)) ?? 0) + 1);
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { backend, calls };
}

function batch(seed: number, B = 3, T = 4, vocab = 11): { x: Int32Array; y: Int32Array } {
  const r = new Rng(seed);
  return { x: Int32Array.from({ length: B * T }, () => r.int(vocab)), y: Int32Array.from({ length: B * T }, () => r.int(vocab)) };
}

test('a frozen embedding has no gradient and no optimizer state, and costs no backward work', () => {
  const { backend, calls } = counting(new JsBackend('float64'));
  const m = new LanguageModel(backend, lmConfig());
  m.initialize(new Rng(1));
  const emb = m.embedding.weight!;
  emb.freeze();
  assert.equal(emb.frozen, true);
  assert.throws(() => emb.grad, /frozen/);
  const opt = new Optimizer(backend, m.params(), { name: 'adam', lr: 0.01 });
  assert.ok(![...opt.stateTensors().keys()].some((k) => k.startsWith('embedding.')), 'no Adam moments for the frozen embedding');
  assert.equal(opt.stateTensors().size, 2 * (m.params().length - 1));
  const before = Float64Array.from(emb.value.data);
  const { x, y } = batch(2);
  const state = m.newState(3);
  calls.clear();
  m.zeroGrad();
  m.forward(x, y, 3, 4, state, true, null);
  m.backward();
  clipGradNorm(backend, m.params(), 1);
  opt.apply();
  assert.equal(calls.get('embeddingBackward') ?? 0, 0, 'no scatter into a frozen embedding');
  // gemms of a backward: decoder dW and dX; per layer dW_ih, and dX for layer 1 only (nothing below layer 0 trains)
  assert.equal(calls.get('gemm'), 3 /* forward: 2 layers + decoder */ + 2 + 2 + 1);
  assert.deepEqual(Array.from(emb.value.data), Array.from(before), 'the frozen weights did not move');
  assert.ok(m.stateDict().has('embedding.weight'), 'a frozen parameter is still saved');
});

test('the other parameters train exactly as when the embedding is trained but left out of the update', () => {
  const train = (freeze: boolean) => {
    const m = new LanguageModel(new JsBackend('float64'), lmConfig({ dropout: 0.2 }));
    const rng = new Rng(4);
    m.initialize(rng);
    if (freeze) m.embedding.weight!.freeze();
    const others = m.params().filter((p) => p.name !== 'embedding.weight');
    const opt = new Optimizer(m.backend, freeze ? m.params() : others, { name: 'adam', lr: 0.01, weightDecay: 0.01 });
    const state = m.newState(3);
    for (let step = 0; step < 4; step++) {
      const { x, y } = batch(10 + step);
      m.zeroGrad();
      m.forward(x, y, 3, 4, state, true, rng);
      m.backward();
      clipGradNorm(m.backend, others, 0.5);
      opt.apply();
      m.commitState(state);
    }
    return others.map((p) => Array.from(p.value.data));
  };
  assert.deepEqual(train(true), train(false));
});

test('unfreezing mid-run: the embedding gets fresh Adam state and its own step count (bias correction from 1)', () => {
  const lr = 0.01;
  const m = new LanguageModel(new JsBackend('float64'), lmConfig());
  const rng = new Rng(6);
  m.initialize(rng);
  const emb = m.embedding.weight!;
  emb.freeze();
  const opt = new Optimizer(m.backend, m.params(), { name: 'adam', lr });
  const state = m.newState(3);
  const step = (seed: number) => {
    const { x, y } = batch(seed);
    m.zeroGrad();
    m.forward(x, y, 3, 4, state, true, rng);
    m.backward();
    opt.apply();
    m.commitState(state);
  };
  for (let s = 0; s < 3; s++) step(s);
  assert.equal(opt.stepCounts()['embedding.weight'], undefined);
  emb.unfreeze();
  const before = Float64Array.from(emb.value.data);
  step(3);
  assert.equal(opt.stepCounts()['embedding.weight'], 1);
  assert.equal(opt.stepCounts()['decoder.bias'], 4);
  // Adam's first step moves every element with a nonzero gradient by lr·g/(|g| + ε) ≈ ±lr.
  let moved = 0;
  for (let i = 0; i < before.length; i++) {
    const d = Math.abs(emb.value.data[i] - before[i]);
    if (d === 0) continue;
    moved++;
    // (ε makes it slightly less for tiny gradients; a shared step count of 4 would give ≈ 0.58·lr)
    assert.ok(Math.abs(d - lr) < 1e-2 * lr, `element ${i} moved ${d}, a first Adam step moves lr = ${lr}`);
  }
  assert.ok(moved > 0);
  // Freezing again drops its state.
  emb.freeze();
  assert.ok(![...opt.stateTensors().keys()].some((k) => k.startsWith('embedding.')));
});

test('Recurrent.forward (the Layer contract) starts from zeros: equal to run() from a zero state', () => {
  for (const cell of ['lstm', 'gru', 'rnn_relu'] as CellKind[]) {
    const r = new Recurrent(be, 'rnn', cell, 3, 4, 2, 0);
    const rng = new Rng(3);
    for (const p of r.params()) for (let i = 0; i < p.value.size; i++) p.value.data[i] = rng.uniform(-0.5, 0.5);
    const x = be.alloc([6, 3]);
    for (let i = 0; i < x.size; i++) x.data[i] = rng.normal();
    const act: Act = { t: x, T: 3, B: 2, C: 3, lengths: null };
    const a = Array.from(r.forward(act, { train: false, rng: null }).t!.data.subarray(0, 24));
    const b = Array.from(r.run(act, { train: false, rng: null }, r.newState(2), null).t!.data.subarray(0, 24));
    assert.deepEqual(a, b, cell);
  }
});

test('Layer parameters are in PyTorch state_dict order and a tied Linear lists the shared weight under its own name', () => {
  const emb = new Embedding(be, 'embedding', 7, 4);
  const dec = new Linear(be, 'decoder', 4, 7, { sharedWeight: emb.weight! });
  assert.deepEqual(dec.params().map((p) => p.name), ['decoder.bias']);
  assert.deepEqual(dec.state().map(([n]) => n), ['decoder.weight', 'decoder.bias']);
  assert.equal(dec.state()[0][1], emb.weight);
  const seq = new Sequential('', [emb, new Recurrent(be, 'rnn', 'gru', 4, 4, 1, 0), dec] as Layer[]);
  assert.deepEqual(seq.state().map(([n]) => n), [
    'embedding.weight', 'rnn.weight_ih_l0', 'rnn.weight_hh_l0', 'rnn.bias_ih_l0', 'rnn.bias_hh_l0', 'decoder.weight', 'decoder.bias',
  ]);
});

test('Embedding.load: pretrained vectors, frozen or trained; a wrong size or a one-hot input is refused', () => {
  const emb = new Embedding(be, 'embedding', 3, 2);
  emb.load(Float32Array.from([1, 2, 3, 4, 5, 6]), { frozen: true });
  assert.deepEqual(Array.from(emb.weight!.value.data), [1, 2, 3, 4, 5, 6]);
  assert.equal(emb.weight!.frozen, true);
  const ids = be.allocInt(2);
  ids.data.set([2, 0]);
  const y = emb.forward({ t: null, ids, T: 2, B: 1, C: 3, lengths: null }, { train: true, rng: null });
  assert.deepEqual(Array.from(y.t!.data.subarray(0, 4)), [5, 6, 1, 2]);
  emb.load(Float32Array.from([0, 0, 0, 0, 0, 0]), { frozen: false });
  assert.equal(emb.weight!.frozen, false);
  assert.throws(() => emb.load(new Float32Array(5), { frozen: true }), /5 values, the embedding needs 3×2/);
  assert.throws(() => new Embedding(be, 'embedding', 3, 0).load(new Float32Array(0), { frozen: true }), /one-hot/);
});
