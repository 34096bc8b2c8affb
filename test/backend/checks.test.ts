/**
 * The op table's validator (src/backend/checks.ts) on every backend: an out-of-range or
 * malformed call throws the same one-line error on js, wasm and native, before any kernel
 * runs, and leaves every tensor — the target and its neighbours in the same memory — as it
 * was. Also: the table and the Backend interface agree, no backend bypasses the check, which
 * ops run through the reference fallback, and the T = 0 edge of recurrentBackward.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend, RecurrentBackwardArgs, RecurrentForwardArgs } from '../../src/backend/backend.js';
import { BackendBase } from '../../src/backend/base.js';
import { OPS } from '../../src/backend/checks.js';
import { JsBackend } from '../../src/backend/js/index.js';
import { referenceKernels } from '../../src/backend/js/kernels.js';
import { WasmBackend } from '../../src/backend/wasm/index.js';
import { NativeBackend } from '../../src/backend/native/index.js';
import type { Tensor } from '../../src/tensor.js';
import { testBackends } from '../backends.js';

const backends: { name: string; make: () => Promise<Backend> }[] = [
  { name: 'js', make: async () => new JsBackend('float32') },
  ...testBackends(),
];

/** A tensor of `n` elements holding 1, 2, 3, … (so any write shows). */
function filled(be: Backend, n: number, base = 0): Tensor {
  const t = be.alloc([n]);
  for (let i = 0; i < n; i++) t.data[i] = base + i + 1;
  return t;
}

/**
 * Runs `call` against tensors allocated between two guard tensors in the backend's memory,
 * expects `error` (class and exact message) and checks that no tensor changed.
 */
function expectRefused(be: Backend, what: string, error: { name: string; message: string }, call: (t: (n: number) => Tensor) => void): void {
  const made: { t: Tensor; copy: number[] }[] = [];
  const tensor = (n: number) => {
    const guardBefore = filled(be, 16, 1000);
    const t = filled(be, n, 100 * made.length);
    const guardAfter = filled(be, 16, 2000);
    for (const g of [guardBefore, t, guardAfter]) made.push({ t: g, copy: Array.from(g.data) });
    return t;
  };
  assert.throws(() => call(tensor), (e: unknown) => {
    assert.ok(e instanceof Error, `${be.name} ${what}: threw ${String(e)}`);
    assert.equal(e.constructor.name, error.name, `${be.name} ${what}: ${e.message}`);
    assert.equal(e.message, error.message, `${be.name} ${what}`);
    return true;
  });
  for (const { t, copy } of made) assert.deepEqual(Array.from(t.data), copy, `${be.name} ${what}: memory changed`);
}

type Case = [what: string, error: { name: string; message: string }, call: (be: Backend, t: (n: number) => Tensor) => void];
const range = (message: string) => ({ name: 'RangeError', message });
const type = (message: string) => ({ name: 'TypeError', message });

function recurrentForwardArgs(be: Backend, t: (n: number) => Tensor, over: Partial<RecurrentForwardArgs> = {}): RecurrentForwardArgs {
  const [T, B, H, G] = [3, 2, 4, 16];
  return { cell: 'lstm', T, B, H, xw: t(T * B * G), whh: t(G * H), bhh: t(G), h0: t(B * H), c0: t(B * H), hs: t(T * B * H), cache: t(T * B * 5 * H), cT: t(B * H), ...over };
}
function recurrentBackwardArgs(be: Backend, t: (n: number) => Tensor, over: Partial<RecurrentBackwardArgs> = {}): RecurrentBackwardArgs {
  const [T, B, H, G] = [3, 2, 4, 12];
  return {
    cell: 'gru', T, B, H, whh: t(G * H), h0: t(B * H), c0: null, hs: t(T * B * H), cache: t(T * B * 4 * H), dhs: t(T * B * H),
    dxw: t(T * B * G), dwhh: t(G * H), dbhh: t(G), dhw: t(T * B * G), dh0: t(B * H), dc0: null, ...over,
  };
}

