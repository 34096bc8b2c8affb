/**
 * Finite-difference gradient checks in float64 (JsBackend('float64')): every backend op that
 * has a backward (gemm, addBias/sumRows, embedding, one-hot projection, the four recurrent
 * cells, fused cross-entropy, dropout) and the whole LanguageModel for every cell and the
 * embedding / one-hot / dropout / tied-weight variants. Central differences (test/helpers.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsBackend } from '../../src/backend/js/index.js';
import { cacheWidth, gates, type CellKind } from '../../src/backend/backend.js';
import type { FloatArray, Tensor } from '../../src/tensor.js';
import { Rng } from '../../src/util/rng.js';
import { LanguageModel } from '../../src/nn/language-model.js';
import type { ModelConfig } from '../../src/nn/config.js';
import { gradCheck } from '../helpers.js';

const be = new JsBackend('float64');
const ALL = 1 << 30; // gradCheck samples: every coordinate

function randomTensor(shape: number[], rng: Rng, scale = 1): Tensor {
  const t = be.alloc(shape);
  for (let i = 0; i < t.size; i++) t.data[i] = rng.uniform(-scale, scale);
  return t;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>, n = a.length): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

function ints(values: number[]) {
  const t = be.allocInt(values.length);
  t.data.set(values);
  return t;
}

// ---------------------------------------------------------------- gemm

for (const [transA, transB] of [[false, false], [false, true], [true, false], [true, true]] as const) {
  test(`gradcheck: gemm transA=${transA} transB=${transB} (alpha, beta, offsets)`, () => {
    const rng = new Rng(11 + Number(transA) * 2 + Number(transB));
    const M = 3, N = 4, K = 5, alpha = 0.7, beta = 0.3;
    const aOff = 2, bOff = 3, cOff = 1;
    // A is [M,K] ([K,M] if transA), B is [K,N] ([N,K] if transB); stored after a small offset.
    const A = randomTensor([aOff + M * K + 1], rng);
    const B = randomTensor([bOff + K * N + 2], rng);
    const C0 = randomTensor([cOff + M * N + 1], rng);
    const W = randomTensor([M, N], rng);
    const C = be.alloc([cOff + M * N + 1]);
    // L = Σ W ⊙ (alpha·op(A)·op(B) + beta·C0)
    const loss = () => {
      be.copy(C, 0, C0, 0, C0.size);
      be.gemm(transA, transB, M, N, K, alpha, A, aOff, B, bOff, beta, C, cOff);
      return dot(W.data, C.data.subarray(cOff, cOff + M * N));
    };
    // dop(A) = alpha·W·op(B)ᵀ [M,K]; stored transposed when transA: dA = alpha·op(B)·Wᵀ [K,M]
    const dA = be.alloc([A.size]);
    if (!transA) be.gemm(false, !transB, M, K, N, alpha, W, 0, B, bOff, 0, dA, aOff);
    else be.gemm(transB, true, K, M, N, alpha, B, bOff, W, 0, 0, dA, aOff);
    // dop(B) = alpha·op(A)ᵀ·W [K,N]; stored transposed when transB: dB = alpha·Wᵀ·op(A) [N,K]
    const dB = be.alloc([B.size]);
    if (!transB) be.gemm(!transA, false, K, N, M, alpha, A, aOff, W, 0, 0, dB, bOff);
    else be.gemm(true, transA, N, K, M, alpha, W, 0, A, aOff, 0, dB, bOff);
    // dC0 = beta·W
    const dC0 = be.alloc([C0.size]);
    for (let i = 0; i < M * N; i++) dC0.data[cOff + i] = beta * W.data[i];
    gradCheck('dA', loss, A.data, dA.data, ALL);
    gradCheck('dB', loss, B.data, dB.data, ALL);
    gradCheck('dC', loss, C0.data, dC0.data, ALL);
  });
}

test('gemm: beta = 0 ignores NaN in C; beta = 1 accumulates', () => {
  const rng = new Rng(5);
  const A = randomTensor([2, 3], rng), B = randomTensor([3, 2], rng);
  const C = be.alloc([2, 2]);
  C.data.fill(NaN);
  be.gemm(false, false, 2, 2, 3, 1, A, 0, B, 0, 0, C, 0);
  assert.ok(Array.from(C.data).every(Number.isFinite));
  const once = Float64Array.from(C.data);
  be.gemm(false, false, 2, 2, 3, 1, A, 0, B, 0, 1, C, 0);
  for (let i = 0; i < 4; i++) assert.ok(Math.abs(C.data[i] - 2 * once[i]) < 1e-14);
});

test('gradcheck: addBias / sumRows (db accumulates)', () => {
  const rng = new Rng(21);
  const rows = 5, cols = 3;
  const Y0 = randomTensor([rows, cols], rng), b = randomTensor([cols], rng), W = randomTensor([rows, cols], rng);
  const Y = be.alloc([rows, cols]);
  const loss = () => {
    be.copy(Y, 0, Y0, 0, Y0.size);
    be.addBias(Y, b, rows, cols);
    return dot(W.data, Y.data);
  };
  const db = be.alloc([cols]);
  db.data.fill(0.25);
  be.sumRows(db, W, rows, cols);
  for (let i = 0; i < cols; i++) db.data[i] -= 0.25;
  gradCheck('db', loss, b.data, db.data, ALL);
});

// ---------------------------------------------------------------- embedding and one-hot

test('gradcheck: embeddingForward / embeddingBackward (repeated ids, a skipped −1, accumulates)', () => {
  const rng = new Rng(31);
  const V = 6, E = 4;
  const idList = [2, 0, 5, 2, -1, 3, 2];
  const n = idList.length, ids = ints(idList);
  const Wt = randomTensor([V, E], rng), G = randomTensor([n, E], rng);
  const out = be.alloc([n, E]);
  out.data.fill(NaN);
  const loss = () => {
    be.embeddingForward(out, ids, Wt, n, E);
    return dot(G.data, out.data);
  };
  loss();
  for (let e = 0; e < E; e++) assert.equal(out.data[4 * E + e], 0, 'id −1 gives a zero row');
  const dW = be.alloc([V, E]);
  dW.data.fill(0.5);
  be.embeddingBackward(dW, ids, G, n, E);
  for (let i = 0; i < dW.size; i++) dW.data[i] -= 0.5;
  gradCheck('dW', loss, Wt.data, dW.data, ALL);
});

test('gradcheck: onehotForward / onehotBackward (repeated ids, a skipped −1, accumulates)', () => {
  const rng = new Rng(41);
  const V = 5, Gw = 6;
  const idList = [4, 1, 1, -1, 0, 4];
  const n = idList.length, ids = ints(idList);
  const Wt = randomTensor([Gw, V], rng), Gr = randomTensor([n, Gw], rng);
  const out = be.alloc([n, Gw]);
  const loss = () => {
    be.onehotForward(out, ids, Wt, n, Gw, V);
    return dot(Gr.data, out.data);
  };
  // the one-hot projection is x·Wᵀ for one-hot rows x: compare with an explicit GEMM
  const X = be.alloc([n, V]);
  idList.forEach((id, i) => { if (id >= 0) X.data[i * V + id] = 1; });
  const ref = be.alloc([n, Gw]);
  be.gemm(false, true, n, Gw, V, 1, X, 0, Wt, 0, 0, ref, 0);
  loss();
  assert.deepEqual(Array.from(out.data), Array.from(ref.data));
  const dW = be.alloc([Gw, V]);
  dW.data.fill(-0.5);
  be.onehotBackward(dW, ids, Gr, n, Gw, V);
  for (let i = 0; i < dW.size; i++) dW.data[i] += 0.5;
  gradCheck('dW', loss, Wt.data, dW.data, ALL);
});

// ---------------------------------------------------------------- recurrent layers

/** Pre-activations of an Elman RNN run (to keep relu inputs away from its kink). */
function rnnPreActivations(T: number, B: number, H: number, xw: FloatArray, whh: FloatArray, bhh: FloatArray, h0: FloatArray, hs: FloatArray): number[] {
  const pre: number[] = [];
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < H; j++) {
        let s = xw[(t * B + b) * H + j] + bhh[j];
        for (let k = 0; k < H; k++) s += whh[j * H + k] * (t === 0 ? h0[b * H + k] : hs[((t - 1) * B + b) * H + k]);
        pre.push(s);
      }
    }
  }
  return pre;
}

