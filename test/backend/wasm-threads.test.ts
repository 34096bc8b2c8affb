/**
 * The threaded wasm backend (shared memory, worker threads): GEMMs in every layout and the
 * recurrent layers of every cell, forward and backward, on shapes the thread split does not
 * divide, at 2 and 3 threads, bit-identical to one thread (and so as close to the reference as
 * the serial kernels are); bf16 emulation threaded; teardown; the fallback without
 * SharedArrayBuffer.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createWasmBackend, sharedMemoryUnavailable, type WasmBackend } from '../../src/backend/wasm/index.js';
import { JsBackend } from '../../src/backend/js/index.js';
import { cacheWidth, gates, type Backend, type CellKind } from '../../src/backend/backend.js';
import type { Precision } from '../../src/backend/backend.js';
import { Rng } from '../../src/util/rng.js';
import type { Tensor } from '../../src/tensor.js';

const rng = new Rng(7);
const randn = (n: number, s = 1) => Float32Array.from({ length: n }, () => rng.normal() * s);

function put(be: Backend, v: Float32Array): Tensor {
  const t = be.alloc([v.length]);
  t.data.set(v);
  return t;
}

function maxRel(want: ArrayLike<number>, got: ArrayLike<number>): number {
  let num = 0, den = 1e-30;
  for (let i = 0; i < want.length; i++) {
    num = Math.max(num, Math.abs(want[i] - got[i]));
    den = Math.max(den, Math.abs(want[i]));
  }
  return num / den;
}

/** Same bits (NaN-safe, -0 ≠ +0). */
function assertSameBits(want: Float32Array, got: Float32Array, what: string): void {
  assert.equal(got.length, want.length, what);
  const a = new Uint32Array(want.buffer, want.byteOffset, want.length), b = new Uint32Array(got.buffer, got.byteOffset, got.length);
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) assert.fail(`${what}: element ${i} differs: ${want[i]} (1 thread) vs ${got[i]}`);
  }
}