const cases: Case[] = [
  ['fill past the end (the review\'s call)', range('fill: t needs elements [0, 20) of a tensor of 4'), (be, t) => be.fill(t(4), 1, 0, 20)],
  ['fill from an offset past the end', range('fill: t needs elements [3, 5) of a tensor of 4'), (be, t) => be.fill(t(4), 1, 3, 2)],
  ['fill with a negative offset', range('fill: off must be a non-negative integer, got -1'), (be, t) => be.fill(t(4), 0, -1, 2)],
  ['fill with a fractional count', range('fill: n must be a non-negative integer, got 1.5'), (be, t) => be.fill(t(4), 0, 0, 1.5)],
  ['fill with a missing value', type('fill: value must be a number, got undefined'), (be, t) => be.fill(t(4), undefined as unknown as number, 0, 2)],
  ['copy into too small a destination', range('copy: dst needs elements [10, 13) of a tensor of 12'), (be, t) => be.copy(t(12), 10, t(12), 0, 3)],
  ['copy from too small a source', range('copy: src needs elements [2, 9) of a tensor of 8'), (be, t) => be.copy(t(12), 0, t(8), 2, 7)],
  ['scale over the end', range('scale: t needs elements [0, 12) of a tensor of 9'), (be, t) => be.scale(t(9), 2, 12)],
  ['gemm with A too small for its offset', range('gemm: A needs elements [1, 13) of a tensor of 12'),
    (be, t) => be.gemm(false, false, 3, 3, 4, 1, t(12), 1, t(12), 0, 0, t(9), 0)],
  ['gemm with C too small', range('gemm: C needs elements [0, 12) of a tensor of 9'),
    (be, t) => be.gemm(false, false, 3, 4, 4, 1, t(12), 0, t(16), 0, 0, t(9), 0)],
  ['gemm with Bᵀ too small', range('gemm: B needs elements [0, 20) of a tensor of 16'),
    (be, t) => be.gemm(false, true, 3, 5, 4, 1, t(12), 0, t(16), 0, 1, t(15), 0)],
  ['gemm with a leading dimension past C', range('gemm: C needs elements [2, 14) of a tensor of 12'),
    // rows of C start 5 apart: the last row ends at 2 + 2·5 + 2
    (be, t) => be.gemm(false, false, 3, 2, 2, 1, t(6), 0, t(4), 0, 0, t(12), 2, 2, 2, 5)],
  ['gemm with lda past Aᵀ', range('gemm: A needs elements [0, 30) of a tensor of 24'),
    (be, t) => be.gemm(true, false, 3, 2, 4, 1, t(24), 0, t(8), 0, 0, t(6), 0, 9)],
  ['gemm with lda below the row width', range('gemm: lda must be at least 4 (the row width of A as stored), got 3'),
    (be, t) => be.gemm(false, false, 3, 2, 4, 1, t(12), 0, t(8), 0, 0, t(6), 0, 3)],
  ['gemm with ldc below N', range('gemm: ldc must be at least 2 (N), got 1'),
    (be, t) => be.gemm(false, false, 3, 2, 4, 1, t(12), 0, t(8), 0, 0, t(6), 0, undefined, undefined, 1)],
  ['gemm with a non-boolean transpose', type('gemm: transA must be a boolean, got 1'),
    (be, t) => be.gemm(1 as unknown as boolean, false, 1, 1, 1, 1, t(1), 0, t(1), 0, 0, t(1), 0)],
  ['addBias with b too short', range('addBias: b needs elements [0, 5) of a tensor of 4'), (be, t) => be.addBias(t(15), t(4), 3, 5)],
  ['sumRows with dY too short', range('sumRows: dY needs elements [0, 15) of a tensor of 14'), (be, t) => be.sumRows(t(5), t(14), 3, 5)],
  ['recurrentForward with hs too small', range('recurrentForward: a.hs needs elements [0, 24) of a tensor of 23'),
    (be, t) => be.recurrentForward(recurrentForwardArgs(be, t, { hs: t(23) }))],
  ['recurrentForward with a short optional cache', range('recurrentForward: a.cache needs elements [0, 120) of a tensor of 100'),
    (be, t) => be.recurrentForward(recurrentForwardArgs(be, t, { cache: t(100) }))],
  ['recurrentForward without h0', type('recurrentForward: a.h0 is required, got null'),
    (be, t) => be.recurrentForward(recurrentForwardArgs(be, t, { h0: null as unknown as Tensor }))],
  ['recurrentForward with an unknown cell', type('recurrentForward: a.cell must be one of lstm, gru, rnn_tanh, rnn_relu, got "elman"'),
    (be, t) => be.recurrentForward(recurrentForwardArgs(be, t, { cell: 'elman' as 'lstm' }))],
  ['recurrentForward without its arguments', type('recurrentForward: a must be an object, got undefined'),
    (be) => be.recurrentForward(undefined as unknown as RecurrentForwardArgs)],
  ['recurrentBackward with dxw too small', range('recurrentBackward: a.dxw needs elements [0, 72) of a tensor of 71'),
    (be, t) => be.recurrentBackward(recurrentBackwardArgs(be, t, { dxw: t(71) }))],
  ['recurrentBackward with GRU scratch dhw too small', range('recurrentBackward: a.dhw needs elements [0, 72) of a tensor of 24'),
    (be, t) => be.recurrentBackward(recurrentBackwardArgs(be, t, { dhw: t(24) }))],
  ['embeddingForward with an id past the table', range('embeddingForward: ids[2] = 5 is out of range (below 5, the rows of W; negative to skip)'),
    (be, t) => {
      const ids = be.allocInt(3);
      ids.data.set([0, -1, 5]);
      be.embeddingForward(t(9), ids, t(15), 3, 3);
    }],
  ['embeddingBackward with an id past the table', range('embeddingBackward: ids[0] = 7 is out of range (below 5, the rows of dW; negative to skip)'),
    (be, t) => {
      const ids = be.allocInt(2);
      ids.data.set([7, 1]);
      be.embeddingBackward(t(15), ids, t(6), 2, 3);
    }],
  ['onehotBackward with an id ≥ V', range('onehotBackward: ids[1] = 4 is out of range (below 4, V; negative to skip)'),
    (be, t) => {
      const ids = be.allocInt(2);
      ids.data.set([3, 4]);
      be.onehotBackward(t(12), ids, t(6), 2, 3, 4);
    }],
  ['embeddingForward with float ids', type('embeddingForward: ids must be an int tensor, got Tensor'),
    (be, t) => be.embeddingForward(t(9), t(3) as never, t(15), 3, 3)],
  ['crossEntropy with logits too small', range('crossEntropy: logits needs elements [0, 12) of a tensor of 10'),
    (be, t) => be.crossEntropy(t(10), be.allocInt(3), 3, 4, -100, null, 1)],
  ['crossEntropy with too few targets', range('crossEntropy: targets needs elements [0, 3) of a tensor of 2'),
    (be, t) => be.crossEntropy(t(12), be.allocInt(2), 3, 4, -100, null, 1)],
  ['dropoutForward with y too small', range('dropoutForward: y needs elements [0, 8) of a tensor of 7'),
    (be, t) => be.dropoutForward(t(7), t(8), 8, 0.5, 1)],
  ['sumSquares over the end', range('sumSquares: t needs elements [0, 5) of a tensor of 4'), (be, t) => be.sumSquares(t(4), 5)],
  ['adam with m too small', range('adam: m needs elements [0, 6) of a tensor of 5'),
    (be, t) => be.adam(t(6), t(6), t(5), t(6), 6, { lr: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-8, step: 1, weightDecay: 0 })],
  ['adam with a negative step', range('adam: a.step must be a non-negative integer, got -1'),
    (be, t) => be.adam(t(6), t(6), t(6), t(6), 6, { lr: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-8, step: -1, weightDecay: 0 })],
  ['sgd with a short momentum buffer', range('sgd: buf needs elements [0, 6) of a tensor of 3'),
    (be, t) => be.sgd(t(6), t(6), t(3), 6, 0.1, 0.9, 0)],
  ['reluForward over the end (reference fallback on wasm/native)', range('reluForward: x needs elements [0, 9) of a tensor of 8'),
    (be, t) => be.reluForward(t(9), t(8), 9)],
  ['reluBackward with y too small', range('reluBackward: y needs elements [0, 6) of a tensor of 5'),
    (be, t) => be.reluBackward(t(6), t(6), t(5), 6)],
];

