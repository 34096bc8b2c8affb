/**
 * LanguageModel structure and behaviour: PyTorch state_dict names, shapes and order,
 * parameter counts, both init schemes, truncated-BPTT state carry, seeded determinism,
 * and where dropout is applied.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsBackend } from '../../src/backend/js/index.js';
import type { DType } from '../../src/tensor.js';
import { Rng } from '../../src/util/rng.js';
import { LanguageModel } from '../../src/nn/language-model.js';
import type { ModelConfig } from '../../src/nn/config.js';
import type { RecurrentState } from '../../src/nn/layers/recurrent.js';
import { Optimizer } from '../../src/optim/optimizer.js';
import { assertClose } from '../helpers.js';

function config(over: Partial<ModelConfig>): ModelConfig {
  return {
    vocabSize: 11, cell: 'lstm', activation: 'tanh', layers: 2, hidden: 7, embed: 5,
    dropout: 0, tieWeights: false, init: 'pytorch', ...over,
  };
}

const GATES = { lstm: 4, gru: 3, rnn: 1 } as const;

/** state_dict of PyTorch's embedding → nn.LSTM/GRU/RNN → Linear, in module registration order. */
function pytorchStateDict(c: ModelConfig): [string, number[]][] {
  const { vocabSize: V, embed: E, hidden: H, layers: L } = c, G = GATES[c.cell] * H;
  const sd: [string, number[]][] = [];
  if (E > 0) sd.push(['embedding.weight', [V, E]]);
  for (let l = 0; l < L; l++) {
    const I = l === 0 ? (E > 0 ? E : V) : H;
    sd.push([`rnn.weight_ih_l${l}`, [G, I]], [`rnn.weight_hh_l${l}`, [G, H]], [`rnn.bias_ih_l${l}`, [G]], [`rnn.bias_hh_l${l}`, [G]]);
  }
  sd.push(['decoder.weight', [V, H]], ['decoder.bias', [V]]);
  return sd;
}

/** sum(p.numel() for p in model.parameters()): a tied weight counts once. */
function pytorchParameterCount(c: ModelConfig): number {
  const { vocabSize: V, embed: E, hidden: H, layers: L } = c, g = GATES[c.cell];
  let n = V * E; // embedding
  for (let l = 0; l < L; l++) {
    const I = l === 0 ? (E > 0 ? E : V) : H;
    n += g * H * (I + H) + 2 * g * H; // W_ih, W_hh, b_ih, b_hh (LSTM: 4H(I+H) + 8H)
  }
  if (!c.tieWeights) n += V * H;
  return n + V;
}

const structureCases: [string, Partial<ModelConfig>][] = [
  ['lstm, embedding', { cell: 'lstm' }],
  ['gru, embedding', { cell: 'gru' }],
  ['rnn tanh, embedding', { cell: 'rnn' }],
  ['rnn relu, 1 layer', { cell: 'rnn', activation: 'relu', layers: 1 }],
  ['lstm, one-hot', { cell: 'lstm', embed: 0 }],
  ['gru, one-hot, 3 layers', { cell: 'gru', embed: 0, layers: 3 }],
  ['lstm, tied', { cell: 'lstm', embed: 7, tieWeights: true }],
  ['gru, tied, 1 layer', { cell: 'gru', embed: 7, tieWeights: true, layers: 1 }],
  ['lstm, 12 layers (l10 after l9)', { cell: 'lstm', layers: 12, hidden: 2, embed: 3 }],
];

for (const [name, over] of structureCases) {
  test(`state_dict names, shapes, PyTorch order and parameter count (${name})`, () => {
    const c = config(over);
    const model = new LanguageModel(new JsBackend('float64'), c);
    const sd = model.stateDict();
    assert.deepEqual([...sd].map(([k, t]) => [k, [...t.shape]]), pytorchStateDict(c));
    assert.equal(model.parameterCount(), pytorchParameterCount(c));
    assert.equal(model.params().reduce((s, p) => s + p.value.size, 0), model.parameterCount());
    for (const p of model.params()) assert.equal(sd.get(p.name), p.value, `${p.name} is the live tensor`);
    if (c.tieWeights) {
      assert.equal(sd.get('decoder.weight'), sd.get('embedding.weight'), 'tied: one tensor under both names');
      assert.ok(!model.params().some((p) => p.name === 'decoder.weight'), 'tied: trained once');
    } else {
      assert.notEqual(sd.get('decoder.weight'), sd.get('embedding.weight'));
    }
  });
}