for (const precision of ['fp32', 'bf16'] as Precision[]) {
  describe(`wasm threads (${precision})`, () => {
    const ref = new JsBackend('float32', precision);
    let one: WasmBackend, two: WasmBackend, three: WasmBackend;
    before(async () => {
      one = await createWasmBackend({ precision });
      two = await createWasmBackend({ precision, threads: 2, splitSmall: true });
      three = await createWasmBackend({ precision, threads: 3, splitSmall: true });
    });
    after(() => {
      two.dispose();
      three.dispose();
    });

    test('describe() and threads', () => {
      assert.equal(one.threads, 1);
      assert.equal(two.threads, 2);
      assert.equal(three.threads, 3);
      assert.match(two.describe(), /2 threads, shared memory/);
      assert.match(one.describe(), /1 thread\b/);
    });

    /** Runs `op` on the reference and the three wasm backends; returns their outputs (named). */
    function run(op: (be: Backend) => Record<string, Tensor>): { ref: Record<string, Float32Array>; wasm: Record<string, Float32Array>[] } {
      const out = (be: Backend) => Object.fromEntries(Object.entries(op(be)).map(([k, t]) => [k, Float32Array.from(t.data)]));
      return { ref: out(ref), wasm: [out(one), out(two), out(three)] };
    }
    function check(name: string, r: ReturnType<typeof run>, tol: number): void {
      for (const key of Object.keys(r.ref)) {
        const e = maxRel(r.ref[key], r.wasm[0][key]);
        assert.ok(e < tol, `${name} ${key}: 1-thread wasm vs reference ${e}`);
        assertSameBits(r.wasm[0][key], r.wasm[1][key], `${name} ${key} at 2 threads`);
        assertSameBits(r.wasm[0][key], r.wasm[2][key], `${name} ${key} at 3 threads`);
      }
    }

    // (M, N, K): columns split (N ≥ M, not a multiple of 16), rows split (N < 16; M > N with N ≥ 16,
    // an odd last block, K across KC), few rows (direct path), K across KC
    const shapes: [number, number, number][] = [[37, 53, 70], [130, 9, 41], [71, 40, 300], [3, 45, 29], [4, 70, 300], [19, 33, 260]];
    for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      test(`GEMM ${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}: bit-identical at 2 and 3 threads`, () => {
        for (const [M, N, K] of shapes) {
          for (const [alpha, beta] of [[1, 0], [0.7, 0.3], [1, 1]]) {
            const a = randn(M * K), b = randn(K * N), c = randn(M * N);
            const jobs = two.threadJobs;
            const r = run((be) => {
              const C = put(be, c);
              be.gemm(transA, transB, M, N, K, alpha, put(be, a), 0, put(be, b), 0, beta, C, 0);
              return { C };
            });
            check(`gemm ${M}×${N}×${K} α${alpha} β${beta}`, r, precision === 'bf16' ? 1e-5 : 1e-5);
            assert.ok(two.threadJobs > jobs, `gemm ${M}×${N}×${K} was split`);
          }
        }
      });
    }

    const cells: CellKind[] = ['lstm', 'gru', 'rnn_tanh', 'rnn_relu'];
    // H 37: chunks of 32 + 5; H 70: 32, 32, 6; H 150: 5 chunks (more than threads, last 22); B 5 > the few-row limit
    for (const cell of cells) {
      test(`${cell} forward and backward: bit-identical at 2 and 3 threads`, () => {
        for (const [T, B, H] of [[4, 5, 37], [3, 6, 70], [2, 5, 150], [0, 5, 40]]) {
          const G = gates(cell) * H, W = cacheWidth(cell, H);
          const lstm = cell === 'lstm';
          const xw = randn(T * B * G), whh = randn(G * H, 1 / Math.sqrt(H)), bhh = randn(G, 0.1);
          const h0 = randn(B * H, 0.5), c0 = randn(B * H, 0.5), dhs = randn(T * B * H), dw0 = randn(G * H, 0.01);
          const jobs = three.threadJobs;
          const r = run((be) => {
            const z = (n: number) => be.alloc([Math.max(1, n)]);
            const f = { xw: put(be, xw), whh: put(be, whh), bhh: put(be, bhh), h0: put(be, h0), c0: lstm ? put(be, c0) : null };
            const hs = z(T * B * H), cache = z(T * B * W), cT = lstm ? z(B * H) : null;
            be.recurrentForward({ cell, T, B, H, ...f, hs, cache, cT });
            const dxw = z(T * B * G), dhw = z(T * B * G), dwhh = put(be, dw0), dbhh = z(G), dh0 = z(B * H), dc0 = lstm ? z(B * H) : null;
            be.recurrentBackward({ cell, T, B, H, whh: f.whh, h0: f.h0, c0: f.c0, hs, cache, dhs: put(be, dhs), dxw, dhw, dwhh, dbhh, dh0, dc0 });
            const out: Record<string, Tensor> = { hs, cache, dxw, dwhh, dbhh, dh0 };
            if (cT) out.cT = cT;
            if (dc0) out.dc0 = dc0;
            if (cell === 'gru') out.dhw = dhw;
            return out;
          });
          check(`${cell} T${T} B${B} H${H}`, r, 2e-4);
          if (T > 0) assert.ok(three.threadJobs >= jobs + 2, `${cell} H${H}: forward and backward were split`);
        }
      });
    }
  });
}

test('the recurrent layers stay on one thread for a few rows (W_hh read unpacked)', async () => {
  const be = await createWasmBackend({ threads: 2, splitSmall: true });
  try {
    const H = 40, G = 4 * H, B = 2;
    const jobs = be.threadJobs;
    be.recurrentForward({
      cell: 'lstm', T: 3, B, H, xw: put(be, randn(3 * B * G)), whh: put(be, randn(G * H)), bhh: put(be, randn(G)), h0: put(be, randn(B * H)),
      c0: null, hs: be.alloc([3 * B * H]), cache: null, cT: null,
    });
    assert.equal(be.threadJobs, jobs);
  } finally {
    be.dispose();
  }
});

