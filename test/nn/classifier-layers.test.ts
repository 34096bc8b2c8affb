/**
 * The classifier layers in float64: gradient checks of Conv1d, BatchNorm1d (train mode), ReLU,
 * max and mean pooling over real positions, last-token selection (the reverse half at position
 * 0) and bidirectional cells, all over padded batches with uneven lengths; and padding
 * invariance: a row's outputs do not depend on how much padding (or what) follows it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CellKind } from '../../src/backend/backend.js';
import { JsBackend } from '../../src/backend/js/index.js';
import type { Act, Layer } from '../../src/nn/layer.js';
import { BatchNorm1d } from '../../src/nn/layers/batchnorm.js';
import { BidirectionalRecurrent } from '../../src/nn/layers/bidirectional.js';
import { Conv1d } from '../../src/nn/layers/conv1d.js';
import { Embedding } from '../../src/nn/layers/embedding.js';
import { LastStep } from '../../src/nn/layers/last-step.js';
import { Linear } from '../../src/nn/layers/linear.js';
import { TimePool } from '../../src/nn/layers/pooling.js';
import { Recurrent } from '../../src/nn/layers/recurrent.js';
import { ReLU } from '../../src/nn/layers/relu.js';
import { Sequential } from '../../src/nn/layers/sequential.js';
import { zeroGrads } from '../../src/nn/param.js';
import { Rng } from '../../src/util/rng.js';
import { gradCheck } from '../helpers.js';

const be = new JsBackend('float64');
const V = 9, E = 4, H = 3, F = 5, C = 3;

function ids(values: number[], T: number, B: number, lengths: number[] | null): Act {
  const t = be.allocInt(values.length);
  t.data.set(values);
  return { t: null, ids: t, T, B, C: V, lengths: lengths ? Int32Array.from(lengths) : null };
}

/** Mean cross-entropy of the pooled [B, C] output; train forward leaves the gradient for backward. */
function loss(net: Sequential, x: Act, labels: Int32Array, seed: number): { value: number; y: Act } {
  const y = net.forward(x, { train: true, rng: new Rng(seed) });
  const t = be.allocInt(y.B);
  t.data.set(labels);
  const r = be.crossEntropy(y.t!, t, y.B, y.C, -1, y.t, 1 / y.B);
  return { value: r.loss / y.B, y };
}

interface Case {
  name: string;
  build: () => Layer[];
  T: number;
  lengths: number[];
}

const cnn = (pool: 'max' | 'mean'): Layer[] => [
  new Embedding(be, 'embedding', V, E),
  new Conv1d(be, 'features.0', E, F), new BatchNorm1d(be, 'features.1', F), new ReLU(be),
  new Conv1d(be, 'features.3', F, F), new BatchNorm1d(be, 'features.4', F), new ReLU(be),
  new TimePool(be, pool), new Linear(be, 'fc', F, C),
];
const birnn = (cell: CellKind, L: number, dropout: number, head: (b: typeof be) => Layer): Layer[] => [
  new Embedding(be, 'embedding', V, E), new BidirectionalRecurrent(be, 'rnn', cell, E, H, L, dropout), head(be), new Linear(be, 'fc', 2 * H, C),
];

const cases: Case[] = [
  { name: 'CNN: 2 × (Conv1d k3 s2 p1 → BatchNorm1d → ReLU) → max over real positions → Linear', build: () => cnn('max'), T: 11, lengths: [11, 4, 7, 1] },
  { name: 'CNN with mean pooling', build: () => cnn('mean'), T: 9, lengths: [9, 2, 5] },
  { name: 'bidirectional GRU ×2 (dropout 0.3) → last real token, reverse half at 0 → Linear', build: () => birnn('gru', 2, 0.3, (b) => new LastStep(b, H)), T: 6, lengths: [6, 3, 1, 4] },
  { name: 'bidirectional LSTM → mean over real positions → Linear', build: () => birnn('lstm', 1, 0, (b) => new TimePool(b, 'mean')), T: 5, lengths: [2, 5, 3] },
  { name: 'bidirectional tanh RNN → max over real positions → Linear', build: () => birnn('rnn_tanh', 1, 0, (b) => new TimePool(b, 'max')), T: 5, lengths: [5, 1, 3] },
  {
    name: 'LSTM → max over real positions → Linear',
    build: () => [new Embedding(be, 'embedding', V, E), new Recurrent(be, 'rnn', 'lstm', E, H, 1, 0), new TimePool(be, 'max'), new Linear(be, 'fc', H, C)],
    T: 5, lengths: [3, 5],
  },
];

function randomize(net: Sequential, seed: number): void {
  const rng = new Rng(seed);
  for (const p of net.params()) for (let i = 0; i < p.value.size; i++) p.value.data[i] = rng.uniform(-0.8, 0.8);
}

