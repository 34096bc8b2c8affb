/**
 * The language model against PyTorch: fixtures from scripts/make_fixtures.py hold fixed
 * weights, inputs, initial states, the loss, the logits, the final states and every gradient
 * (computed in float64 by torch 1.13). rnnlab in float32 must match within 1e-5 relative.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { JsBackend } from '../../src/backend/js/index.js';
import type { Backend } from '../../src/backend/backend.js';
import { LanguageModel } from '../../src/nn/language-model.js';
import { assertClose } from '../helpers.js';
import { testBackends } from '../backends.js';

interface Fixture {
  name: string; cell: 'lstm' | 'gru' | 'rnn_tanh' | 'rnn_relu';
  V: number; E: number; H: number; L: number; B: number; T: number; ignore_index: number;
  x: number[]; y: number[]; h0: number[]; c0: number[] | null;
  params: Record<string, { shape: number[]; data: number[] }>;
  loss: number; logits: number[]; hT: number[]; cT: number[] | null;
  grads: Record<string, number[]>;
}

const dir = fileURLToPath(new URL('../../../test/fixtures/', import.meta.url));
const cases = ['lstm', 'gru', 'rnn_tanh', 'rnn_relu', 'lstm_onehot', 'gru_1layer'];
const TOL = 1e-5;

export function runFixture(be: Backend, f: Fixture): void {
  const cell = f.cell === 'lstm' || f.cell === 'gru' ? f.cell : 'rnn';
  const model = new LanguageModel(be, {
    vocabSize: f.V, cell, activation: f.cell === 'rnn_relu' ? 'relu' : 'tanh', layers: f.L, hidden: f.H,
    embed: f.E, dropout: 0, tieWeights: false, init: 'pytorch',
  });
  const sd = model.stateDict();
  assert.deepEqual([...sd.keys()], Object.keys(f.params), 'state_dict names and order');
  for (const [name, t] of sd) {
    assert.deepEqual(t.shape, f.params[name].shape, `${name} shape`);
    t.data.set(f.params[name].data);
  }
  const { B, T, H, L, V } = f;
  const state = model.newState(B);
  for (let l = 0; l < L; l++) {
    state.h[l].data.set(f.h0.slice(l * B * H, (l + 1) * B * H));
    if (state.c) state.c[l].data.set(f.c0!.slice(l * B * H, (l + 1) * B * H));
  }
  model.zeroGrad();
  const r = model.forward(Int32Array.from(f.x), Int32Array.from(f.y), B, T, state, true, null, f.ignore_index);
  const loss = r.nll / r.count;
  assert.ok(Math.abs(loss - f.loss) <= TOL * Math.abs(f.loss), `${be.name} ${f.name}: loss ${loss} vs PyTorch ${f.loss}`);
  const dState = model.newState(B);
  model.backward(dState);
  for (const [name, want] of Object.entries(f.grads)) {
    if (name === 'h0' || name === 'c0') continue;
    const p = model.params().find((q) => q.name === name);
    assert.ok(p, `no parameter ${name}`);
    assertClose(`${be.name} ${f.name} grad ${name}`, p.grad.data, want, TOL);
  }
  const dh0 = dState.h.flatMap((t) => Array.from(t.data));
  assertClose(`${be.name} ${f.name} grad h0`, dh0, f.grads.h0, TOL);
  if (f.grads.c0) assertClose(`${be.name} ${f.name} grad c0`, dState.c!.flatMap((t) => Array.from(t.data)), f.grads.c0, TOL);
  model.commitState(state);
  assertClose(`${be.name} ${f.name} h_T`, state.h.flatMap((t) => Array.from(t.data)), f.hT, TOL);
  if (f.cT) assertClose(`${be.name} ${f.name} c_T`, state.c!.flatMap((t) => Array.from(t.data)), f.cT, TOL);
  // logits are overwritten by the fused gradient in training; an inference pass gives them
  const st2 = model.newState(B);
  for (let l = 0; l < L; l++) {
    st2.h[l].data.set(f.h0.slice(l * B * H, (l + 1) * B * H));
    if (st2.c) st2.c[l].data.set(f.c0!.slice(l * B * H, (l + 1) * B * H));
  }
  model.forward(Int32Array.from(f.x), null, B, T, st2, false, null);
  const tm = model.logitsTensor().data;
  const logits = new Float64Array(B * T * V);
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) for (let v = 0; v < V; v++) logits[(b * T + t) * V + v] = tm[(t * B + b) * V + v];
  assertClose(`${be.name} ${f.name} logits`, logits, f.logits, TOL);
}

for (const { name, make } of [{ name: 'js', make: async () => new JsBackend('float32') as Backend }, ...testBackends()]) {
  for (const c of cases) {
    test(`${name}: language model matches PyTorch (${c})`, async () => {
      const f = JSON.parse(readFileSync(dir + `lm_${c}.json`, 'utf8')) as Fixture;
      runFixture(await make(), f);
    });
  }
}
