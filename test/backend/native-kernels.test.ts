/**
 * Native backend specifics the conformance suite does not reach:
 *  - every kernel set (AVX-512, AVX2, scalar — forced per backend with `simd`, and through
 *    RNNLAB_NATIVE_SIMD in a child process), each run through the whole conformance suite;
 *  - shapes large enough to cross the GEMM blocking (KC, MC, NC) and to go multi-threaded;
 *  - bit-identical results for 1, 2 and 3 threads (each output element has one owner);
 *  - argument checking (a bad offset must throw, not corrupt memory), foreign tensors.
 * No skip when the addon is missing: the first test fails with the reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { conformanceSuite } from './conformance-suite.js';
import { createNativeBackend, nativeAvailability, type NativeSimd } from '../../src/backend/native/index.js';
import { JsBackend } from '../../src/backend/js/index.js';
import { cacheWidth, gates, type Backend, type CellKind } from '../../src/backend/backend.js';
import { Rng } from '../../src/util/rng.js';
import type { Tensor } from '../../src/tensor.js';

const ref = new JsBackend('float32');
const rng = new Rng(4242);
const randn = (n: number, s = 1) => Float32Array.from({ length: n }, () => rng.normal() * s);

function relErr(want: ArrayLike<number>, got: ArrayLike<number>): number {
  assert.equal(got.length, want.length);
  let num = 0, den = 1e-30;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(want[i] - got[i]);
    num = Number.isNaN(d) ? Infinity : Math.max(num, d);
    den = Math.max(den, Math.abs(want[i]));
  }
  return num / den;
}
function assertSame(what: string, a: Float32Array, b: Float32Array): void {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) assert.fail(`${what}: element ${i} differs (${a[i]} vs ${b[i]})`);
  }
}
function put(be: Backend, data: Float32Array): Tensor {
  const t = be.alloc([data.length]);
  t.data.set(data);
  return t;
}

test('native addon is available (CI builds it)', () => {
  const a = nativeAvailability();
  assert.ok(a.ok, `native backend unavailable: ${a.reason}`);
  assert.ok(['avx512', 'avx2', 'scalar'].includes(a.simd ?? ''), `simd ${a.simd}`);
});

test('describe(), name, dtype, threads', async () => {
  const be = await createNativeBackend({ threads: 2 });
  assert.equal(be.name, 'native');
  assert.equal(be.dtype, 'float32');
  assert.equal(be.threads, 2);
  assert.match(be.describe(), /^native \((AVX-512|AVX2|scalar), 2 threads/);
  const one = await createNativeBackend({ threads: 1, simd: 'scalar' });
  assert.match(one.describe(), /^native \(scalar, 1 thread[;)]/);
  await assert.rejects(createNativeBackend({ threads: 0 }), RangeError);
});

test('tensors are 64-byte aligned, zeroed, and ptr is stable', async () => {
  const be = await createNativeBackend({ threads: 1 });
  for (const n of [0, 1, 17, 1000]) {
    const t = be.alloc([n]);
    assert.equal(t.ptr % 64, 0);
    assert.equal(t.data.length, n);
    assert.ok(t.data.every((v) => v === 0));
    const i = be.allocInt(n);
    assert.equal(i.ptr % 64, 0);
    assert.equal(i.data.length, n);
  }
});

test('out-of-range offsets and sizes throw instead of touching memory', async () => {
  const be = await createNativeBackend({ threads: 1 });
  const a = be.alloc([12]), b = be.alloc([12]), c = be.alloc([9]);
  assert.throws(() => be.gemm(false, false, 3, 3, 4, 1, a, 1, b, 0, 0, c, 0), RangeError);
  assert.throws(() => be.gemm(false, false, 3, 4, 4, 1, a, 0, b, 0, 0, c, 0), RangeError);
  assert.throws(() => be.copy(a, 10, b, 0, 3), RangeError);
  assert.throws(() => be.fill(a, 0, -1, 2), RangeError);
  assert.throws(() => be.scale(c, 1, 12), RangeError);
  const f64 = new JsBackend('float64').alloc([12]);
  assert.throws(() => be.scale(f64, 2, 12), TypeError);
  const ids = be.allocInt(2);
  ids.data.set([0, 7]);
  assert.throws(() => be.crossEntropy(a, ids, 2, 6, -100, null, 1), /target 7 outside the vocabulary \[0, 6\)/);
});

test('tensors of the js backend (float32) are accepted', async () => {
  const be = await createNativeBackend({ threads: 2 });
  const A = ref.alloc([6 * 5]), B = ref.alloc([5 * 7]), C1 = ref.alloc([6 * 7]), C2 = ref.alloc([6 * 7]);
  A.data.set(randn(30));
  B.data.set(randn(35));
  ref.gemm(false, false, 6, 7, 5, 1, A, 0, B, 0, 0, C1, 0);
  be.gemm(false, false, 6, 7, 5, 1, A, 0, B, 0, 0, C2, 0);
  assert.ok(relErr(C1.data, C2.data) < 1e-5);
});

test('RNNLAB_NATIVE_SIMD selects the kernel set in a fresh process', () => {
  const mod = fileURLToPath(new URL('../../src/backend/native/index.js', import.meta.url));
  const best = nativeAvailability().simd;
  for (const [env, label] of [['scalar', 'scalar'], ['avx2', 'AVX2']] as const) {
    if (env === 'avx2' && best === 'scalar') continue;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e',
      `const m = await import(${JSON.stringify(mod)}); const b = await m.createNativeBackend({ threads: 1 }); console.log(b.describe());`],
    { encoding: 'utf8', env: { ...process.env, RNNLAB_NATIVE_SIMD: env } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^native \\(${label}, 1 thread`), r.stdout);
  }
});

// Every kernel set the CPU has, through the whole conformance suite and the big-shape checks.
const simds: NativeSimd[] = ['avx512', 'avx2', 'scalar'];
const best = nativeAvailability().simd;
for (const simd of simds) {
  if (best && simds.indexOf(simd) < simds.indexOf(best as NativeSimd)) continue; // CPU lacks it
  if (simd !== best) conformanceSuite(`native-${simd}`, () => createNativeBackend({ threads: 2, simd }));

  test(`native-${simd}: GEMM across KC/MC/NC blocking, all layouts, threads 1/2/3 bit-identical`, async () => {
    const bes = await Promise.all([1, 2, 3].map((threads) => createNativeBackend({ threads, simd })));
    // M ≤ 4 takes the unpacked small-M path; the others the packed one (rows or column split)
    const shapes: [number, number, number][] = [
      [64, 2048 + 37, 300], [151, 83, 517], [75, 1, 1030], [13, 977, 96], [5, 700, 64],
      [1, 1000, 1], [1, 2100, 513], [3, 1500, 700], [4, 65, 20], [2, 33, 1],
    ];
    for (const [M, N, K] of shapes) {
      for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]]) {
        const alpha = 0.75, beta = tA ? 0.5 : 0;
        const Ad = randn(M * K + 5), Bd = randn(K * N + 5), Cd = randn(M * N + 5);
        const Cr = ref.alloc([Cd.length]);
        Cr.data.set(Cd);
        const [Ar, Br] = [ref.alloc([Ad.length]), ref.alloc([Bd.length])];
        Ar.data.set(Ad);
        Br.data.set(Bd);
        ref.gemm(tA, tB, M, N, K, alpha, Ar, 5, Br, 5, beta, Cr, 5);
        const outs = bes.map((be) => {
          const C = put(be, Cd);
          be.gemm(tA, tB, M, N, K, alpha, put(be, Ad), 5, put(be, Bd), 5, beta, C, 5);
          return C.data as Float32Array;
        });
        const what = `${simd} ${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} ${M}x${N}x${K}`;
        assert.ok(relErr(Cr.data, outs[0]) < 2e-5, `${what}: rel err ${relErr(Cr.data, outs[0])}`);
        assertSame(`${what} 2 threads`, outs[0], outs[1]);
        assertSame(`${what} 3 threads`, outs[0], outs[2]);
      }
    }
  });

  for (const cell of ['lstm', 'gru', 'rnn_tanh', 'rnn_relu'] as CellKind[]) {
    test(`native-${simd}: ${cell} multi-threaded layer matches the reference, threads 1/2/3 bit-identical`, async () => {
      const bes = await Promise.all([1, 2, 3].map((threads) => createNativeBackend({ threads, simd })));
      const [T, B, H] = cell.startsWith('rnn') ? [4, 16, 263] : [4, 16, 161];
      const G = gates(cell) * H, W = cacheWidth(cell, H), lstm = cell === 'lstm';
      const xw = randn(T * B * G), whh = randn(G * H, 1 / Math.sqrt(H)), bhh = randn(G, 0.1);
      const h0 = randn(B * H, 0.5), c0 = randn(B * H, 0.5), dhs = randn(T * B * H);
      const dw0 = randn(G * H, 0.01), db0 = randn(G, 0.01);
      const run = (be: Backend) => {
        const t = (d: Float32Array) => put(be, d);
        const z = (n: number) => be.alloc([n]);
        const hs = z(T * B * H), cache = z(Math.max(1, T * B * W)), cT = lstm ? z(B * H) : null;
        const f = { cell, T, B, H, xw: t(xw), whh: t(whh), bhh: t(bhh), h0: t(h0), c0: lstm ? t(c0) : null };
        be.recurrentForward({ ...f, hs, cache, cT });
        const dxw = z(T * B * G), dhw = z(T * B * G), dwhh = t(dw0), dbhh = t(db0), dh0 = z(B * H), dc0 = lstm ? z(B * H) : null;
        be.recurrentBackward({ cell, T, B, H, whh: f.whh, h0: f.h0, c0: f.c0, hs, cache, dhs: t(dhs), dxw, dhw, dwhh, dbhh, dh0, dc0 });
        const out: Record<string, Float32Array> = { hs: hs.data as Float32Array, dxw: dxw.data as Float32Array, dwhh: dwhh.data as Float32Array, dbhh: dbhh.data as Float32Array, dh0: dh0.data as Float32Array };
        if (cT) out.cT = cT.data as Float32Array;
        if (dc0) out.dc0 = dc0.data as Float32Array;
        return out;
      };
      const want = run(ref);
      const got = bes.map(run);
      for (const k of Object.keys(want)) {
        const e = relErr(want[k], got[0][k]);
        assert.ok(e < 2e-4, `${simd} ${cell} ${k}: rel err ${e}`);
        assertSame(`${simd} ${cell} ${k} 2 threads`, got[0][k], got[1][k]);
        assertSame(`${simd} ${cell} ${k} 3 threads`, got[0][k], got[2][k]);
      }
    });
  }

  test(`native-${simd}: big elementwise / loss / optimizer ops, threads 1/2/3 bit-identical`, async () => {
    const bes = await Promise.all([1, 2, 3].map((threads) => createNativeBackend({ threads, simd })));
    const n = 300_007;
    const x = randn(n), g = randn(n);
    // dropout (bit-exact mask and values), sum of squares, Adam
    const yr = ref.alloc([n]);
    ref.dropoutForward(yr, put(ref, x), n, 0.37, 0xdeadbeef);
    const sRef = ref.sumSquares(put(ref, x), n);
    const pr = put(ref, x), mr = ref.alloc([n]), vr = ref.alloc([n]);
    ref.adam(pr, put(ref, g), mr, vr, n, { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, step: 3, weightDecay: 0.01 });
    const sums: number[] = [];
    for (const be of bes) {
      const y = be.alloc([n]);
      be.dropoutForward(y, put(be, x), n, 0.37, 0xdeadbeef);
      assertSame(`${simd} dropout (${be.threads} threads)`, yr.data as Float32Array, y.data as Float32Array);
      const xi = put(be, x);
      be.dropoutBackward(xi, xi, n, 0.37, 0xdeadbeef); // in place
      assertSame(`${simd} dropout in place`, yr.data as Float32Array, xi.data as Float32Array);
      sums.push(be.sumSquares(put(be, x), n));
      const p = put(be, x), m = be.alloc([n]), v = be.alloc([n]);
      be.adam(p, put(be, g), m, v, n, { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, step: 3, weightDecay: 0.01 });
      assertSame(`${simd} adam (${be.threads} threads)`, pr.data as Float32Array, p.data as Float32Array);
    }
    assert.ok(Math.abs(sums[0] - sRef) <= 1e-9 * sRef, `sumSquares ${sums[0]} vs ${sRef}`);
    assert.equal(sums[1], sums[0]);
    assert.equal(sums[2], sums[0]);

    // cross-entropy over a word-sized vocabulary
    const rows = 37, V = 4099;
    const logits = randn(rows * V, 4);
    const targets = Array.from({ length: rows }, (_, i) => (i % 5 === 0 ? -100 : rng.int(V)));
    const ti = ref.allocInt(rows);
    ti.data.set(targets);
    const dr = ref.alloc([rows * V]);
    const lr = ref.crossEntropy(put(ref, logits), ti, rows, V, -100, dr, 1 / 30);
    const outs = bes.map((be) => {
      const t = be.allocInt(rows);
      t.data.set(targets);
      const l = put(be, logits);
      const r = be.crossEntropy(l, t, rows, V, -100, l, 1 / 30);
      return { r, d: l.data as Float32Array };
    });
    assert.equal(outs[0].r.count, lr.count);
    assert.ok(Math.abs(outs[0].r.loss - lr.loss) < 1e-5 * lr.loss, `CE ${outs[0].r.loss} vs ${lr.loss}`);
    assert.ok(relErr(dr.data, outs[0].d) < 2e-5, `CE grad ${relErr(dr.data, outs[0].d)}`);
    for (const o of outs.slice(1)) {
      assert.equal(o.r.loss, outs[0].r.loss);
      assertSame('CE grad threads', outs[0].d, o.d);
    }

    // embedding / one-hot scatter-add with many duplicate ids, split over columns
    const nIds = 700, E = 300, Vv = 50;
    const ids = Array.from({ length: nIds }, (_, i) => (i % 11 === 0 ? -1 : rng.int(Vv)));
    const dOut = randn(nIds * E);
    const w0 = randn(Vv * E);
    const ir = ref.allocInt(nIds);
    ir.data.set(ids);
    const dWr = put(ref, w0), dOr = put(ref, dOut);
    ref.embeddingBackward(dWr, ir, dOr, nIds, E);
    const ohr = put(ref, w0);
    ref.onehotBackward(ohr, ir, dOr, nIds, E > Vv ? Vv : E, Vv);
    const res = bes.map((be) => {
      const i = be.allocInt(nIds);
      i.data.set(ids);
      const dW = put(be, w0), dO = put(be, dOut);
      be.embeddingBackward(dW, i, dO, nIds, E);
      const oh = put(be, w0);
      be.onehotBackward(oh, i, dO, nIds, E > Vv ? Vv : E, Vv);
      return [dW.data as Float32Array, oh.data as Float32Array];
    });
    assertSame('embeddingBackward vs reference', dWr.data as Float32Array, res[0][0]);
    assertSame('onehotBackward vs reference', ohr.data as Float32Array, res[0][1]);
    for (const r of res.slice(1)) {
      assertSame('embeddingBackward threads', res[0][0], r[0]);
      assertSame('onehotBackward threads', res[0][1], r[1]);
    }
  });
}