test('small ops stay on one thread without splitSmall', async () => {
  const be = await createWasmBackend({ threads: 2 });
  try {
    const jobs = be.threadJobs;
    be.gemm(false, false, 8, 8, 8, 1, put(be, randn(64)), 0, put(be, randn(64)), 0, 0, be.alloc([64]), 0);
    assert.equal(be.threadJobs, jobs);
    be.gemm(false, false, 256, 256, 256, 1, put(be, randn(65536)), 0, put(be, randn(65536)), 0, 0, be.alloc([65536]), 0);
    assert.equal(be.threadJobs, jobs + 1);
  } finally {
    be.dispose();
  }
});

test('without SharedArrayBuffer: one thread, and describe() says why', async () => {
  const g = globalThis as { SharedArrayBuffer?: unknown };
  const saved = g.SharedArrayBuffer;
  g.SharedArrayBuffer = undefined;
  let be: WasmBackend;
  try {
    be = await createWasmBackend({ threads: 2 });
  } finally {
    g.SharedArrayBuffer = saved;
  }
  assert.equal(be.threads, 1);
  assert.match(be.describe(), /1 thread; 2 asked for, but no SharedArrayBuffer/);
  assert.equal(be.threadNote, '2 asked for, but no SharedArrayBuffer in this JavaScript runtime');
});

test('in a browser, threads need a cross-origin isolated page (simulated: no process, crossOriginIsolated set)', () => {
  const proc = Object.getOwnPropertyDescriptor(globalThis, 'process')!;
  const coi = Object.getOwnPropertyDescriptor(globalThis, 'crossOriginIsolated');
  const seen: (string | null)[] = [];
  try {
    Object.defineProperty(globalThis, 'process', { value: undefined, configurable: true, writable: true });
    for (const isolated of [false, true]) {
      Object.defineProperty(globalThis, 'crossOriginIsolated', { value: isolated, configurable: true });
      seen.push(sharedMemoryUnavailable());
    }
  } finally {
    Object.defineProperty(globalThis, 'process', proc);
    if (coi) Object.defineProperty(globalThis, 'crossOriginIsolated', coi);
    else delete (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  }
  assert.deepEqual(seen, ['no SharedArrayBuffer: the page is not cross-origin isolated', null]);
  assert.equal(sharedMemoryUnavailable(), null, 'Node: always');
});

test('memory growth: the workers see the grown shared memory', async () => {
  const be = await createWasmBackend({ threads: 2, splitSmall: true });
  const one = await createWasmBackend();
  try {
    const M = 300, N = 200, K = 150;
    const a = randn(M * K), b = randn(K * N);
    const before = be.memoryBytes;
    const big = be.alloc([8 << 20]); // 32 MiB: grows the memory
    assert.ok(be.memoryBytes > before);
    const C2 = be.alloc([M * N]), C1 = one.alloc([M * N]);
    be.gemm(false, true, M, N, K, 1, put(be, a), 0, put(be, b), 0, 0, C2, 0);
    one.gemm(false, true, M, N, K, 1, put(one, a), 0, put(one, b), 0, 0, C1, 0);
    assertSameBits(C1.data as Float32Array, C2.data as Float32Array, 'gemm after growth');
    be.free(big);
  } finally {
    be.dispose();
  }
});

test('teardown: a process with a threaded backend exits, disposed or not', () => {
  const mod = fileURLToPath(new URL('../../src/backend/wasm/index.js', import.meta.url));
  for (const dispose of [true, false]) {
    const code = `
      const { createWasmBackend } = await import(${JSON.stringify(mod)});
      const be = await createWasmBackend({ threads: 2, splitSmall: true });
      const t = be.alloc([64 * 64]);
      be.gemm(false, false, 64, 64, 64, 1, t, 0, t, 0, 0, be.alloc([64 * 64]), 0);
      if (be.threadJobs !== 1) throw new Error('not split');
      ${dispose ? 'be.dispose();' : ''}
      console.log(be.describe());`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 20000 });
    assert.equal(r.status, 0, `dispose ${dispose}: exit ${r.status} signal ${r.signal} ${r.stderr}`);
    assert.match(r.stdout, dispose ? /1 thread/ : /2 threads, shared memory/);
  }
});
