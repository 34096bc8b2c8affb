#!/usr/bin/env node
// GEMM throughput of the wasm backend's kernels (reads dist/wasm/*.wasm; build first).
//   taskset -c 1 node bench/gemm-wasm.mjs [--quick]
// Shapes M×K×N: lstm 64×512×2048 (NN, TN, NT), small 64×512×83 (NN, TN, NT).
// Checks every result against a float64 reference before timing; reports GFLOP/s = 2MNK/time,
// best of several timed repetitions (the host is noisy; disturbance only slows things down).
import { readFile } from 'node:fs/promises';
import v8 from 'node:v8';

const quick = process.argv.includes('--quick');
const dir = new URL('../dist/wasm/', import.meta.url);
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

async function load(file) {
  const bytes = await readFile(new URL(file, dir));
  if (!WebAssembly.validate(bytes)) return null;
  const { instance } = await WebAssembly.instantiate(bytes, {});
  return instance.exports;
}

function makeHeap(ex) {
  let top = (ex.heapBase() + 63) & ~63;
  return {
    alloc(floats) {
      const p = top;
      top = (top + floats * 4 + 63) & ~63;
      const need = top - ex.memory.buffer.byteLength;
      if (need > 0) ex.memory.grow(Math.ceil(need / 65536));
      return p;
    },
    f32(p, n) { return new Float32Array(ex.memory.buffer, p, n); },
  };
}

const KC = 256, MC = 128, NC = 4096;

function bench(ex, heap, layout, M, K, N) {
  const tA = layout[0] === 'T' ? 1 : 0, tB = layout[1] === 'T' ? 1 : 0;
  const A = heap.alloc(M * K), B = heap.alloc(K * N), C = heap.alloc(M * N);
  const pA = heap.alloc(MC * KC), pB = heap.alloc(KC * Math.min(NC, (N + 15) & ~15));
  const a = heap.f32(A, M * K), b = heap.f32(B, K * N);
  for (let i = 0; i < a.length; i++) a[i] = Math.sin(i * 0.37) * 0.5;
  for (let i = 0; i < b.length; i++) b[i] = Math.cos(i * 0.11) * 0.5;
  const lda = tA ? M : K, ldb = tB ? K : N;
  ex.gemmCore(tA, tB, M, N, K, 1, A, lda, B, ldb, 0, C, N, pA, pB, 0);
  // check
  const c = heap.f32(C, M * N), av = heap.f32(A, M * K), bv = heap.f32(B, K * N);
  let maxErr = 0, maxRef = 0;
  for (let i = 0; i < M; i += Math.max(1, (M / 16) | 0)) {
    for (let j = 0; j < N; j += Math.max(1, (N / 64) | 0)) {
      let s = 0;
      for (let k = 0; k < K; k++) s += (tA ? av[k * M + i] : av[i * K + k]) * (tB ? bv[j * K + k] : bv[k * N + j]);
      maxErr = Math.max(maxErr, Math.abs(c[i * N + j] - s));
      maxRef = Math.max(maxRef, Math.abs(s));
    }
  }
  if (maxErr / maxRef > 1e-4) throw new Error(`${layout} ${M}x${K}x${N}: rel err ${maxErr / maxRef}`);
  const flop = 2 * M * N * K;
  const reps = Math.max(1, Math.round(3e8 / flop));
  let best = Infinity;
  for (let s = 0; s < (quick ? 5 : 15); s++) {
    const t0 = process.hrtime.bigint();
    for (let r = 0; r < reps; r++) ex.gemmCore(tA, tB, M, N, K, 1, A, lda, B, ldb, 0, C, N, pA, pB, 0);
    const dt = Number(process.hrtime.bigint() - t0) / 1e9 / reps;
    best = Math.min(best, dt);
  }
  return { gflops: flop / best / 1e9, relErr: maxErr / maxRef };
}

const shapes = [
  ['lstm', 64, 512, 2048],
  ['small', 64, 512, 83],
];
const rows = [];
for (const [variant, file] of [['SIMD128', 'rnnlab.wasm'], ['relaxed FMA', 'rnnlab-relaxed.wasm']]) {
  const ex = await load(file);
  if (!ex) { console.log(`${variant}: module does not validate here`); continue; }
  const heap = makeHeap(ex);
  const row = { variant };
  for (const [name, M, K, N] of shapes) {
    for (const layout of ['NN', 'TN', 'NT']) {
      const r = bench(ex, heap, layout, M, K, N);
      row[`${name} ${layout}`] = r.gflops.toFixed(1);
    }
  }
  rows.push(row);
}
console.log('GEMM GFLOP/s (M×K×N: lstm 64×512×2048, small 64×512×83), best of samples');
console.table(rows);

// Whole recurrent layers through the backend (needs `npm run build` for dist/src).
let createWasmBackend;
try {
  ({ createWasmBackend } = await import('../dist/src/backend/wasm/index.js'));
} catch {
  console.log('(dist/src not built: skipping the recurrent-layer timings)');
}
if (createWasmBackend) {
  const T = 32, B = 64, H = 512;
  const layerRows = [];
  for (const relaxed of [false, true]) {
    const be = await createWasmBackend({ relaxed });
    for (const cell of ['lstm', 'gru', 'rnn_tanh']) {
      const g = cell === 'lstm' ? 4 : cell === 'gru' ? 3 : 1;
      const G = g * H, W = cell === 'lstm' ? 5 * H : cell === 'gru' ? 4 * H : 0;
      const t = (n) => { const x = be.alloc([n]); const d = x.data; for (let i = 0; i < n; i++) d[i] = Math.sin(i * 0.7) * 0.1; return x; };
      const xw = t(T * B * G), whh = t(G * H), bhh = t(G), h0 = t(B * H), c0 = cell === 'lstm' ? t(B * H) : null;
      const hs = be.alloc([T * B * H]), cache = be.alloc([Math.max(1, T * B * W)]), cT = cell === 'lstm' ? be.alloc([B * H]) : null;
      const dhs = t(T * B * H), dxw = be.alloc([T * B * G]), dhw = be.alloc([T * B * G]);
      const dwhh = be.alloc([G * H]), dbhh = be.alloc([G]), dh0 = be.alloc([B * H]), dc0 = cell === 'lstm' ? be.alloc([B * H]) : null;
      const fwd = () => be.recurrentForward({ cell, T, B, H, xw, whh, bhh, h0, c0, hs, cache, cT });
      const bwd = () => be.recurrentBackward({ cell, T, B, H, whh, h0, c0, hs, cache, dhs, dxw, dhw, dwhh, dbhh, dh0, dc0 });
      const time = (fn) => {
        fn();
        let best = Infinity;
        for (let s = 0; s < (quick ? 3 : 7); s++) {
          const t0 = process.hrtime.bigint();
          fn();
          best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
        }
        return best;
      };
      const gemmFlopF = T * 2 * B * H * G;
      const tf = time(fwd), tb = time(bwd);
      layerRows.push({
        variant: be.describe(), cell,
        'fwd ms': tf.toFixed(2), 'fwd GFLOP/s': (gemmFlopF / tf / 1e6).toFixed(1),
        'bwd ms': tb.toFixed(2), 'bwd GFLOP/s': ((2 * gemmFlopF) / tb / 1e6).toFixed(1),
      });
    }
  }
  console.log(`Recurrent layer, T=${T} B=${B} H=${H} (GFLOP/s counts the GEMM flops: fwd T·2·B·H·G, bwd twice that)`);
  console.table(layerRows);
}