for (const c of cases) {
  test(`gradcheck: ${c.name}`, () => {
    const net = new Sequential('', c.build());
    randomize(net, 17);
    const B = c.lengths.length, rng = new Rng(3);
    const x = ids(Array.from({ length: c.T * B }, () => rng.int(V)), c.T, B, c.lengths);
    const labels = Int32Array.from({ length: B }, () => rng.int(C));
    zeroGrads(be, net.params());
    const { y } = loss(net, x, labels, 5);
    net.backward(y, false);
    const f = () => loss(net, x, labels, 5).value;
    for (const p of net.params()) {
      const g = Float64Array.from(p.grad.data);
      assert.ok(g.some((v) => v !== 0), `${p.name} has a nonzero gradient`);
      gradCheck(`${c.name}: ${p.name}`, f, p.value.data, g, 24, 1e-6, 2e-6);
    }
  });
}

test('padding invariance: a row\'s outputs do not change with the padding after it (eval; train too where no batch statistic mixes rows)', () => {
  for (const c of cases) {
    const net = new Sequential('', c.build());
    randomize(net, 23);
    const rng = new Rng(9);
    const B = c.lengths.length;
    const base = Array.from({ length: c.T * B }, () => 1 + rng.int(V - 1));
    const run = (T: number, values: number[], train: boolean) => {
      const y = net.forward(ids(values, T, B, c.lengths), { train, rng: new Rng(1) });
      return Array.from(y.t!.data.subarray(0, B * C));
    };
    const widen = (extra: number, fill: (i: number) => number) => {
      const T2 = c.T + extra, out = new Array<number>(T2 * B);
      for (let t = 0; t < T2; t++) for (let b = 0; b < B; b++) out[t * B + b] = t < c.T && t < c.lengths[b] ? base[t * B + b] : fill(t * B + b);
      return out;
    };
    const hasBn = c.name.startsWith('CNN');
    const hasDropout = c.name.includes('dropout');
    for (const train of hasBn || hasDropout ? [false] : [false, true]) {
      const want = run(c.T, widen(0, () => 0), train);
      for (const [extra, fill] of [[0, (i: number) => (i * 7) % V], [5, () => 0], [4, (i: number) => (i * 3) % V]] as const) {
        const got = run(c.T + extra, widen(extra, fill), train);
        got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-12, `${c.name} (${train ? 'train' : 'eval'}, +${extra} padding): output ${i} ${v} vs ${want[i]}`));
      }
    }
  }
});

test('BatchNorm1d: train mode normalises over real positions and updates the running statistics as PyTorch; eval uses them', () => {
  const bn = new BatchNorm1d(be, 'bn', 2);
  const T = 3, B = 2, lengths = Int32Array.from([3, 1]);
  const x = be.alloc([T * B, 2]);
  // real positions: row 0 at t = 0, 1, 2; row 1 at t = 0 only → values per channel
  const vals = [[1, 10], [99, 99], [2, 20], [99, 99], [6, 30], [99, 99]];
  vals.forEach((v, r) => x.data.set(v, r * 2));
  x.data.set([3, 40], 1 * 2); // row 1, t = 0 (time-major: r = t·B + b)
  const y = bn.forward({ t: x, T, B, C: 2, lengths }, { train: true, rng: null });
  const ch0 = [1, 3, 2, 6], mean0 = 3, var0 = ch0.reduce((s, v) => s + (v - mean0) ** 2, 0) / 4;
  assert.ok(Math.abs(y.t!.data[0] - (1 - mean0) / Math.sqrt(var0 + 1e-5)) < 1e-12);
  assert.equal(y.t!.data[3 * 2], 0, 'padding rows give 0');
  assert.ok(Math.abs(bn.runningMean.value.data[0] - 0.1 * mean0) < 1e-12);
  assert.ok(Math.abs(bn.runningVar.value.data[0] - (0.9 + 0.1 * (var0 * 4) / 3)) < 1e-12, 'unbiased variance in the running estimate');
  assert.equal(bn.numBatchesTracked.value.data[0], 1);
  const e = bn.forward({ t: x, T, B, C: 2, lengths }, { train: false, rng: null });
  const rm = bn.runningMean.value.data[0], rv = bn.runningVar.value.data[0];
  assert.ok(Math.abs(e.t!.data[0] - (1 - rm) / Math.sqrt(rv + 1e-5)) < 1e-12, 'eval normalises with the running statistics');
  assert.equal(bn.numBatchesTracked.value.data[0], 1, 'eval does not count a batch');
  assert.deepEqual(bn.buffers().map((b) => b.name), ['bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked']);
});
