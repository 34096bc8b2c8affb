/**
 * --precision bf16 on the native backend: every matrix product rounds both operands to bf16
 * (round to nearest even) and accumulates in fp32. Checked against references computed here
 * (operands rounded by bf16() below, sums in float64) for the gemm op on awkward shapes and
 * for the products inside the recurrent layers, on each bf16 path this machine has: the
 * vdpbf16ps kernel when the CPU has AVX-512 BF16 (else the default level's emulation — the
 * test names say which ran), and the emulation (operands rounded while packing, fp32
 * kernels) at the AVX2 and scalar levels. Results are bit-identical for 1 and 2 threads.
 *
 * Tolerances are fp32 summation error (≈1e-7 of Σ|terms|); skipping the rounding would be off
 * by ≈1e-3 of it, which the test checks it can tell apart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createNativeBackend, nativeAvailability, type NativeBackend, type NativeSimd } from '../../src/backend/native/index.js';
import { cacheWidth, gates, type CellKind } from '../../src/backend/backend.js';
import { Rng } from '../../src/util/rng.js';
import type { Tensor } from '../../src/tensor.js';

const rng = new Rng(1616);
const randn = (n: number, s = 1) => Float32Array.from({ length: n }, () => rng.normal() * s);

// float32 → bf16 → float32, round to nearest even; NaN stays NaN.
const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
function bf16(x: number): number {
  f32[0] = x;
  const u = u32[0];
  u32[0] = (u & 0x7fffffff) > 0x7f800000 ? (u | 0x00400000) & 0xffff0000 : ((u + 0x7fff + ((u >>> 16) & 1)) >>> 0) & 0xffff0000;
  return f32[0];
}

function put(be: NativeBackend, d: Float32Array): Tensor {
  const t = be.alloc([d.length]);
  t.data.set(d);
  return t;
}
function assertSame(what: string, a: ArrayLike<number>, b: ArrayLike<number>): void {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) assert.fail(`${what}: element ${i} differs (${a[i]} vs ${b[i]})`);
}
/** |got − want| ≤ 1e-5·scale + 1e-6 (fp32 summation and gate-math error), NaN only where wanted. */
function close(what: string, want: number, got: number, scale: number): void {
  if (Number.isNaN(want)) {
    if (!Number.isNaN(got)) assert.fail(`${what}: want NaN, got ${got}`);
    return;
  }
  if (!(Math.abs(want - got) <= 1e-5 * scale + 1e-6)) assert.fail(`${what}: want ${want}, got ${got} (scale ${scale})`);
}

// The paths: this CPU's best level (vdpbf16ps if it has AVX-512 BF16), and the emulations below it.
const best = (nativeAvailability().simd ?? 'scalar') as NativeSimd;
const levels = (['avx512', 'avx2', 'scalar'] as NativeSimd[]).slice((['avx512', 'avx2', 'scalar'] as NativeSimd[]).indexOf(best));
const paths: { simd: NativeSimd; label: string; kernel: string }[] = [];
for (const simd of levels) {
  const p = (await createNativeBackend({ threads: 1, simd, precision: 'bf16' })).bf16Path();
  paths.push({ simd, label: `${simd} level, bf16 ${p.kernel === 'avx512bf16' ? 'vdpbf16ps' : 'emulated'}`, kernel: p.kernel });
}

test('bf16(): round to nearest even, ties to even, NaN and Inf kept', () => {
  assert.equal(bf16(1 + 2 ** -8), 1); // tie → even (mantissa ...0)
  assert.equal(bf16(1 + 3 * 2 ** -8), 1 + 2 ** -6); // tie → even (rounds up)
  assert.equal(bf16(1 + 2 ** -8 + 2 ** -20), 1 + 2 ** -7); // above the tie
  assert.equal(bf16(-Infinity), -Infinity);
  assert.ok(Number.isNaN(bf16(NaN)));
  assert.equal(bf16(3.4e38), Infinity); // above the largest bf16
});