test('state_dict of the lm_lstm fixture configuration, written out', () => {
  const model = new LanguageModel(new JsBackend('float32'), config({}));
  assert.deepEqual([...model.stateDict()].map(([k, t]) => `${k}:${t.shape.join('x')}`), [
    'embedding.weight:11x5',
    'rnn.weight_ih_l0:28x5', 'rnn.weight_hh_l0:28x7', 'rnn.bias_ih_l0:28', 'rnn.bias_hh_l0:28',
    'rnn.weight_ih_l1:28x7', 'rnn.weight_hh_l1:28x7', 'rnn.bias_ih_l1:28', 'rnn.bias_hh_l1:28',
    'decoder.weight:11x7', 'decoder.bias:11',
  ]);
  // LSTM layer: 4H(I+H) + 8H
  assert.equal(model.parameterCount(), 11 * 5 + (28 * 12 + 56) + (28 * 14 + 56) + 11 * 7 + 11);
});

test("init 'pytorch': recurrent and decoder weights in ±1/√H, embedding ≈ N(0,1)", () => {
  for (const over of [{ cell: 'lstm' }, { cell: 'gru' }, { cell: 'rnn', embed: 8, hidden: 8, tieWeights: true }] as Partial<ModelConfig>[]) {
    const c = config({ vocabSize: 60, embed: 20, hidden: 16, ...over });
    const model = new LanguageModel(new JsBackend('float64'), c);
    model.initialize(new Rng(3));
    const bound = 1 / Math.sqrt(c.hidden);
    for (const [name, t] of model.stateDict()) {
      const d = Array.from(t.data);
      if (name === 'embedding.weight' || (c.tieWeights && name === 'decoder.weight')) {
        const mean = d.reduce((s, v) => s + v, 0) / d.length;
        const std = Math.sqrt(d.reduce((s, v) => s + (v - mean) ** 2, 0) / d.length);
        assert.ok(Math.abs(mean) < 0.1 && Math.abs(std - 1) < 0.1, `${name}: mean ${mean}, std ${std}`);
        assert.ok(d.some((v) => Math.abs(v) > 2.5), `${name}: has normal tails`);
      } else {
        const max = Math.max(...d.map(Math.abs));
        assert.ok(max <= bound, `${name}: max |w| ${max} > 1/√H = ${bound}`);
        if (d.length >= 50) assert.ok(max > 0.8 * bound, `${name}: max |w| ${max} fills the range`);
      }
    }
  }
});

test("init 'uniform:0.1' (Zaremba et al.): every parameter, embedding and biases included, fills U(-0.1, 0.1); a bad bound is refused", () => {
  const c = config({ cell: 'lstm', init: 'uniform:0.1', hidden: 12, embed: 10, layers: 2 });
  const model = new LanguageModel(new JsBackend('float64'), c);
  model.initialize(new Rng(3));
  for (const p of model.params()) {
    const max = Math.max(...Array.from(p.value.data, Math.abs));
    assert.ok(max <= 0.1 && (p.value.size < 40 || max > 0.08), `${p.name}: max |w| ${max}`);
  }
  assert.throws(() => new LanguageModel(new JsBackend('float64'), config({ init: 'uniform:-1' as never })), /positive bound/);
});

for (const dtype of ['float64', 'float32'] as DType[]) {
  test(`init 'xavier-orthogonal': orthogonal W_hh gate blocks, zero biases, Xavier W_ih (${dtype})`, () => {
    const tol = dtype === 'float64' ? 1e-12 : 1e-5;
    for (const cell of ['lstm', 'gru', 'rnn'] as const) {
      const c = config({ cell, init: 'xavier-orthogonal', hidden: 9, embed: 6, layers: 2 });
      const model = new LanguageModel(new JsBackend(dtype), c);
      model.initialize(new Rng(17));
      const H = c.hidden, G = GATES[cell] * H;
      model.rnn.layers.forEach((layer, l) => {
        const w = layer.whh.value.data;
        for (let g = 0; g < G / H; g++) {
          // Q = rows [gH, (g+1)H): QᵀQ = I and QQᵀ = I
          for (let i = 0; i < H; i++) {
            for (let j = 0; j < H; j++) {
              let qtq = 0, qqt = 0;
              for (let k = 0; k < H; k++) {
                qtq += w[(g * H + k) * H + i] * w[(g * H + k) * H + j];
                qqt += w[(g * H + i) * H + k] * w[(g * H + j) * H + k];
              }
              const eye = i === j ? 1 : 0;
              assert.ok(Math.abs(qtq - eye) < tol && Math.abs(qqt - eye) < tol, `${cell} l${l} gate ${g} (${i},${j}): QᵀQ ${qtq}, QQᵀ ${qqt}`);
            }
          }
        }
        if (G / H > 1) {
          let cross = 0; // different gates get different blocks
          for (let k = 0; k < H * H; k++) cross += Math.abs(w[k] - w[H * H + k]);
          assert.ok(cross > 0.1, 'gate blocks differ');
        }
        assert.ok(layer.bih.value.data.every((v) => v === 0) && layer.bhh.value.data.every((v) => v === 0), 'zero biases');
        const I = layer.wih.shape[1], bound = Math.sqrt(6 / (I + G));
        const max = Math.max(...Array.from(layer.wih.value.data, Math.abs));
        assert.ok(max <= bound * (1 + 1e-7) && max > 0.7 * bound, `W_ih max ${max} vs Xavier bound ${bound}`);
      });
    }
  });
}

