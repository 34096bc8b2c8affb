// The benchmark's CLS classifier (bench/cls-model.ts, built from backend ops) must compute the
// gradients it claims, or its tokens/s compare different work: finite differences in float64,
// then every fast backend against the float32 reference.
import { test } from 'node:test';
import type { Backend, CellKind } from '../../src/backend/backend.js';
import { JsBackend } from '../../src/backend/js/index.js';
import { Rng } from '../../src/util/rng.js';
import { SequenceClassifier } from '../../bench/cls-model.js';
import { testBackends } from '../backends.js';
import { assertClose, gradCheck } from '../helpers.js';

const B = 3, T = 5, V = 11, E = 4, H = 6, C = 4;
const CELLS: readonly CellKind[] = ['gru', 'lstm', 'rnn_tanh'];

function data(): { x: Int32Array; labels: Int32Array } {
  const rng = new Rng(7);
  const x = new Int32Array(B * T), labels = new Int32Array(B);
  for (let i = 0; i < x.length; i++) x[i] = rng.int(V);
  for (let b = 0; b < B; b++) labels[b] = rng.int(C);
  return { x, labels };
}

function build(be: Backend, cell: CellKind): SequenceClassifier {
  const m = new SequenceClassifier(be, { vocab: V, embed: E, hidden: H, classes: C, cell });
  m.initialize(new Rng(3));
  return m;
}

function gradients(m: SequenceClassifier): void {
  const { x, labels } = data();
  m.zeroGrad();
  m.forward(x, labels, B, T, true);
  m.backward();
}

for (const cell of CELLS) {
  test(`CLS classifier (${cell}): gradients match finite differences in float64`, () => {
    const m = build(new JsBackend('float64'), cell);
    gradients(m);
    const { x, labels } = data();
    const loss = () => m.forward(x, labels, B, T, false).nll / B;
    m.params().forEach((p, j) => gradCheck(`${cell} param ${j}`, loss, p.value.data, Float64Array.from(p.grad.data), 8, 1e-5));
  });
}

for (const tb of testBackends()) {
  test(`CLS classifier on ${tb.name}: gradients match the float32 reference`, async () => {
    const be = await tb.make();
    for (const cell of CELLS) {
      const ref = build(new JsBackend('float32'), cell), m = build(be, cell);
      gradients(ref);
      gradients(m);
      const pr = ref.params(), pm = m.params();
      for (let j = 0; j < pr.length; j++) assertClose(`${tb.name} ${cell} grad ${j}`, pm[j].grad.data, pr[j].grad.data, 1e-4);
    }
  });
}
