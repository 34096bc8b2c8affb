/**
 * The classifiers against PyTorch: fixtures from scripts/make_fixtures.py (cls entry point)
 * hold weights and buffers, a padded batch with its lengths, and PyTorch's loss, logits, pooled
 * features and every gradient (float64, torch 1.13, with pack_padded_sequence for the recurrent
 * models); for the CNN also the running statistics after the training forward and an eval-mode
 * forward. rnnlab in float32 must match within 1e-5 relative, on every backend.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Backend } from '../../src/backend/backend.js';
import { JsBackend } from '../../src/backend/js/index.js';
import { Classifier, type ClassifierKind, type PoolKind } from '../../src/nn/classifier.js';
import { assertClose } from '../helpers.js';
import { testBackends } from '../backends.js';

interface Fixture {
  name: string; kind: ClassifierKind; V: number; E: number; H: number; C: number; L: number; B: number; T: number;
  bidirectional: boolean; pool: PoolKind; x: number[]; lengths: number[]; labels: number[];
  params: Record<string, { shape: number[]; data: number[] }>;
  loss: number; logits: number[]; pooled: number[]; grads: Record<string, number[]>;
  buffers_after: Record<string, number[]> | null; eval: { loss: number; logits: number[] } | null;
}

const dir = fileURLToPath(new URL('../../../test/fixtures/', import.meta.url));
const cases = ['cnn', 'cnn_ragged', 'bigru_last', 'bigru_mean', 'lstm_max', 'rnn_last'];
const TOL = 1e-5;

function build(be: Backend, f: Fixture): Classifier {
  const m = new Classifier(be, {
    vocabSize: f.V, classes: f.C, model: f.kind, embed: f.E, hidden: f.H, layers: f.L, bidirectional: f.bidirectional,
    pool: f.pool, dropout: 0, kernel: 3, stride: 2,
  });
  const sd = m.stateDict();
  assert.deepEqual([...sd.keys()], Object.keys(f.params), `${f.name}: state_dict names and order`);
  for (const [name, t] of sd) {
    assert.deepEqual([...t.shape], f.params[name].shape, `${f.name}: ${name} shape`);
    t.data.set(f.params[name].data);
  }
  return m;
}

function runFixture(be: Backend, f: Fixture): void {
  const m = build(be, f);
  const x = Int32Array.from(f.x), lengths = Int32Array.from(f.lengths), labels = Int32Array.from(f.labels);
  if (f.eval) {
    // eval first, on a fresh model: PyTorch's eval forward used the original running statistics
    const e = build(be, f);
    const r = e.forward(x, lengths, f.B, f.T, labels, false, null);
    assertClose(`${be.name} ${f.name} eval logits`, e.logits(), f.eval.logits, TOL);
    assert.ok(Math.abs(r.nll / f.B - f.eval.loss) <= TOL * Math.abs(f.eval.loss), `${be.name} ${f.name}: eval loss ${r.nll / f.B} vs ${f.eval.loss}`);
  }
  m.zeroGrad();
  const r = m.forward(x, lengths, f.B, f.T, labels, true, null);
  const loss = r.nll / f.B;
  assert.ok(Math.abs(loss - f.loss) <= TOL * Math.abs(f.loss), `${be.name} ${f.name}: loss ${loss} vs PyTorch ${f.loss}`);
  m.backward();
  for (const p of m.params()) {
    const want = f.grads[p.name];
    // A conv bias right before BatchNorm has a zero gradient (the normalisation removes any
    // constant shift): PyTorch's float64 gives ~1e-17 there, float32 ~1e-9 — both are zero.
    if (Math.max(...want.map(Math.abs)) < 1e-12) {
      const got = Math.max(...Array.from(p.grad.data, Math.abs));
      assert.ok(got < 1e-6, `${be.name} ${f.name} grad ${p.name}: should be zero, got ${got}`);
    } else assertClose(`${be.name} ${f.name} grad ${p.name}`, p.grad.data, want, TOL);
  }
  for (const b of m.buffers()) {
    if (!f.buffers_after) break;
    assertClose(`${be.name} ${f.name} ${b.name} after the training forward`, b.value.data, f.buffers_after[b.name], TOL);
  }
  // logits of the training forward (the loss overwrote them with their gradient): a second train-mode pass on a fresh copy
  const again = build(be, f);
  again.forward(x, lengths, f.B, f.T, null, true, null);
  assertClose(`${be.name} ${f.name} logits`, again.logits(), f.logits, TOL);
}

for (const { name, make } of [{ name: 'js', make: async () => new JsBackend('float32') as Backend }, ...testBackends()]) {
  for (const c of cases) {
    test(`${name}: classifier matches PyTorch (${c})`, async () => {
      runFixture(await make(), JSON.parse(readFileSync(`${dir}cls_${c}.json`, 'utf8')) as Fixture);
    });
  }
}