test(`describe() and bf16Path() say which bf16 kernel runs (${paths[0].label})`, async (t) => {
  const be = await createNativeBackend({ threads: 1, precision: 'bf16' });
  const p = be.bf16Path();
  t.diagnostic(`bf16 path on this CPU: ${p.label}`);
  assert.equal(be.precision, 'bf16');
  assert.match(be.describe(), /bf16: (AVX-512 BF16 vdpbf16ps|emulated)/);
  assert.match(p.label, p.kernel === 'avx512bf16' ? /^AVX-512 BF16 \(vdpbf16ps\); (no AMX on this CPU|AMX-BF16 present)/ : /^emulated \(operands rounded to bf16/);
  const fp = await createNativeBackend({ threads: 1 });
  assert.equal(fp.precision, 'fp32');
  assert.doesNotMatch(fp.describe(), /bf16/);
  await assert.rejects(createNativeBackend({ precision: 'fp16' as never }), /precision must be fp32 or bf16/);
  if (best !== 'avx512') assert.equal(p.kernel, 'emulated');
});

// [M, N, K, transA, transB, alpha, beta, extra ld, offset]
type Case = [number, number, number, boolean, boolean, number, number, number, number];
const cases: Case[] = [];
for (const [M, N, K] of [[1, 1, 1], [1, 300, 77], [4, 65, 33], [3, 2, 1030], [5, 7, 3], [7, 49, 513], [13, 97, 1031], [64, 50, 64]]) {
  for (const tA of [false, true]) for (const tB of [false, true]) cases.push([M, N, K, tA, tB, 0.75, tA ? 0.5 : 0, tB ? 3 : 0, 5]);
}
// big enough for 2 threads: column split (N wide), row split against a B packed once (N ≤ 48)
for (const [M, N, K] of [[100, 150, 300], [300, 40, 300], [66, 600, 96]]) {
  for (const tA of [false, true]) for (const tB of [false, true]) cases.push([M, N, K, tA, tB, 1, tB ? 1 : 0, tA ? 0 : 7, 3]);
}

function gemmRef(c: Case, A: Float32Array, B: Float32Array, C: Float32Array, lda: number, ldb: number, ldc: number, off: number) {
  const [M, N, K, tA, tB, alpha, beta] = c;
  const want = new Float64Array(M * N), scale = new Float64Array(M * N);
  const Ar = A.map(bf16), Br = B.map(bf16);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0, a = 0;
      for (let k = 0; k < K; k++) {
        const x = tA ? Ar[off + k * lda + i] : Ar[off + i * lda + k];
        const y = tB ? Br[off + j * ldb + k] : Br[off + k * ldb + j];
        s += x * y;
        a += Math.abs(x * y);
      }
      const c0 = beta === 0 ? 0 : beta * C[off + i * ldc + j];
      want[i * N + j] = alpha * s + c0;
      scale[i * N + j] = Math.abs(alpha) * a + Math.abs(c0);
    }
  }
  return { want, scale };
}