for (const cell of ['lstm', 'gru', 'rnn_tanh', 'rnn_relu'] as CellKind[]) {
  test(`gradcheck: recurrentForward / recurrentBackward (${cell})`, () => {
    const T = 4, B = 2, H = 3, G = gates(cell) * H;
    const lstm = cell === 'lstm';
    let seed = 100;
    let rng = new Rng(seed);
    let xw!: Tensor, whh!: Tensor, bhh!: Tensor, h0!: Tensor, c0!: Tensor | null;
    const hs = be.alloc([T, B, H]);
    const cT = lstm ? be.alloc([B, H]) : null;
    const cache = be.alloc([Math.max(1, T * B * cacheWidth(cell, H))]);
    for (;;) {
      xw = randomTensor([T, B, G], rng);
      whh = randomTensor([G, H], rng, 0.8);
      bhh = randomTensor([G], rng, 0.5);
      h0 = randomTensor([B, H], rng, 0.8);
      c0 = lstm ? randomTensor([B, H], rng) : null;
      if (cell !== 'rnn_relu') break;
      be.recurrentForward({ cell, T, B, H, xw, whh, bhh, h0, c0: null, hs, cache: null, cT: null });
      const pre = rnnPreActivations(T, B, H, xw.data, whh.data, bhh.data, h0.data, hs.data);
      const margin = Math.min(...pre.map(Math.abs));
      const positive = pre.filter((v) => v > 0).length;
      if (margin > 1e-3 && positive >= pre.length / 4 && positive < pre.length) break;
      rng = new Rng(++seed);
    }
    const W = randomTensor([T, B, H], rng);
    const loss = () => {
      be.recurrentForward({ cell, T, B, H, xw, whh, bhh, h0, c0, hs, cache: null, cT });
      return dot(W.data, hs.data);
    };
    // analytic: forward with cache, backward with dhs = W
    be.recurrentForward({ cell, T, B, H, xw, whh, bhh, h0, c0, hs, cache, cT });
    const hsTrain = Float64Array.from(hs.data);
    loss();
    assert.deepEqual(Array.from(hs.data), Array.from(hsTrain), 'the cache does not change the forward');
    const dxw = be.alloc([T, B, G]);
    dxw.data.fill(NaN); // "out": overwritten
    const dhw = cell === 'gru' ? be.alloc([T, B, G]) : dxw;
    const dwhh = be.alloc([G, H]);
    const dbhh = be.alloc([G]);
    dwhh.data.fill(0.5); // "accumulates"
    dbhh.data.fill(0.5);
    const dh0 = be.alloc([B, H]);
    dh0.data.fill(NaN);
    const dc0 = lstm ? be.alloc([B, H]) : null;
    if (dc0) dc0.data.fill(NaN);
    be.recurrentBackward({ cell, T, B, H, whh, h0, c0, hs, cache, dhs: W, dxw, dwhh, dbhh, dhw, dh0, dc0 });
    for (let i = 0; i < dwhh.size; i++) dwhh.data[i] -= 0.5;
    for (let i = 0; i < dbhh.size; i++) dbhh.data[i] -= 0.5;
    gradCheck(`${cell} dxw`, loss, xw.data, dxw.data, ALL);
    gradCheck(`${cell} dW_hh`, loss, whh.data, dwhh.data, ALL);
    gradCheck(`${cell} db_hh`, loss, bhh.data, dbhh.data, ALL);
    gradCheck(`${cell} dh0`, loss, h0.data, dh0.data, ALL);
    if (lstm) gradCheck(`${cell} dc0`, loss, c0!.data, dc0!.data, ALL);
    // the same backward without dh0/dc0 gives the same parameter gradients
    be.recurrentForward({ cell, T, B, H, xw, whh, bhh, h0, c0, hs, cache, cT });
    const dwhh2 = be.alloc([G, H]), dbhh2 = be.alloc([G]), dxw2 = be.alloc([T, B, G]);
    be.recurrentBackward({
      cell, T, B, H, whh, h0, c0, hs, cache, dhs: W, dxw: dxw2, dwhh: dwhh2, dbhh: dbhh2,
      dhw: cell === 'gru' ? be.alloc([T, B, G]) : dxw2, dh0: null, dc0: null,
    });
    for (let i = 0; i < dwhh.size; i++) assert.ok(Math.abs(dwhh2.data[i] - dwhh.data[i]) < 1e-12);
    for (let i = 0; i < dxw.size; i++) assert.ok(Math.abs(dxw2.data[i] - dxw.data[i]) < 1e-12);
  });
}

