/**
 * gemm with leading dimensions larger than the packed widths: operands and results that are
 * column slices of wider matrices, as a bidirectional layer's [N,2H] output needs (each
 * direction writes its half: cOff = 0 or H, ldc = 2H). First the reference against itself on
 * packed copies (what lda means), then every backend against the reference on awkward sizes,
 * every transpose combination, alpha/beta and offsets, and shapes that cross the fast
 * kernels' blocking and threading. Elements between the rows of C must stay untouched.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from '../../src/backend/backend.js';
import { JsBackend } from '../../src/backend/js/index.js';
import { Rng } from '../../src/util/rng.js';
import type { Tensor } from '../../src/tensor.js';
import { testBackends } from '../backends.js';

const ref = new JsBackend('float32');
const rng = new Rng(2718);
const randn = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
const pick = <T>(xs: readonly T[]) => xs[rng.int(xs.length)];

function put(be: Backend, data: Float32Array): Tensor {
  const t = be.alloc([data.length]);
  t.data.set(data);
  return t;
}

/** max |got − want| over max |want| (1e-6 floor), as the conformance suite measures. */
function relErr(want: ArrayLike<number>, got: ArrayLike<number>): number {
  assert.equal(got.length, want.length);
  let num = 0, den = 1e-6;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(want[i] - got[i]);
    num = Number.isNaN(d) ? Infinity : Math.max(num, d);
    den = Math.max(den, Math.abs(want[i]));
  }
  return num / den;
}

interface Case {
  tA: boolean; tB: boolean; M: number; N: number; K: number; alpha: number; beta: number;
  lda: number; ldb: number; ldc: number; aOff: number; bOff: number; cOff: number;
}

/** Stored shapes: A is rowsA × colsA with row stride lda (op(A) = A or Aᵀ), likewise B; C is M × N. */
const stored = (c: Case) => ({
  rowsA: c.tA ? c.K : c.M, colsA: c.tA ? c.M : c.K,
  rowsB: c.tB ? c.N : c.K, colsB: c.tB ? c.K : c.N,
});
/** Elements a strided rows × cols matrix at `off` needs, plus a tail that must stay untouched. */
const span = (off: number, rows: number, cols: number, ld: number) => off + (rows > 0 ? (rows - 1) * ld + cols : 0) + 3;

function randomCase(sizes: readonly number[], tA = rng.next() < 0.5, tB = rng.next() < 0.5): Case {
  const M = pick(sizes), N = pick(sizes), K = pick(sizes);
  const c = { tA, tB, M, N, K, alpha: pick([1, 0.5, -2]), beta: pick([0, 1, 0.25]), lda: 0, ldb: 0, ldc: 0, aOff: pick([0, 3]), bOff: pick([0, 5]), cOff: pick([0, 2]) };
  const s = stored(c);
  // strides a little or a lot wider than the rows (a column slice of a 2× wider matrix, say)
  c.lda = s.colsA + pick([1, 3, s.colsA]);
  c.ldb = s.colsB + pick([2, 7, s.colsB]);
  c.ldc = N + pick([1, 4, N]);
  return c;
}

/** Runs the case on `be` with operands from the given numbers; returns all of C (gaps included). */
function run(be: Backend, c: Case, a: Float32Array, b: Float32Array, c0: Float32Array): Float32Array {
  const C = put(be, c0);
  be.gemm(c.tA, c.tB, c.M, c.N, c.K, c.alpha, put(be, a), c.aOff, put(be, b), c.bOff, c.beta, C, c.cOff, c.lda, c.ldb, c.ldc);
  return Float32Array.from(C.data);
}

function operands(c: Case): [Float32Array, Float32Array, Float32Array] {
  const s = stored(c);
  return [randn(span(c.aOff, s.rowsA, s.colsA, c.lda)), randn(span(c.bOff, s.rowsB, s.colsB, c.ldb)), randn(span(c.cOff, c.M, c.N, c.ldc))];
}

const label = (c: Case) => `${c.tA ? 'T' : 'N'}${c.tB ? 'T' : 'N'} ${c.M}x${c.N}x${c.K} lda ${c.lda} ldb ${c.ldb} ldc ${c.ldc}`;

/** Copies a strided rows × cols matrix at `off` into a packed one. */
function pack(x: Float32Array, off: number, rows: number, cols: number, ld: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) out.set(x.subarray(off + r * ld, off + r * ld + cols), r * cols);
  return out;
}