for (const path of paths) {
  test(`bf16 GEMM (${path.label}): awkward shapes, all layouts, lds and offsets; 1 and 2 threads bit-identical`, async (t) => {
    t.diagnostic(`bf16 path: ${path.label}`);
    const [one, two] = await Promise.all([1, 2].map((threads) => createNativeBackend({ threads, simd: path.simd, precision: 'bf16' })));
    const fp32 = await createNativeBackend({ threads: 1, simd: path.simd });
    let fp32Off = 0; // how far fp32 products land from the bf16 reference (must be far)
    for (const c of cases) {
      const [M, N, K, tA, tB, alpha, beta, extra, off] = c;
      const lda = (tA ? M : K) + extra, ldb = (tB ? K : N) + extra, ldc = N + extra;
      const A = randn(off + (tA ? K : M) * lda), B = randn(off + (tB ? N : K) * ldb), C = randn(off + M * ldc);
      if (beta === 0) C.fill(NaN); // beta = 0 ignores C
      const { want, scale } = gemmRef(c, A, B, C, lda, ldb, ldc, off);
      const outs = [one, two, fp32].map((be) => {
        const Ct = put(be, C);
        be.gemm(tA, tB, M, N, K, alpha, put(be, A), off, put(be, B), off, beta, Ct, off, lda, ldb, ldc);
        return Ct.data as Float32Array;
      });
      const what = `${path.label} ${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} ${M}x${N}x${K} ld+${extra}`;
      for (let i = 0; i < M; i++) {
        for (let j = 0; j < N; j++) {
          close(`${what} C[${i},${j}]`, want[i * N + j], outs[0][off + i * ldc + j], scale[i * N + j]);
          fp32Off = Math.max(fp32Off, Math.abs(outs[2][off + i * ldc + j] - want[i * N + j]) / (scale[i * N + j] + 1e-30));
        }
        // the gaps between rows (ld > width) are untouched
        for (let j = N; j < ldc && i < M - 1; j++) assert.ok(Object.is(outs[0][off + i * ldc + j], C[off + i * ldc + j]), `${what}: gap written`);
      }
      assertSame(`${what} 2 threads`, outs[0], outs[1]);
    }
    assert.ok(fp32Off > 1e-4, `fp32 results are within ${fp32Off} of the bf16 reference: the test cannot tell the precisions apart`);
  });

  test(`bf16 GEMM (${path.label}): NaN in an operand reaches exactly its row/column`, async () => {
    const be = await createNativeBackend({ threads: 2, simd: path.simd, precision: 'bf16' });
    for (const [M, N, K] of [[2, 70, 9], [20, 70, 9]]) {
      const A = randn(M * K), B = randn(K * N);
      A[1 * K + 4] = NaN; // row 1 of A
      B[3 * N + 60] = NaN; // column 60 of B
      const C = be.alloc([M * N]);
      be.gemm(false, false, M, N, K, 1, put(be, A), 0, put(be, B), 0, 0, C, 0);
      for (let i = 0; i < M; i++) {
        for (let j = 0; j < N; j++) {
          assert.equal(Number.isNaN(C.data[i * N + j]), i === 1 || j === 60, `${M}x${N}x${K} C[${i},${j}] = ${C.data[i * N + j]}`);
        }
      }
    }
  });
}

test('bf16 denormal operands: vdpbf16ps treats them as zero, the emulation keeps them', async (t) => {
  for (const path of paths) {
    const be = await createNativeBackend({ threads: 1, simd: path.simd, precision: 'bf16' });
    const A = put(be, Float32Array.from([1e-39, 0, 1e-39])), B = put(be, Float32Array.from([1e3, 0, 1e3])), C = be.alloc([1]);
    be.gemm(false, false, 1, 1, 3, 1, A, 0, B, 0, 0, C, 0);
    const kept = 2 * bf16(1e-39) * bf16(1e3);
    t.diagnostic(`${path.label}: ${C.data[0]}`);
    assert.equal(C.data[0], path.kernel === 'avx512bf16' ? 0 : Math.fround(kept), path.label);
  }
});

// ---- recurrent layers: each step's product checked against the layer's own previous state --
// (teacher forcing: the reference for step t uses the layer's h_{t-1}, so fp32 differences in
// earlier steps cannot flip a bf16 rounding and make the check flaky).

const sigm = (x: number) => 1 / (1 + Math.exp(-x));
/** Σ_k bf16(x[xo + k])·bf16(w[wo + k·ws]) and Σ|terms|. */
function dot(x: ArrayLike<number>, xo: number, w: ArrayLike<number>, wo: number, ws: number, K: number): [number, number] {
  let s = 0, a = 0;
  for (let k = 0; k < K; k++) {
    const p = bf16(x[xo + k]) * bf16(w[wo + k * ws]);
    s += p;
    a += Math.abs(p);
  }
  return [s, a];
}

