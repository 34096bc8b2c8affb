/**
 * The classifier parity check (classifier-parity.test.ts, bf16-native.test.ts). The classifiers
 * against PyTorch: fixtures from scripts/make_fixtures.py (cls entry point)
 * hold weights and buffers, a padded batch with its lengths, and PyTorch's loss, logits, pooled
 * features and every gradient (float64, torch 1.13, with pack_padded_sequence for the recurrent
 * models); for the CNN also the running statistics after the training forward and an eval-mode
 * forward. rnnlab in float32 must match within 1e-5 relative, on every backend.
 *
 * bf16 mode: within BF16_TOL of the fixture's "bf16" entry (PyTorch with every product's operands
 * rounded to bf16, convolutions included, in float64) and within BF16_VS_FP32 of the fp32 numbers;
 * the tolerances and their reasons are those of the language model (pytorch-parity.test.ts), except
 * the CNN's distance from fp32: batch norm's backward subtracts from dy its mean and its projection
 * on the normalised input, which cancels most of the gradient on these tiny batches (a few dozen
 * positions), while the bf16 error of the cancelled parts stays — the relative error of what is
 * left grows by that cancellation (≈ 10–30× here: 4–12 % measured, the largest on a batch-norm
 * bias gradient of the ragged batch), hence BF16_VS_FP32_BATCHNORM.
 * The comparison with PyTorch's own bf16 emulation stays at BF16_TOL for every model.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Backend } from '../../src/backend/backend.js';
import { Classifier, type ClassifierKind, type PoolKind } from '../../src/nn/classifier.js';
import { assertClose } from '../helpers.js';
import { BF16_TOL, BF16_VS_FP32 } from './bf16-tolerance.js';

const BF16_VS_FP32_BATCHNORM = 0.2;

export interface Fixture {
  name: string; kind: ClassifierKind; V: number; E: number; H: number; C: number; L: number; B: number; T: number;
  bidirectional: boolean; pool: PoolKind; x: number[]; lengths: number[]; labels: number[];
  params: Record<string, { shape: number[]; data: number[] }>;
  loss: number; logits: number[]; pooled: number[]; grads: Record<string, number[]>;
  buffers_after: Record<string, number[]> | null; eval: { loss: number; logits: number[] } | null;
  bf16: Expected;
}

/** What a fixture expects: PyTorch's fp32 numbers (the fixture itself) or its bf16 entry. */
type Expected = Pick<Fixture, 'loss' | 'logits' | 'pooled' | 'grads' | 'buffers_after' | 'eval'>;

export const dir = fileURLToPath(new URL('../../../test/fixtures/', import.meta.url));
export const cases = ['cnn', 'cnn_ragged', 'bigru_last', 'bigru_mean', 'lstm_max', 'rnn_last'];

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

export function runFixture(be: Backend, f: Fixture, want: Expected = f, TOL = 1e-5): void {
  f = { ...f, ...want };
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

/** The bf16 checks of one backend: against PyTorch's bf16 emulation, and against fp32 within bf16's error. */
export function classifierBf16Parity(name: string, make: () => Promise<Backend>): void {
  for (const c of cases) {
    const vsFp32 = c.startsWith('cnn') ? BF16_VS_FP32_BATCHNORM : BF16_VS_FP32;
    test(`${name} --precision bf16: classifier matches PyTorch's bf16 emulation within ${BF16_TOL}, and fp32 within ${vsFp32} (${c})`, async () => {
      const f = JSON.parse(readFileSync(`${dir}cls_${c}.json`, 'utf8')) as Fixture;
      const be = await make();
      assert.equal(be.precision, 'bf16');
      runFixture(be, f, f.bf16, BF16_TOL);
      runFixture(be, f, f, vsFp32);
    });
  }
}