// ---------------------------------------------------------------- truncated BPTT

function fillState(s: RecurrentState, rng: Rng): void {
  for (const t of [...s.h, ...(s.c ?? [])]) for (let i = 0; i < t.size; i++) t.data[i] = rng.uniform(-0.5, 0.5);
}
function copyState(s: RecurrentState): number[][] {
  return [...s.h, ...(s.c ?? [])].map((t) => Array.from(t.data));
}
/** Columns [t0, t0+T) of a batch-first [B, totalT] id matrix. */
function slice(x: Int32Array, B: number, totalT: number, t0: number, T: number): Int32Array {
  const out = new Int32Array(B * T);
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) out[b * T + t] = x[b * totalT + t0 + t];
  return out;
}

for (const [cell, activation] of [['lstm', 'tanh'], ['gru', 'tanh'], ['rnn', 'tanh'], ['rnn', 'relu']] as const) {
  test(`truncated BPTT: one forward over 2T equals two forwards of T carrying the state (${cell}${cell === 'rnn' ? ' ' + activation : ''})`, () => {
    const c = config({ cell, activation, vocabSize: 13, hidden: 6, embed: 5, layers: 2 });
    const model = new LanguageModel(new JsBackend('float64'), c);
    model.initialize(new Rng(5));
    const B = 3, T = 4, V = c.vocabSize, rng = new Rng(6);
    const x = Int32Array.from({ length: B * 2 * T }, () => rng.int(V));
    const y = Int32Array.from({ length: B * 2 * T }, () => rng.int(V));
    const init = model.newState(B);
    fillState(init, rng);
    const start = copyState(init);
    const load = (s: RecurrentState) => [...s.h, ...(s.c ?? [])].forEach((t, k) => t.data.set(start[k]));

    // inference over 2T: the final state is written into the passed state
    const whole = model.newState(B);
    load(whole);
    const rWhole = model.forward(x, y, B, 2 * T, whole, false, null);
    const logitsWhole = Float64Array.from(model.logitsTensor().data.subarray(0, 2 * T * B * V));
    assert.notDeepEqual(copyState(whole), start, 'inference forward wrote the final state');

    // inference, two chunks of T
    const chunked = model.newState(B);
    load(chunked);
    const r1 = model.forward(slice(x, B, 2 * T, 0, T), slice(y, B, 2 * T, 0, T), B, T, chunked, false, null);
    const logits1 = Float64Array.from(model.logitsTensor().data.subarray(0, T * B * V));
    const afterFirst = copyState(chunked);
    const r2 = model.forward(slice(x, B, 2 * T, T, T), slice(y, B, 2 * T, T, T), B, T, chunked, false, null);
    const logits2 = Float64Array.from(model.logitsTensor().data.subarray(0, T * B * V));
    copyState(chunked).forEach((s, k) => assertClose(`final state ${k}`, s, copyState(whole)[k], 1e-13));
    // logits are time-major [2T·B, V]: the first chunk's rows, then the second's
    assertClose('logits, first half', logits1, logitsWhole.subarray(0, T * B * V), 1e-13);
    assertClose('logits, second half', logits2, logitsWhole.subarray(T * B * V), 1e-13);
    assert.equal(r1.count + r2.count, rWhole.count);
    assert.ok(Math.abs(r1.nll + r2.nll - rWhole.nll) < 1e-11 * rWhole.nll, `NLL ${r1.nll} + ${r2.nll} vs ${rWhole.nll}`);

    // training: the state is left alone by forward and backward, and commitState carries it
    const trainState = model.newState(B);
    load(trainState);
    model.zeroGrad();
    const t1 = model.forward(slice(x, B, 2 * T, 0, T), slice(y, B, 2 * T, 0, T), B, T, trainState, true, null);
    assert.deepEqual(copyState(trainState), start, 'training forward does not touch the state');
    model.backward(null);
    assert.deepEqual(copyState(trainState), start, 'backward does not touch the state');
    model.commitState(trainState);
    copyState(trainState).forEach((s, k) => assertClose(`committed state ${k}`, s, afterFirst[k], 1e-13));
    const t2 = model.forward(slice(x, B, 2 * T, T, T), slice(y, B, 2 * T, T, T), B, T, trainState, true, null);
    model.backward(null);
    model.commitState(trainState);
    copyState(trainState).forEach((s, k) => assertClose(`committed final state ${k}`, s, copyState(whole)[k], 1e-13));
    assert.ok(Math.abs(t1.nll - r1.nll) < 1e-12 * r1.nll && Math.abs(t2.nll - r2.nll) < 1e-12 * r2.nll, 'train and inference losses agree without dropout');
  });
}

