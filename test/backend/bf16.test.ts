/**
 * bf16 mode: the rounding helper against a float64 definition (property tests), the reference
 * emulation's distance from fp32 (not zero, within bf16's error bound), and the wasm kernels
 * against the reference (bf16-suite.ts). The native backend's bf16 kernels run the same suite
 * in bf16-native.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bf16Bits, checkPrecision, roundBf16 } from '../../src/backend/bf16.js';
import { JsBackend } from '../../src/backend/js/index.js';
import { gemm, gemmBf16 } from '../../src/backend/js/gemm.js';
import { createWasmBackend } from '../../src/backend/wasm/index.js';
import { createBackend } from '../../src/backend/select.js';
import { RnnlabError } from '../../src/errors.js';
import { Rng } from '../../src/util/rng.js';
import { bf16Suite } from './bf16-suite.js';

/**
 * Round to bf16 by the definition, in float64: the nearest multiple of the bf16 spacing at x's
 * binade (2^(e−7); 2^-133 among denormals), the even multiple on a tie, ±Inf from 2^128 up.
 */
function bf16Definition(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (!Number.isFinite(x) || x === 0) return x;
  const a = Math.abs(x);
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  if (2 ** (e + 1) <= a) e++;
  const q = 2 ** (Math.max(e, -126) - 7);
  const r = a / q;
  const n = Math.floor(r);
  const frac = r - n;
  const m = frac > 0.5 || (frac === 0.5 && n % 2 === 1) ? n + 1 : n;
  const v = m * q;
  return Math.sign(x) * (v >= 2 ** 128 ? Infinity : v);
}

const fromBits = (u: number) => new Float32Array(new Uint32Array([u]).buffer)[0];

test('bf16 rounding equals the float64 definition on every kind of float32 (bit patterns, denormals, ties, huge)', () => {
  const check = (x: number) => {
    const got = roundBf16(x), want = bf16Definition(x);
    if (Number.isNaN(want)) return Number.isNaN(got);
    return Object.is(got, want) || (got === 0 && want === 0);
  };
  fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), (u) => check(fromBits(u))), { numRuns: 20000 });
  fc.assert(fc.property(fc.float(), check), { numRuns: 5000 });
  // exact ties (the discarded half is 0x8000): to the even neighbour, both ways, both signs, denormals too
  fc.assert(fc.property(fc.integer({ min: 0, max: 0xffff }), fc.boolean(), (hi, neg) => {
    const u = ((neg ? 0x80000000 : 0) | ((hi & 0x7f7f) << 16) | 0x8000) >>> 0;
    const even = (u & 0x10000) === 0;
    const got = bf16Bits(fromBits(u));
    return got === (even ? u & 0xffff0000 : (u & 0xffff0000) + 0x10000) >>> 0 && check(fromBits(u));
  }), { numRuns: 5000 });
});

test('bf16 rounding: NaN stays NaN (payloads near Inf too), ±Inf stay, the largest floats overflow to Inf, ±0 keep their sign', () => {
  for (const u of [0x7fc00000, 0x7f800001, 0x7f80ffff, 0xff800001, 0x7fffffff]) assert.ok(Number.isNaN(roundBf16(fromBits(u))), u.toString(16));
  assert.equal(roundBf16(Infinity), Infinity);
  assert.equal(roundBf16(-Infinity), -Infinity);
  assert.equal(roundBf16(fromBits(0x7f7fffff)), Infinity);
  assert.equal(roundBf16(fromBits(0x7f7f7fff)), fromBits(0x7f7f0000)); // the largest finite bf16, kept
  assert.ok(Object.is(roundBf16(-0), -0));
  assert.equal(roundBf16(fromBits(0x00008000)), 0); // the tie below the smallest bf16 denormal goes to 0 (even)
  assert.equal(roundBf16(fromBits(0x00018000)), fromBits(0x00020000));
});

test('--precision values: fp32 and bf16, anything else one line naming the flag', async () => {
  assert.equal(checkPrecision('bf16'), 'bf16');
  assert.throws(() => checkPrecision('fp16'), (e: unknown) => e instanceof RnnlabError && e.message === '--precision must be fp32 or bf16, got "fp16"');
  await assert.rejects(createBackend({ name: 'js', precision: 'fp16' as never }), /--precision must be fp32 or bf16/);
  assert.equal((await createBackend({ name: 'js', precision: 'bf16' })).backend.precision, 'bf16');
  assert.equal((await createBackend({ name: 'wasm', precision: 'bf16' })).backend.precision, 'bf16');
  assert.equal((await createBackend({ name: 'wasm' })).backend.precision, 'fp32');
});