test('recurrentForward (lstm): cT may alias c0, and equals the last cached cell state', () => {
  const rng = new Rng(7);
  const T = 3, B = 2, H = 3, G = 4 * H;
  const xw = randomTensor([T, B, G], rng), whh = randomTensor([G, H], rng), bhh = randomTensor([G], rng);
  const h0 = randomTensor([B, H], rng), c0 = randomTensor([B, H], rng);
  const hs = be.alloc([T, B, H]), cache = be.alloc([T * B * 5 * H]), cT = be.alloc([B, H]);
  be.recurrentForward({ cell: 'lstm', T, B, H, xw, whh, bhh, h0, c0, hs, cache, cT });
  for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) assert.equal(cT.data[b * H + j], cache.data[((T - 1) * B + b) * 5 * H + 4 * H + j]);
  const hs2 = be.alloc([T, B, H]);
  be.recurrentForward({ cell: 'lstm', T, B, H, xw, whh, bhh, h0, c0, hs: hs2, cache: null, cT: c0 });
  assert.deepEqual(Array.from(hs2.data), Array.from(hs.data));
  assert.deepEqual(Array.from(c0.data), Array.from(cT.data));
});

// ---------------------------------------------------------------- cross-entropy

test('gradcheck: crossEntropy (ignored position, gradScale, dlogits aliasing logits)', () => {
  const rng = new Rng(51);
  const n = 5, V = 6, ignore = 0, gradScale = 0.37;
  const targets = ints([3, 0, 5, 1, 2]); // row 1 is ignored (ignoreIndex 0 is also a class id)
  const logits = randomTensor([n, V], rng, 2);
  const loss = () => gradScale * be.crossEntropy(logits, targets, n, V, ignore, null, gradScale).loss;
  // direct value
  let want = 0;
  for (let r = 0; r < n; r++) {
    if (targets.data[r] === ignore) continue;
    let z = 0;
    for (let j = 0; j < V; j++) z += Math.exp(logits.data[r * V + j]);
    want += Math.log(z) - logits.data[r * V + targets.data[r]];
  }
  const dl = be.alloc([n, V]);
  dl.data.fill(NaN);
  const res = be.crossEntropy(logits, targets, n, V, ignore, dl, gradScale);
  assert.equal(res.count, 4);
  assert.ok(Math.abs(res.loss - want) < 1e-12 * Math.abs(want), `loss ${res.loss} vs ${want}`);
  for (let j = 0; j < V; j++) assert.equal(dl.data[V + j], 0, 'ignored row gets a zero gradient');
  gradCheck('dlogits', loss, logits.data, dl.data, ALL);
  // in place: dlogits === logits gives the same numbers
  const inPlace = be.alloc([n, V]);
  be.copy(inPlace, 0, logits, 0, n * V);
  const res2 = be.crossEntropy(inPlace, targets, n, V, ignore, inPlace, gradScale);
  assert.equal(res2.loss, res.loss);
  for (let i = 0; i < n * V; i++) assert.ok(Math.abs(inPlace.data[i] - dl.data[i]) < 1e-15);
});

