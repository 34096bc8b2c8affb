/**
 * reluForward / reluBackward: ops that exist only as reference kernels, so on wasm and native
 * they run through the default fallback (the js kernel on the tensors' typed-array views).
 * Every backend must match the reference exactly (it is the same code on the same float32
 * numbers), in place too, touch only [0, n), and on wasm read the heap's view afresh after the
 * memory grew. Plus a float64 finite-difference gradient check, as in test/nn/gradcheck.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from '../../src/backend/backend.js';
import { JsBackend } from '../../src/backend/js/index.js';
import { createWasmBackend } from '../../src/backend/wasm/index.js';
import { Rng } from '../../src/util/rng.js';
import type { Tensor } from '../../src/tensor.js';
import { gradCheck } from '../helpers.js';
import { testBackends } from '../backends.js';

const ref = new JsBackend('float32');
const rng = new Rng(31337);

/** Normal numbers with exact zeros, ±0 and a NaN mixed in (relu(NaN) stays NaN). */
function inputs(n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => (i % 7 === 3 ? 0 : i % 11 === 5 ? -0 : i === 9 ? NaN : rng.normal()));
}
function put(be: Backend, data: Float32Array): Tensor {
  const t = be.alloc([data.length]);
  t.data.set(data);
  return t;
}
const values = (t: Tensor) => Array.from(t.data);

for (const b of testBackends()) {
  test(`${b.name}: reluForward / reluBackward through the reference fallback equal the reference`, async () => {
    const be = await b.make();
    for (const n of [1, 3, 16, 17, 1000]) {
      const pad = 5; // elements past n that must stay as they are
      const x = inputs(n + pad), dy = inputs(n + pad), y0 = inputs(n + pad);
      const outs = [ref, be].map((k) => {
        const X = put(k, x), Y = put(k, y0), dY = put(k, dy), dX = put(k, y0);
        k.reluForward(Y, X, n);
        k.reluBackward(dX, dY, Y, n);
        const inPlace = put(k, x); // y = x
        k.reluForward(inPlace, inPlace, n);
        const dInPlace = put(k, dy); // dx = dy
        k.reluBackward(dInPlace, dInPlace, Y, n);
        return [Y, dX, inPlace, dInPlace].map(values);
      });
      assert.deepEqual(outs[1], outs[0], `${b.name} n = ${n}`);
      // the tails past n are untouched (y0 for Y and dX, x and dy for the in-place ones)
      assert.deepEqual(outs[1][0].slice(n), Array.from(y0.subarray(n)));
      assert.deepEqual(outs[1][2].slice(n), Array.from(x.subarray(n)));
    }
  });
}

test('wasm: the fallback reads the heap views afresh after the memory grew', async () => {
  for (const relaxed of [true, false]) {
    const be = await createWasmBackend({ relaxed });
    const x = put(be, Float32Array.from([-1, 2, -3, 4]));
    const y = be.alloc([4]);
    const before = be.memoryBytes;
    const big = be.alloc([before / 2]); // grows the memory: every old view is detached
    assert.ok(be.memoryBytes > before);
    be.reluForward(y, x, 4);
    assert.deepEqual(values(y), [0, 2, 0, 4]);
    be.reluBackward(x, y, y, 4); // dx = dy in place, gated by y
    assert.deepEqual(values(x), [0, 2, 0, 4]);
    be.free(big);
  }
});

test('gradcheck: reluForward / reluBackward (float64, x away from 0, in place too)', () => {
  const be = new JsBackend('float64');
  const n = 40;
  const x = be.alloc([n]), W = be.alloc([n]);
  for (let i = 0; i < n; i++) {
    const m = rng.uniform(0.1, 2); // |x| ≥ 0.1: the finite difference never straddles the kink
    x.data[i] = i % 2 ? m : -m;
    W.data[i] = rng.uniform(-1, 1);
  }
  const y = be.alloc([n]);
  // L = Σ W ⊙ relu(x)
  const loss = () => {
    be.reluForward(y, x, n);
    let s = 0;
    for (let i = 0; i < n; i++) s += W.data[i] * y.data[i];
    return s;
  };
  loss();
  const dx = be.alloc([n]);
  be.reluBackward(dx, W, y, n);
  gradCheck('relu dx', loss, x.data, dx.data, n);
  // in place: dy overwritten by dx gives the same gradient
  const inPlace = be.alloc([n]);
  inPlace.data.set(W.data);
  be.reluBackward(inPlace, inPlace, y, n);
  assert.deepEqual(Array.from(inPlace.data), Array.from(dx.data));
});