// ---------------------------------------------------------------- determinism

function trainThreeSteps(seed: number): { weights: number[][]; losses: number[] } {
  const c = config({ cell: 'lstm', dropout: 0.2, vocabSize: 12, hidden: 8, embed: 6 });
  const be = new JsBackend('float64');
  const model = new LanguageModel(be, c);
  const rng = new Rng(seed);
  model.initialize(rng);
  const opt = new Optimizer(be, model.params(), { name: 'adam', lr: 0.01, weightDecay: 0.001 });
  const B = 2, T = 5, data = new Rng(1000); // same data for every seed
  const state = model.newState(B);
  const losses: number[] = [];
  for (let step = 0; step < 3; step++) {
    const x = Int32Array.from({ length: B * T }, () => data.int(c.vocabSize));
    const y = Int32Array.from({ length: B * T }, () => data.int(c.vocabSize));
    model.zeroGrad();
    const r = model.forward(x, y, B, T, state, true, rng);
    losses.push(r.nll / r.count);
    model.backward(null);
    model.commitState(state);
    opt.apply();
  }
  return { weights: [...model.stateDict().values()].map((t) => Array.from(t.data)), losses };
}

test('seeded determinism: same seed → identical weights and identical losses over 3 Adam steps (with dropout)', () => {
  const initial = (seed: number) => {
    const m = new LanguageModel(new JsBackend('float64'), config({}));
    m.initialize(new Rng(seed));
    return [...m.stateDict().values()].map((t) => Array.from(t.data));
  };
  assert.deepEqual(initial(42), initial(42));
  assert.notDeepEqual(initial(42), initial(43));
  const a = trainThreeSteps(42), b = trainThreeSteps(42), other = trainThreeSteps(43);
  assert.deepEqual(a.losses, b.losses);
  assert.deepEqual(a.weights, b.weights);
  assert.notDeepEqual(a.losses, other.losses);
  assert.ok(a.losses.every(Number.isFinite));
});

// ---------------------------------------------------------------- dropout placement

test('dropout: the decoder input is dropped once (keep 1−p, scale 1/(1−p)), not twice', () => {
  // One layer, so nn.LSTM applies no inter-layer dropout and the only dropout is the model's
  // before the decoder. decoder.weight = [I_H; 0] and bias 0 make logits[:, :H] the decoder input.
  const c = config({ layers: 1, hidden: 4, embed: 5, vocabSize: 11, dropout: 0.5 });
  const model = new LanguageModel(new JsBackend('float64'), c);
  model.initialize(new Rng(8));
  const { hidden: H, vocabSize: V, dropout: p } = c;
  const W = model.decoderWeight.value.data;
  W.fill(0);
  for (let j = 0; j < H; j++) W[j * H + j] = 1;
  model.decoderBias.value.data.fill(0);
  const B = 4, T = 25, N = B * T, rng = new Rng(9);
  const x = Int32Array.from({ length: N }, () => rng.int(V));
  const train = model.newState(B), infer = model.newState(B);
  model.forward(x, null, B, T, train, true, new Rng(10));
  const dropped = Float64Array.from(model.logitsTensor().data.subarray(0, N * V));
  model.forward(x, null, B, T, infer, false, null);
  const clean = model.logitsTensor().data;
  let kept = 0;
  const ratios = new Set<number>();
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < H; j++) {
      const d = dropped[i * V + j], h = clean[i * V + j];
      if (d === 0) continue;
      kept++;
      ratios.add(Math.round((d / h) * 1e6) / 1e6);
    }
  }
  assert.deepEqual([...ratios], [1 / (1 - p)], `kept values are scaled by ${[...ratios].join(', ')}; one inverted dropout scales by 1/(1−p) = ${1 / (1 - p)}`);
  const frac = kept / (N * H);
  assert.ok(Math.abs(frac - (1 - p)) < 0.08, `kept fraction ${frac}, want ≈ ${1 - p}`);
});