for (const b of backends) {
  test(`${b.name}: every bad call throws the table's error and changes no memory`, async () => {
    const be = await b.make();
    for (const [what, error, call] of cases) expectRefused(be, what, error, (t) => call(be, t));
  });
}

test('every backend refuses a tensor allocated by another (wasm) or of another dtype (native)', async () => {
  const js64 = new JsBackend('float64');
  for (const b of backends.filter((x) => x.name !== 'js')) {
    const be = await b.make();
    const foreign = b.name.startsWith('wasm') ? (await b.make()).alloc([4]) : js64.alloc([4]);
    const mine = be.alloc([4]);
    assert.throws(() => be.copy(mine, 0, foreign, 0, 4), b.name.startsWith('wasm') ? /not allocated by this backend/ : /copy: src must be a float32 tensor/);
  }
});

test('the table names exactly the Backend ops, in the order of their parameters', () => {
  for (const op of OPS) {
    const reference = referenceKernels[op.name] as (...args: unknown[]) => unknown;
    assert.equal(typeof reference, 'function', `${op.name} has a reference kernel`);
    assert.equal(op.params, reference.length, `${op.name}: the table has ${op.params} parameters, the reference kernel ${reference.length}`);
  }
  assert.deepEqual(Object.keys(referenceKernels).sort(), OPS.map((op) => op.name).sort());
});