// ---------------------------------------------------------------- dropout

test('gradcheck: dropoutForward / dropoutBackward (fixed seed, in place)', () => {
  const rng = new Rng(61);
  const n = 64, p = 0.3, seed = 0xdeadbeef;
  const x = randomTensor([n], rng), W = randomTensor([n], rng);
  const y = be.alloc([n]);
  const loss = () => {
    be.dropoutForward(y, x, n, p, seed);
    return dot(W.data, y.data);
  };
  loss();
  let kept = 0;
  for (let i = 0; i < n; i++) {
    if (y.data[i] === 0) continue;
    kept++;
    assert.ok(Math.abs(y.data[i] - x.data[i] / (1 - p)) < 1e-15);
  }
  assert.ok(kept > n * 0.5 && kept < n * 0.9, `kept ${kept} of ${n}`);
  const dx = be.alloc([n]);
  be.dropoutBackward(dx, W, n, p, seed);
  gradCheck('dx', loss, x.data, dx.data, ALL);
  const inPlace = be.alloc([n]);
  be.copy(inPlace, 0, W, 0, n);
  be.dropoutBackward(inPlace, inPlace, n, p, seed);
  assert.deepEqual(Array.from(inPlace.data), Array.from(dx.data));
});

// ---------------------------------------------------------------- the whole language model

interface LmCase {
  name: string;
  cell: ModelConfig['cell'];
  activation?: ModelConfig['activation'];
  embed: number;
  dropout?: number;
  tie?: boolean;
  layers?: number;
}