function checkLayer(label: string, cell: CellKind, T: number, B: number, H: number, o: Record<string, Float32Array>, inp: Record<string, Float32Array>) {
  const G = gates(cell) * H, W = cacheWidth(cell, H), lstm = cell === 'lstm', gru = cell === 'gru';
  const { xw, whh, bhh, h0, dhs } = inp;
  const hprev = (t: number, b: number, k: number) => (t === 0 ? h0[b * H + k] : o.hs[((t - 1) * B + b) * H + k]);
  const hrow = (t: number) => (t === 0 ? h0 : o.hs.subarray((t - 1) * B * H, t * B * H));
  const dproj = gru ? o.dhw : o.dxw;
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const row = t * B + b;
      for (let j = 0; j < H; j++) {
        // forward: pre_g = xw + b_hh + bf16(h_{t-1})·bf16(W_hh[g])ᵀ
        const pre = (g: number) => dot(hrow(t), b * H, whh, (g * H + j) * H, 1, H);
        const what = `${label} ${cell} t${t} b${b} j${j}`;
        if (lstm) {
          const [pi, ai] = pre(0), [po, ao] = pre(3);
          close(`${what} i`, sigm(xw[row * G + j] + bhh[j] + pi), o.cache[row * W + j], ai);
          close(`${what} o`, sigm(xw[row * G + 3 * H + j] + bhh[3 * H + j] + po), o.cache[row * W + 3 * H + j], ao);
          close(`${what} h`, o.cache[row * W + 3 * H + j] * Math.tanh(o.cache[row * W + 4 * H + j]), o.hs[row * H + j], 0);
        } else if (gru) {
          const [pn, an] = pre(2);
          close(`${what} hn`, bhh[2 * H + j] + pn, o.cache[row * W + 3 * H + j], an);
        } else {
          const [p, a] = pre(0);
          close(`${what} h`, Math.tanh(xw[row * G + j] + bhh[j] + p), o.hs[row * H + j], a);
        }
        // backward: dh reaching h_t from step t+1 = bf16(dproj_{t+1})·bf16(W_hh)
        const [dn, an] = t + 1 < T ? dot(dproj, (row + B) * G, whh, j, H, G) : [0, 0];
        const dh = dhs[row * H + j] + dn;
        if (lstm) {
          const c = o.cache[row * W + 4 * H + j], og = o.cache[row * W + 3 * H + j];
          close(`${what} d o-gate`, dh * Math.tanh(c) * og * (1 - og), o.dxw[row * G + 3 * H + j], an + Math.abs(dhs[row * H + j]));
        } else if (!gru) {
          const h = o.hs[row * H + j];
          close(`${what} dxw`, dh * (1 - h * h), o.dxw[row * G + j], an + Math.abs(dhs[row * H + j]));
        }
      }
    }
  }
  // dh0 = bf16(dproj_0)·bf16(W_hh) (GRU adds z·dh: not a product), dW_hh = Σ_t bf16(dproj_t)ᵀ·bf16(h_{t-1})
  for (let b = 0; b < B && !gru; b++) {
    for (let k = 0; k < H; k++) {
      const [s, a] = dot(dproj, b * G, whh, k, H, G);
      close(`${label} ${cell} dh0[${b},${k}]`, s, o.dh0[b * H + k], a);
    }
  }
  for (let g = 0; g < G; g++) {
    for (let k = 0; k < H; k++) {
      let s = 0, a = 0;
      for (let t = 0; t < T; t++) {
        for (let b = 0; b < B; b++) {
          const p = bf16(dproj[(t * B + b) * G + g]) * bf16(hprev(t, b, k));
          s += p;
          a += Math.abs(p);
        }
      }
      close(`${label} ${cell} dW_hh[${g},${k}]`, inp.dw0[g * H + k] + s, o.dwhh[g * H + k], a + Math.abs(inp.dw0[g * H + k]));
    }
  }
}

