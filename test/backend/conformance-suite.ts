/**
 * Every backend against the reference (JsBackend, float32) on random shapes — sizes of 1,
 * odd sizes and sizes that are not multiples of any register tile — forward and backward.
 * A backend's test file calls conformanceSuite(name, factory) once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend, CellKind } from '../../src/backend/backend.js';
import { cacheWidth, gates } from '../../src/backend/backend.js';
import { JsBackend } from '../../src/backend/js/index.js';
import { Rng } from '../../src/util/rng.js';
import type { IntTensor, Tensor } from '../../src/tensor.js';

const REL = 2e-5; // float32 with a different summation order and approximate tanh/exp

export function conformanceSuite(name: string, make: () => Promise<Backend>): void {
  const ref = new JsBackend('float32');
  const rng = new Rng(1234);
  const randn = (n: number, s = 1) => Float32Array.from({ length: n }, () => rng.normal() * s);
  let backend: Backend | undefined;
  const get = async () => (backend ??= await make());

  /** The same numbers in both backends. */
  function pair(be: Backend, shape: number[], init: Float32Array | null): [Tensor, Tensor] {
    const a = ref.alloc(shape);
    const b = be.alloc(shape);
    if (init) {
      a.data.set(init);
      b.data.set(init);
    }
    return [a, b];
  }
  function ipair(be: Backend, vals: number[]): [IntTensor, IntTensor] {
    const a = ref.allocInt(vals.length);
    const b = be.allocInt(vals.length);
    a.data.set(vals);
    b.data.set(vals);
    return [a, b];
  }
  function close(what: string, want: Tensor | Float32Array, got: Tensor | Float32Array, rel = REL): void {
    const w = 'data' in want && !(want instanceof Float32Array) ? want.data : (want as Float32Array);
    const g = 'data' in got && !(got instanceof Float32Array) ? got.data : (got as Float32Array);
    assert.equal(g.length, w.length, `${what}: length`);
    let scale = 1e-6;
    for (let i = 0; i < w.length; i++) scale = Math.max(scale, Math.abs(w[i]));
    for (let i = 0; i < w.length; i++) {
      const d = Math.abs(w[i] - g[i]);
      if (!(d <= rel * scale + 1e-7)) {
        assert.fail(`${name} ${what}: element ${i} is ${g[i]}, reference ${w[i]} (|Δ| ${d.toExponential(2)}, scale ${scale.toExponential(2)})`);
      }
    }
  }

  const sizes = [1, 2, 3, 5, 7, 16, 17, 31, 48, 63, 97, 130];
  const pick = () => sizes[rng.int(sizes.length)];

  test(`${name}: gemm, every layout, alpha/beta and offsets`, async () => {
    const be = await get();
    for (let trial = 0; trial < 60; trial++) {
      const M = pick(), N = pick(), K = pick();
      const tA = rng.next() < 0.5, tB = rng.next() < 0.5;
      const alpha = [1, 0.5, -2][trial % 3], beta = [0, 1, 0.25][(trial >> 1) % 3];
      const off = trial % 4 === 0 ? 3 : 0;
      const [a1, a2] = pair(be, [off + M * K], randn(off + M * K));
      const [b1, b2] = pair(be, [off + K * N], randn(off + K * N));
      const [c1, c2] = pair(be, [off + M * N], randn(off + M * N));
      ref.gemm(tA, tB, M, N, K, alpha, a1, off, b1, off, beta, c1, off);
      be.gemm(tA, tB, M, N, K, alpha, a2, off, b2, off, beta, c2, off);
      close(`gemm ${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} ${M}x${N}x${K} α=${alpha} β=${beta}`, c1, c2);
    }
  });

  test(`${name}: gemm with beta = 0 ignores NaN in C`, async () => {
    const be = await get();
    const [, a] = pair(be, [6], randn(6));
    const [, b] = pair(be, [6], randn(6));
    const c = be.alloc([4]);
    c.data.fill(NaN);
    be.gemm(false, false, 2, 2, 3, 1, a, 0, b, 0, 0, c, 0);
    for (const v of c.data) assert.ok(Number.isFinite(v));
  });

  test(`${name}: bias, row sums, embeddings, one-hot`, async () => {
    const be = await get();
    for (const [rows, cols, V] of [[1, 1, 1], [7, 13, 5], [33, 65, 83]]) {
      const [y1, y2] = pair(be, [rows * cols], randn(rows * cols));
      const [b1, b2] = pair(be, [cols], randn(cols));
      ref.addBias(y1, b1, rows, cols);
      be.addBias(y2, b2, rows, cols);
      close('addBias', y1, y2);
      ref.sumRows(b1, y1, rows, cols);
      be.sumRows(b2, y2, rows, cols);
      close('sumRows', b1, b2);
      const ids = Array.from({ length: rows }, (_, i) => (i === 1 ? -1 : rng.int(V)));
      const [i1, i2] = ipair(be, ids);
      const [w1, w2] = pair(be, [V * cols], randn(V * cols));
      const [o1, o2] = pair(be, [rows * cols], null);
      ref.embeddingForward(o1, i1, w1, rows, cols);
      be.embeddingForward(o2, i2, w2, rows, cols);
      close('embeddingForward', o1, o2);
      ref.embeddingBackward(w1, i1, y1, rows, cols);
      be.embeddingBackward(w2, i2, y2, rows, cols);
      close('embeddingBackward', w1, w2);
      ref.onehotForward(o1, i1, w1, rows, cols, V);
      be.onehotForward(o2, i2, w2, rows, cols, V);
      close('onehotForward', o1, o2);
      ref.onehotBackward(w1, i1, y1, rows, cols, V);
      be.onehotBackward(w2, i2, y2, rows, cols, V);
      close('onehotBackward', w1, w2);
    }
  });

  for (const cell of ['lstm', 'gru', 'rnn_tanh', 'rnn_relu'] as CellKind[]) {
    test(`${name}: ${cell} layer forward and backward through time`, async () => {
      const be = await get();
      for (const [T, B, H] of [[1, 1, 1], [3, 2, 5], [7, 3, 17], [5, 4, 33], [2, 1, 64]]) {
        const G = gates(cell) * H, W = cacheWidth(cell, H), lstm = cell === 'lstm';
        const [xw1, xw2] = pair(be, [T * B * G], randn(T * B * G));
        const [whh1, whh2] = pair(be, [G * H], randn(G * H, 1 / Math.sqrt(H)));
        const [bhh1, bhh2] = pair(be, [G], randn(G, 0.1));
        const [h01, h02] = pair(be, [B * H], randn(B * H, 0.5));
        const [c01, c02] = lstm ? pair(be, [B * H], randn(B * H, 0.5)) : [null, null];
        const [hs1, hs2] = pair(be, [T * B * H], null);
        const [ca1, ca2] = pair(be, [Math.max(1, T * B * W)], null);
        const [cT1, cT2] = lstm ? pair(be, [B * H], null) : [null, null];
        ref.recurrentForward({ cell, T, B, H, xw: xw1, whh: whh1, bhh: bhh1, h0: h01, c0: c01, hs: hs1, cache: ca1, cT: cT1 });
        be.recurrentForward({ cell, T, B, H, xw: xw2, whh: whh2, bhh: bhh2, h0: h02, c0: c02, hs: hs2, cache: ca2, cT: cT2 });
        close(`${cell} hs T${T} B${B} H${H}`, hs1, hs2, 1e-4);
        if (cT1 && cT2) close(`${cell} cT`, cT1, cT2, 1e-4);
        // inference path (no cache) must give the same outputs
        const hs3 = be.alloc([T * B * H]);
        const cT3 = lstm ? be.alloc([B * H]) : null;
        be.recurrentForward({ cell, T, B, H, xw: xw2, whh: whh2, bhh: bhh2, h0: h02, c0: c02, hs: hs3, cache: null, cT: cT3 });
        close(`${cell} hs without cache`, hs1, hs3, 1e-4);
        const dhsInit = randn(T * B * H);
        const [dhs1, dhs2] = pair(be, [T * B * H], dhsInit);
        const [dxw1, dxw2] = pair(be, [T * B * G], null);
        const [dhw1, dhw2] = pair(be, [T * B * G], null);
        const [dw1, dw2] = pair(be, [G * H], randn(G * H, 0.01));
        const [db1, db2] = pair(be, [G], randn(G, 0.01));
        const [dh01, dh02] = pair(be, [B * H], null);
        const [dc01, dc02] = lstm ? pair(be, [B * H], null) : [null, null];
        ref.recurrentBackward({ cell, T, B, H, whh: whh1, h0: h01, c0: c01, hs: hs1, cache: ca1, dhs: dhs1, dxw: dxw1, dhw: dhw1, dwhh: dw1, dbhh: db1, dh0: dh01, dc0: dc01 });
        be.recurrentBackward({ cell, T, B, H, whh: whh2, h0: h02, c0: c02, hs: hs2, cache: ca2, dhs: dhs2, dxw: dxw2, dhw: dhw2, dwhh: dw2, dbhh: db2, dh0: dh02, dc0: dc02 });
        close(`${cell} dxw T${T} B${B} H${H}`, dxw1, dxw2, 2e-4);
        close(`${cell} dW_hh`, dw1, dw2, 2e-4);
        close(`${cell} db_hh`, db1, db2, 2e-4);
        close(`${cell} dh0`, dh01, dh02, 2e-4);
        if (dc01 && dc02) close(`${cell} dc0`, dc01, dc02, 2e-4);
      }
    });
  }

  test(`${name}: cross-entropy (ignore index, in-place gradient)`, async () => {
    const be = await get();
    for (const [n, V] of [[1, 1], [5, 3], [17, 83], [9, 1001]]) {
      const targets = Array.from({ length: n }, (_, i) => (i % 4 === 3 ? 0 : rng.int(V)));
      const [t1, t2] = ipair(be, targets);
      const init = randn(n * V, 3);
      const [l1, l2] = pair(be, [n * V], init);
      const [d1, d2] = pair(be, [n * V], null);
      const r1 = ref.crossEntropy(l1, t1, n, V, 0, d1, 0.5);
      const r2 = be.crossEntropy(l2, t2, n, V, 0, d2, 0.5);
      assert.equal(r2.count, r1.count);
      assert.ok(Math.abs(r1.loss - r2.loss) <= 1e-5 * Math.max(1, Math.abs(r1.loss)), `${name} CE loss ${r2.loss} vs ${r1.loss}`);
      close('CE gradient', d1, d2);
      const r3 = be.crossEntropy(l2, t2, n, V, 0, l2, 0.5); // in place
      assert.ok(Math.abs(r3.loss - r1.loss) <= 1e-5 * Math.max(1, Math.abs(r1.loss)));
      close('CE gradient in place', d1, l2);
    }
  });

  test(`${name}: dropout masks are identical to the reference's`, async () => {
    const be = await get();
    for (const n of [1, 15, 1000]) {
      const [x1, x2] = pair(be, [n], randn(n));
      const [y1, y2] = pair(be, [n], null);
      ref.dropoutForward(y1, x1, n, 0.3, 987654321);
      be.dropoutForward(y2, x2, n, 0.3, 987654321);
      for (let i = 0; i < n; i++) assert.equal(y2.data[i] === 0, y1.data[i] === 0, `mask element ${i}`);
      close('dropout forward', y1, y2, 1e-6);
      be.dropoutBackward(x2, y2, n, 0.3, 987654321); // in place allowed
      ref.dropoutBackward(x1, y1, n, 0.3, 987654321);
      close('dropout backward', x1, x2, 1e-6);
    }
  });

  test(`${name}: elementwise ops, sum of squares, Adam, SGD`, async () => {
    const be = await get();
    for (const n of [1, 7, 1031]) {
      const [a1, a2] = pair(be, [n + 4], randn(n + 4));
      const [b1, b2] = pair(be, [n + 4], randn(n + 4));
      ref.scale(a1, 1.7, n);
      be.scale(a2, 1.7, n);
      close('scale', a1, a2);
      ref.copy(a1, 2, b1, 1, n);
      be.copy(a2, 2, b2, 1, n);
      close('copy', a1, a2);
      ref.fill(b1, 0.25, 1, n);
      be.fill(b2, 0.25, 1, n);
      close('fill', b1, b2);
      const s1 = ref.sumSquares(a1, n), s2 = be.sumSquares(a2, n);
      assert.ok(Math.abs(s1 - s2) <= 1e-5 * s1, `sumSquares ${s2} vs ${s1}`);
      const [p1, p2] = pair(be, [n], randn(n));
      const [m1, m2] = pair(be, [n], null);
      const [v1, v2] = pair(be, [n], null);
      for (let step = 1; step <= 3; step++) {
        const gi = randn(n);
        const [g1, g2] = pair(be, [n], gi);
        const args = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, step, weightDecay: step === 2 ? 0.01 : 0 };
        ref.adam(p1, g1, m1, v1, n, args);
        be.adam(p2, g2, m2, v2, n, args);
        close(`adam step ${step}`, p1, p2, 1e-5);
        close(`adam m ${step}`, m1, m2, 1e-5);
        close(`adam v ${step}`, v1, v2, 1e-5);
        const [buf1, buf2] = pair(be, [n], null);
        ref.sgd(p1, g1, buf1, n, 0.1, 0.9, 0.001);
        be.sgd(p2, g2, buf2, n, 0.1, 0.9, 0.001);
        close(`sgd step ${step}`, p1, p2, 1e-5);
      }
    }
  });
}