test('gemmBf16 is gemm on operands rounded beforehand (C, alpha, beta untouched)', () => {
  const rng = new Rng(7);
  for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]]) {
    const M = 5, N = 7, K = 9;
    const A = Float32Array.from({ length: M * K }, () => rng.normal());
    const B = Float32Array.from({ length: K * N }, () => rng.normal());
    const C0 = Float32Array.from({ length: M * N }, () => rng.normal());
    const c1 = C0.slice(), c2 = C0.slice();
    gemmBf16(tA, tB, M, N, K, 0.75, A, 0, B, 0, 0.5, c1, 0);
    gemm(tA, tB, M, N, K, 0.75, A.map(roundBf16), 0, B.map(roundBf16), 0, 0.5, c2, 0);
    assert.deepEqual(c1, c2);
  }
});

test('bf16 emulation differs from fp32 by the expected amount: not zero, within 2^-8 of Σ|a·b| per element', () => {
  const rng = new Rng(11);
  const fp32 = new JsBackend('float32', 'fp32'), bf16 = new JsBackend('float32', 'bf16');
  const M = 16, N = 24, K = 256;
  const a = fp32.alloc([M * K]), b = fp32.alloc([K * N]), c1 = fp32.alloc([M * N]), c2 = fp32.alloc([M * N]);
  a.data.set(Float32Array.from({ length: M * K }, () => rng.normal()));
  b.data.set(Float32Array.from({ length: K * N }, () => rng.normal()));
  fp32.gemm(false, false, M, N, K, 1, a, 0, b, 0, 0, c1, 0);
  bf16.gemm(false, false, M, N, K, 1, a, 0, b, 0, 0, c2, 0);
  let sq = 0, sqRef = 0;
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let absSum = 0;
      for (let k = 0; k < K; k++) absSum += Math.abs(a.data[i * K + k] * b.data[k * N + j]);
      const d = Math.abs(c1.data[i * N + j] - c2.data[i * N + j]);
      // each operand within 2^-9 relative: a product within 2^-8 + 2^-18; plus float32 summation slack
      assert.ok(d <= (2 ** -8 + 2 ** -18) * absSum + 1e-5 * absSum, `element ${i},${j}: |Δ| ${d} over Σ|ab| ${absSum}`);
      sq += d * d;
      sqRef += c1.data[i * N + j] ** 2;
    }
  }
  const rel = Math.sqrt(sq / sqRef);
  // independent rounding errors of ≈ 2^-9/√3 per operand: about 1e-3 relative in a sum of random-sign terms
  assert.ok(rel > 2e-4 && rel < 4e-3, `RMS relative difference bf16 vs fp32: ${rel}`);
});

test('bf16 emulation of a recurrent layer: hidden states differ from fp32 by bf16 rounding, not more', () => {
  const rng = new Rng(12);
  const T = 6, B = 3, H = 32, G = 4 * H;
  const run = (precision: 'fp32' | 'bf16') => {
    const be = new JsBackend('float32', precision);
    const r = new Rng(5);
    const t = (n: number, s: number) => {
      const x = be.alloc([n]);
      x.data.set(Float32Array.from({ length: n }, () => r.normal() * s));
      return x;
    };
    const hs = be.alloc([T * B * H]);
    be.recurrentForward({ cell: 'lstm', T, B, H, xw: t(T * B * G, 1), whh: t(G * H, 1 / Math.sqrt(H)), bhh: t(G, 0.1), h0: t(B * H, 0.5), c0: t(B * H, 0.5), hs, cache: null, cT: null });
    return hs.data;
  };
  void rng;
  const h32 = run('fp32'), h16 = run('bf16');
  let worst = 0, any = 0;
  for (let i = 0; i < h32.length; i++) {
    const d = Math.abs(h32[i] - h16[i]);
    worst = Math.max(worst, d);
    if (d > 0) any++;
  }
  assert.ok(any > h32.length / 2, `bf16 changed only ${any} of ${h32.length} hidden values`);
  // |h| < 1; a pre-activation's error ≤ 2^-8·Σ|h||w| ≈ 2^-8·√H·0.5, damped by the gates' slopes (≤ 1)
  assert.ok(worst < 2 ** -8 * Math.sqrt(H), `worst |Δh| ${worst}`);
});

bf16Suite('wasm', (precision) => createWasmBackend({ precision }));
bf16Suite('wasm-baseline', (precision) => createWasmBackend({ precision, relaxed: false }));