test('reference gemm with leading dimensions = packed gemm on packed copies; the gaps of C stay untouched', () => {
  const be64 = new JsBackend('float64');
  for (let trial = 0; trial < 80; trial++) {
    const c = randomCase([1, 2, 3, 5, 7, 16, 17]);
    const s = stored(c);
    const [a, b, c0] = operands(c);
    const got = run(ref, c, a, b, c0);
    const C = be64.alloc([c.M * c.N]);
    C.data.set(pack(c0, c.cOff, c.M, c.N, c.ldc));
    const f64 = (x: Float32Array) => {
      const t = be64.alloc([x.length]);
      t.data.set(x);
      return t;
    };
    be64.gemm(c.tA, c.tB, c.M, c.N, c.K, c.alpha, f64(pack(a, c.aOff, s.rowsA, s.colsA, c.lda)), 0,
      f64(pack(b, c.bOff, s.rowsB, s.colsB, c.ldb)), 0, c.beta, C, 0);
    assert.ok(relErr(C.data, pack(got, c.cOff, c.M, c.N, c.ldc)) < 1e-6, label(c));
    // everything outside C's M rows × N columns is as it was
    for (let i = 0; i < got.length; i++) {
      const r = Math.floor((i - c.cOff) / c.ldc), col = (i - c.cOff) % c.ldc;
      const inside = i >= c.cOff && r < c.M && col < c.N;
      if (!inside) assert.equal(got[i], c0[i], `${label(c)}: element ${i} outside C changed`);
    }
  }
});

for (const b of testBackends()) {
  test(`${b.name}: gemm with leading dimensions, every layout, awkward sizes, against the reference`, async () => {
    const be = await b.make();
    const sizes = [1, 2, 3, 5, 7, 16, 17, 31, 48, 63, 97];
    for (let trial = 0; trial < 48; trial++) {
      const c = randomCase(sizes, (trial & 1) === 1, (trial & 2) === 2); // every layout, 12 times each
      const [a, bb, c0] = operands(c);
      const want = run(ref, c, a, bb, c0);
      const got = run(be, c, a, bb, c0);
      const e = relErr(want, got);
      assert.ok(e < 2e-5, `${b.name} ${label(c)} α=${c.alpha} β=${c.beta}: rel err ${e}`);
    }
  });

  test(`${b.name}: a bidirectional layer's [N,2H] output, written and read as column halves`, async () => {
    const be = await b.make();
    for (const [N, E, H] of [[7, 5, 3], [33, 17, 31], [64, 40, 97]]) {
      const x = randn(N * E), wf = randn(H * E), wb = randn(H * E), dy = randn(N * 2 * H);
      const outs = [ref, be].map((k) => {
        const X = put(k, x), Y = k.alloc([N * 2 * H]), dX = k.alloc([N * E]);
        // Y[:, 0:H] = X·W_fᵀ and Y[:, H:2H] = X·W_bᵀ, each straight into its half
        k.gemm(false, true, N, H, E, 1, X, 0, put(k, wf), 0, 0, Y, 0, E, E, 2 * H);
        k.gemm(false, true, N, H, E, 1, X, 0, put(k, wb), 0, 0, Y, H, E, E, 2 * H);
        // dX = dY[:, 0:H]·W_f + dY[:, H:2H]·W_b, each half read in place
        const dY = put(k, dy);
        k.gemm(false, false, N, E, H, 1, dY, 0, put(k, wf), 0, 0, dX, 0, 2 * H, E, E);
        k.gemm(false, false, N, E, H, 1, dY, H, put(k, wb), 0, 1, dX, 0, 2 * H, E, E);
        // dW_b = dY[:, H:2H]ᵀ·X (a transposed column slice)
        const dWb = k.alloc([H * E]);
        k.gemm(true, false, H, E, N, 1, dY, H, X, 0, 0, dWb, 0, 2 * H, E, E);
        return [Float32Array.from(Y.data), Float32Array.from(dX.data), Float32Array.from(dWb.data)];
      });
      for (const [i, what] of ['Y', 'dX', 'dW_b'].entries()) {
        const e = relErr(outs[0][i], outs[1][i]);
        assert.ok(e < 2e-5, `${b.name} N${N} E${E} H${H} ${what}: rel err ${e}`);
      }
    }
  });
}

test('wasm and native: leading dimensions across the kernels\' blocking and threads', async () => {
  // M > MC (wasm 128), K > KC (256), N across several panels; M ≤ 4 takes the unpacked paths
  const shapes: [number, number, number][] = [[131, 37, 601], [75, 300, 290], [5, 700, 64], [3, 1100, 300], [1, 513, 270]];
  const bes = await Promise.all(testBackends().map((b) => b.make()));
  for (const [M, N, K] of shapes) {
    for (let layout = 0; layout < 4; layout++) {
      const c: Case = { tA: (layout & 1) === 1, tB: (layout & 2) === 2, M, N, K, alpha: 0.75, beta: layout & 1 ? 0.5 : 0, lda: 0, ldb: 0, ldc: 0, aOff: 1, bOff: 2, cOff: 3 };
      const s = stored(c);
      [c.lda, c.ldb, c.ldc] = [s.colsA + 9, s.colsB * 2, N + 17];
      const [a, b, c0] = operands(c);
      const want = run(ref, c, a, b, c0);
      const outs = bes.map((be) => run(be, c, a, b, c0));
      testBackends().forEach((t, i) => {
        const e = relErr(want, outs[i]);
        assert.ok(e < 2e-5, `${t.name} ${label(c)}: rel err ${e}`);
      });
      // native: one and two threads agree bit for bit (each element has one owner)
      const n1 = testBackends().findIndex((t) => t.name === 'native-1t'), n2 = testBackends().findIndex((t) => t.name === 'native-2t');
      assert.deepEqual(outs[n2], outs[n1], `native ${label(c)}: 1 vs 2 threads`);
    }
  }
});