test('no backend defines an op method of its own (it would skip the check)', () => {
  for (const cls of [JsBackend, WasmBackend, NativeBackend]) {
    for (let proto = cls.prototype; proto !== BackendBase.prototype; proto = Object.getPrototypeOf(proto)) {
      for (const op of OPS) assert.ok(!Object.hasOwn(proto, op.name), `${cls.name} defines ${op.name}`);
    }
  }
});

/** The ops without a kernel of their own (the classifier layers' small ops), which run the reference kernel through the fallback. */
const POOLING = ['maxPoolTimeForward', 'maxPoolTimeBackward', 'meanPoolTimeForward', 'meanPoolTimeBackward', 'copyRows'];
const REFERENCE_ONLY: Record<string, string[]> = {
  js: [],
  wasm: [...POOLING, 'batchNormForward', 'batchNormBackward', 'reluForward', 'reluBackward'],
  native: POOLING,
};

test('the classifier layers\' small ops are the only ones run through the reference fallback (native has ReLU and BatchNorm kernels)', async () => {
  for (const b of backends) {
    const be = await b.make();
    assert.ok(be instanceof BackendBase);
    assert.deepEqual([...be.referenceOps].sort(), [...REFERENCE_ONLY[be.name]].sort(), b.name);
  }
});

test('recurrentBackward with T = 0 adds nothing and zeroes dh0/dc0, on every backend', async () => {
  for (const b of backends) {
    const be = await b.make();
    for (const cell of ['lstm', 'gru', 'rnn_tanh'] as const) {
      const [B, H] = [2, 5];
      const G = (cell === 'lstm' ? 4 : cell === 'gru' ? 3 : 1) * H;
      const empty = be.alloc([0]);
      const dwhh = filled(be, G * H), dbhh = filled(be, G), dh0 = filled(be, B * H), dc0 = cell === 'lstm' ? filled(be, B * H) : null;
      const before = [Array.from(dwhh.data), Array.from(dbhh.data)];
      be.recurrentBackward({
        cell, T: 0, B, H, whh: filled(be, G * H), h0: filled(be, B * H), c0: null, hs: empty, cache: empty,
        dhs: empty, dxw: empty, dwhh, dbhh, dhw: empty, dh0, dc0,
      });
      assert.deepEqual([Array.from(dwhh.data), Array.from(dbhh.data)], before, `${b.name} ${cell}: dW_hh/db_hh changed`);
      assert.ok(dh0.data.every((v) => v === 0), `${b.name} ${cell}: dh0`);
      if (dc0) assert.ok(dc0.data.every((v) => v === 0), `${b.name} ${cell}: dc0`);
    }
  }
});

test('an omitted leading dimension is the packed one, also when given explicitly', async () => {
  for (const b of backends) {
    const be = await b.make();
    const A = filled(be, 6), B = filled(be, 6), C1 = be.alloc([4]), C2 = be.alloc([4]);
    be.gemm(true, true, 2, 2, 3, 1, A, 0, B, 0, 0, C1, 0);
    be.gemm(true, true, 2, 2, 3, 1, A, 0, B, 0, 0, C2, 0, 2, 3, 2);
    assert.deepEqual(Array.from(C2.data), Array.from(C1.data), b.name);
  }
});