const lmCases: LmCase[] = [
  { name: 'lstm, 2 layers, embedding', cell: 'lstm', embed: 5 },
  { name: 'gru, 2 layers, embedding', cell: 'gru', embed: 5 },
  { name: 'rnn_tanh, 2 layers, embedding', cell: 'rnn', activation: 'tanh', embed: 5 },
  { name: 'rnn_relu, 2 layers, embedding', cell: 'rnn', activation: 'relu', embed: 5 },
  { name: 'lstm, one-hot input', cell: 'lstm', embed: 0 },
  { name: 'gru, one-hot input', cell: 'gru', embed: 0 },
  { name: 'rnn_tanh, one-hot input', cell: 'rnn', activation: 'tanh', embed: 0 },
  { name: 'lstm, dropout 0.3', cell: 'lstm', embed: 5, dropout: 0.3 },
  { name: 'gru, dropout 0.3, one-hot', cell: 'gru', embed: 0, dropout: 0.3 },
  { name: 'rnn_tanh, dropout 0.3, 3 layers', cell: 'rnn', activation: 'tanh', embed: 5, dropout: 0.3, layers: 3 },
  { name: 'lstm, tied weights', cell: 'lstm', embed: 4, tie: true },
  { name: 'gru, tied weights, dropout 0.3', cell: 'gru', embed: 4, tie: true, dropout: 0.3 },
];

for (const c of lmCases) {
  test(`gradcheck: LanguageModel (${c.name})`, () => {
    const V = 7, H = 4, B = 2, T = 3, L = c.layers ?? 2, ignore = 0;
    const model = new LanguageModel(be, {
      vocabSize: V, cell: c.cell, activation: c.activation ?? 'tanh', layers: L, hidden: H,
      embed: c.embed, dropout: c.dropout ?? 0, tieWeights: c.tie ?? false, init: 'pytorch',
    });
    model.initialize(new Rng(1234));
    const rng = new Rng(99);
    // weights a little larger than PyTorch's 1/√H so every path carries signal
    for (const p of model.params()) for (let i = 0; i < p.value.size; i++) p.value.data[i] += rng.uniform(-0.3, 0.3);
    const x = Int32Array.from({ length: B * T }, () => rng.int(V));
    const y = Int32Array.from({ length: B * T }, (_, i) => (i === 1 || i === 4 ? ignore : 1 + rng.int(V - 1)));
    const state = model.newState(B);
    for (let l = 0; l < L; l++) {
      for (let i = 0; i < B * H; i++) state.h[l].data[i] = rng.uniform(-0.8, 0.8);
      if (state.c) for (let i = 0; i < B * H; i++) state.c[l].data[i] = rng.uniform(-1, 1);
    }
    const dropSeed = 4242;
    const loss = () => {
      const r = model.forward(x, y, B, T, state, true, new Rng(dropSeed), ignore);
      return r.nll / r.count;
    };
    const before = state.h.map((t) => Float64Array.from(t.data));
    model.zeroGrad();
    const r = model.forward(x, y, B, T, state, true, new Rng(dropSeed), ignore);
    assert.equal(r.count, B * T - 2);
    const dState = model.newState(B);
    for (const t of [...dState.h, ...(dState.c ?? [])]) t.data.fill(NaN); // overwritten, not accumulated
    model.backward(dState);
    state.h.forEach((t, l) => assert.deepEqual(Array.from(t.data), Array.from(before[l]), 'a training forward leaves the state alone'));

    const params = model.params();
    const names = params.map((p) => p.name);
    assert.equal(new Set(names).size, names.length, 'params are distinct');
    if (c.tie) assert.ok(!names.includes('decoder.weight') && model.decoderWeight === model.embedding.weight);
    const grads = params.map((p) => Float64Array.from(p.grad.data));
    for (let k = 0; k < params.length; k++) {
      const g = grads[k];
      assert.ok(g.some((v) => v !== 0), `${params[k].name} has a nonzero gradient`);
      gradCheck(`${c.name}: ${params[k].name}`, loss, params[k].value.data, g, 24);
    }
    for (let l = 0; l < L; l++) {
      gradCheck(`${c.name}: h0[${l}]`, loss, state.h[l].data, Float64Array.from(dState.h[l].data), ALL);
      if (state.c) gradCheck(`${c.name}: c0[${l}]`, loss, state.c[l].data, Float64Array.from(dState.c![l].data), ALL);
    }
    // gradients accumulate: a second forward/backward doubles them
    model.forward(x, y, B, T, state, true, new Rng(dropSeed), ignore);
    model.backward(null);
    params.forEach((p, k) => {
      for (let i = 0; i < p.grad.size; i++) assert.ok(Math.abs(p.grad.data[i] - 2 * grads[k][i]) <= 1e-12 * Math.max(1, Math.abs(grads[k][i])), `${p.name} accumulates`);
    });
  });
}