function runLayer(be: NativeBackend, cell: CellKind, T: number, B: number, H: number, inp: Record<string, Float32Array>) {
  const G = gates(cell) * H, W = cacheWidth(cell, H), lstm = cell === 'lstm';
  const z = (n: number) => be.alloc([Math.max(1, n)]);
  const hs = z(T * B * H), cache = z(T * B * W), cT = lstm ? z(B * H) : null;
  const whh = put(be, inp.whh), h0 = put(be, inp.h0), c0 = lstm ? put(be, inp.c0) : null;
  be.recurrentForward({ cell, T, B, H, xw: put(be, inp.xw), whh, bhh: put(be, inp.bhh), h0, c0, hs, cache, cT });
  const dxw = z(T * B * G), dhw = z(T * B * G), dwhh = put(be, inp.dw0), dbhh = z(G), dh0 = z(B * H), dc0 = lstm ? z(B * H) : null;
  be.recurrentBackward({ cell, T, B, H, whh, h0, c0, hs, cache, dhs: put(be, inp.dhs), dxw, dhw, dwhh, dbhh, dh0, dc0 });
  const out: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries({ hs, cache, cT, dxw, dhw, dwhh, dbhh, dh0, dc0 })) if (v) out[k] = v.data as Float32Array;
  return out;
}

// Native path and the AVX2 emulation (the scalar one shares its code).
for (const path of paths.slice(0, 2)) {
  for (const cell of ['lstm', 'gru', 'rnn_tanh'] as CellKind[]) {
    test(`bf16 ${cell} layer (${path.label}): every product rounds its operands; 1 and 2 threads bit-identical`, async (t) => {
      t.diagnostic(`bf16 path: ${path.label}`);
      const [one, two] = await Promise.all([1, 2].map((threads) => createNativeBackend({ threads, simd: path.simd, precision: 'bf16' })));
      // T·B ≤ 32 multiplies W_hh's rows directly; the others pack W_hh once (odd H, several chunks)
      for (const [T, B, H] of [[2, 3, 37], [5, 7, 37], [3, 16, cell === 'lstm' ? 120 : 200]]) {
        const G = gates(cell) * H;
        const inp = {
          xw: randn(T * B * G), whh: randn(G * H, 1 / Math.sqrt(H)), bhh: randn(G, 0.1), h0: randn(B * H, 0.5),
          c0: randn(B * H, 0.5), dhs: randn(T * B * H), dw0: randn(G * H, 0.01),
        };
        const a = runLayer(one, cell, T, B, H, inp), b = runLayer(two, cell, T, B, H, inp);
        for (const k of Object.keys(a)) assertSame(`${path.label} ${cell} T${T} B${B} H${H} ${k}: 2 threads`, a[k], b[k]);
        checkLayer(`${path.label} T${T} B${B} H${H}`, cell, T, B, H, a, inp);
      }
    });
  }
}

test('RNNLAB_NATIVE_SIMD=avx2 makes --precision bf16 run the emulation (fresh process)', () => {
  const mod = fileURLToPath(new URL('../../src/backend/native/index.js', import.meta.url));
  const r = spawnSync(process.execPath, ['--input-type=module', '-e',
    `const m = await import(${JSON.stringify(mod)}); const b = await m.createNativeBackend({ threads: 1, precision: 'bf16' });
     const A = b.alloc([6]), B = b.alloc([6]), C = b.alloc([1]);
     A.data.set([1 + 2 ** -8, 1, 1, 1, 1, 1]); B.data.set([1, 1, 1, 1, 1, 1 + 2 ** -7]);
     b.gemm(false, true, 1, 1, 6, 1, A, 0, B, 0, 0, C, 0);
     console.log(JSON.stringify({ d: b.describe(), k: b.bf16Path().kernel, c: C.data[0] }));`],
  { encoding: 'utf8', env: { ...process.env, RNNLAB_NATIVE_SIMD: 'avx2' } });
  assert.equal(r.status, 0, r.stderr);
  const o = JSON.parse(r.stdout);
  if (best !== 'scalar') assert.match(o.d, /^native \(AVX2, 1 thread, bf16: emulated/);
  assert.equal(o.k, 'emulated');
  assert.equal(o.c, 6 + 2 ** -7); // 1 + 2^-8 rounds to 1 (tie to even); 1 + 2^-7 is a bf16
});
