/**
 * Sanity check of bench/cls-model.ts: finite-difference gradient check on the float64
 * reference backend (tiny shapes, every cell kind), then the same forward/backward on the
 * wasm (and native, when present) backend compared with js float32.
 *
 *   node dist/bench/cls-check.js
 */
import type { Backend, CellKind } from '../src/backend/backend.js';
import { JsBackend } from '../src/backend/js/index.js';
import { createBackend } from '../src/backend/select.js';
import { Rng } from '../src/util/rng.js';
import { SequenceClassifier } from './cls-model.js';

const B = 3, T = 5, V = 11, E = 4, H = 6, C = 4;

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

/** Worst |finite difference − analytic| over sampled entries, and the largest |gradient| sampled. */
function gradCheck(cell: CellKind): { err: number; maxGrad: number } {
  const be = new JsBackend('float64');
  const m = build(be, cell);
  const { x, labels } = data();
  m.zeroGrad();
  m.forward(x, labels, B, T, true);
  m.backward();
  const loss = () => m.forward(x, labels, B, T, false).nll / B;
  let worst = 0, maxGrad = 0;
  const rng = new Rng(11);
  for (const p of m.params()) {
    const w = p.value.data, g = p.grad.data;
    for (let k = 0; k < 8; k++) {
      const i = rng.int(w.length);
      const old = w[i], eps = 1e-5;
      w[i] = old + eps;
      const lp = loss();
      w[i] = old - eps;
      const lm = loss();
      w[i] = old;
      const fd = (lp - lm) / (2 * eps);
      worst = Math.max(worst, Math.abs(fd - g[i]));
      maxGrad = Math.max(maxGrad, Math.abs(g[i]));
    }
  }
  return { err: worst, maxGrad };
}

async function crossBackend(name: 'wasm' | 'native', cell: CellKind): Promise<number | string> {
  let be: Backend;
  try {
    be = (await createBackend({ name })).backend;
  } catch (e) {
    return `unavailable (${String(e instanceof Error ? e.message : e).split('\n')[0]})`;
  }
  const ref = build(new JsBackend('float32'), cell), m = build(be, cell);
  const { x, labels } = data();
  for (const mm of [ref, m]) {
    mm.zeroGrad();
    mm.forward(x, labels, B, T, true);
    mm.backward();
  }
  let worst = 0;
  const pr = ref.params(), pm = m.params();
  for (let j = 0; j < pr.length; j++) {
    const a = pr[j].grad.data, b = pm[j].grad.data;
    let scale = 1e-6;
    for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(a[i]));
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / scale);
  }
  return worst;
}

let ok = true;
for (const cell of ['gru', 'lstm', 'rnn_tanh'] as const) {
  const { err, maxGrad } = gradCheck(cell);
  const pass = err < 1e-6 * Math.max(1, maxGrad) && maxGrad > 0;
  ok &&= pass;
  console.log(`finite differences, js float64, ${cell}: worst |fd − grad| ${err.toExponential(2)} (largest |grad| ${maxGrad.toExponential(2)}) ${pass ? 'ok' : 'FAIL'}`);
}
for (const name of ['wasm', 'native'] as const) {
  for (const cell of ['gru', 'lstm'] as const) {
    const e = await crossBackend(name, cell);
    if (typeof e === 'string') {
      console.log(`${name} vs js float32, ${cell}: ${e}`);
      break;
    }
    const pass = e < 1e-4;
    ok &&= pass;
    console.log(`${name} vs js float32, ${cell}: worst gradient difference ${e.toExponential(2)} (relative to each param's max) ${pass ? 'ok' : 'FAIL'}`);
  }
}
process.exitCode = ok ? 0 : 1;
