/**
 * batchNormForward / batchNormBackward on every backend against the reference kernel, over
 * awkward shapes: rows of length 0 and of the whole window, one real position in the whole
 * batch (no variance estimate: the running variance must stay finite and unchanged), channel
 * counts that are not a multiple of the SIMD width, train and eval mode.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from '../../src/backend/backend.js';
import { JsBackend } from '../../src/backend/js/index.js';
import type { Tensor } from '../../src/tensor.js';
import { Rng } from '../../src/util/rng.js';
import { testBackends } from '../backends.js';

const ref = new JsBackend('float32');

interface Shape { T: number; B: number; F: number; lengths: number[] }
const SHAPES: Shape[] = [
  { T: 1, B: 1, F: 1, lengths: [1] },       // n = 1: no variance estimate
  { T: 5, B: 3, F: 3, lengths: [1, 0, 0] }, // n = 1 with empty rows
  { T: 4, B: 3, F: 17, lengths: [4, 0, 2] },
  { T: 7, B: 5, F: 64, lengths: [7, 1, 3, 7, 5] },
  { T: 3, B: 2, F: 33, lengths: [3, 3] },
];

function put(be: Backend, data: Float32Array): Tensor {
  const t = be.alloc([data.length]);
  t.data.set(data);
  return t;
}

/** Every output of one forward and backward pass (the running statistics after it included). */
function run(be: Backend, s: Shape, train: boolean, seed: number): number[][] {
  const rng = new Rng(seed);
  const randn = (n: number, scale = 1, shift = 0) => Float32Array.from({ length: n }, () => shift + scale * rng.normal());
  const { T, B, F } = s, N = T * B * F;
  const lengths = be.allocInt(B);
  lengths.data.set(s.lengths);
  const x = put(be, randn(N, 2, 0.5)), dy = put(be, randn(N)), gamma = put(be, randn(F, 0.5, 1)), beta = put(be, randn(F, 0.1));
  const runMean = put(be, randn(F, 0.1)), runVar = put(be, randn(F, 0.1, 1).map(Math.abs));
  const y = be.alloc([N]), mean = be.alloc([F]), invStd = be.alloc([F]), dx = put(be, randn(N));
  const dGamma = put(be, randn(F)), dBeta = put(be, randn(F));
  be.batchNormForward(y, x, T, B, F, lengths, gamma, beta, runMean, runVar, mean, invStd, train, 0.1, 1e-5);
  be.batchNormBackward(dx, dy, x, T, B, F, lengths, gamma, mean, invStd, dGamma, dBeta, train);
  return [y, mean, invStd, runMean, runVar, dx, dGamma, dBeta].map((t) => Array.from(t.data));
}

function close(what: string, got: number[], want: number[]): void {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) {
    assert.ok(Number.isFinite(got[i]), `${what}[${i}] is ${got[i]}`);
    assert.ok(Math.abs(got[i] - want[i]) <= 1e-5 * Math.max(1, Math.abs(want[i])), `${what}[${i}]: ${got[i]} vs ${want[i]}`);
  }
}

const NAMES = ['y', 'mean', 'invStd', 'runMean', 'runVar', 'dx', 'dGamma', 'dBeta'];

test('reference: one real position keeps the running variance and gives y = beta, dx = 0', () => {
  const T = 3, B = 2, F = 2, lengths = ref.allocInt(B);
  lengths.data.set([0, 1]);
  const x = put(ref, Float32Array.from({ length: T * B * F }, (_, i) => i - 3)), gamma = put(ref, Float32Array.from([2, 3]));
  const beta = put(ref, Float32Array.from([0.5, -1])), runMean = put(ref, Float32Array.from([0, 1])), runVar = put(ref, Float32Array.from([1, 2]));
  const y = ref.alloc([T * B * F]), mean = ref.alloc([F]), invStd = ref.alloc([F]), dx = ref.alloc([T * B * F]);
  ref.batchNormForward(y, x, T, B, F, lengths, gamma, beta, runMean, runVar, mean, invStd, true, 0.1, 1e-5);
  assert.deepEqual(Array.from(runVar.data), [1, 2], 'the running variance stays');
  // the one real position is row 1 at t = 0: x = [-1, 0]
  assert.deepEqual(Array.from(runMean.data), [Math.fround(0.9 * 0 + 0.1 * -1), Math.fround(0.9 * 1 + 0.1 * 0)], 'the running mean moves');
  assert.deepEqual(Array.from(y.data.subarray(2, 4)), [0.5, -1], 'y = beta');
  ref.batchNormBackward(dx, put(ref, new Float32Array(T * B * F).fill(1)), x, T, B, F, lengths, gamma, mean, invStd, ref.alloc([F]), ref.alloc([F]), true);
  assert.ok(dx.data.every((v) => v === 0), 'dx = 0: one position normalises to 0 whatever its value');
});

for (const b of testBackends()) {
  test(`${b.name}: batchNormForward / batchNormBackward equal the reference on awkward shapes`, async () => {
    const be = await b.make();
    SHAPES.forEach((s, k) => {
      for (const train of [true, false]) {
        const want = run(ref, s, train, 100 + k), got = run(be, s, train, 100 + k);
        NAMES.forEach((name, i) => close(`${b.name} T${s.T} B${s.B} F${s.F} ${train ? 'train' : 'eval'} ${name}`, got[i], want[i]));
      }
    });
  });
}
