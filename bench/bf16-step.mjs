#!/usr/bin/env node
/**
 * The matrix work of one CL-M training step (char LM, Embedding 128, 2×LSTM 512, V 83, B 64,
 * T 128) on the native backend, fp32 vs --precision bf16: per layer the input projection GEMM,
 * recurrentForward, recurrentBackward (incl. dW_hh), dW_ih and dX GEMMs, plus the output
 * layer's three GEMMs. Elementwise ops, loss and optimizer are left out (the same in both).
 *
 *   npm run build && node bench/bf16-step.mjs [--threads 1,2] [--reps 5]
 *
 * Prints ms per step (median / best of --reps) and the GEMM-only GFLOP/s it implies.
 */
import { createNativeBackend } from '../dist/src/backend/native/index.js';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const threadsList = opt('threads', '1,2').split(',').map(Number);
const reps = Number(opt('reps', '5'));
const [E, H, V, B, T] = [128, 512, 83, 64, 128];
const G = 4 * H, N = T * B;

let seed = 1;
const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;

function setup(be) {
  const t = (n, s = 1) => {
    const x = be.alloc([n]);
    for (let i = 0; i < n; i++) x.data[i] = rnd() * s;
    return x;
  };
  const layers = [E, H].map((I) => ({
    I, x: t(N * I), wih: t(G * I, 0.05), whh: t(G * H, 0.05), bhh: t(G, 0.1), h0: t(B * H, 0), c0: t(B * H, 0),
    xw: t(N * G, 0), hs: t(N * H, 0), cache: t(N * 5 * H, 0), cT: t(B * H, 0), dhs: t(N * H, 0.01),
    dxw: t(N * G, 0), dwih: t(G * I, 0), dwhh: t(G * H, 0), dbhh: t(G, 0), dh0: t(B * H, 0), dc0: t(B * H, 0), dx: t(N * I, 0),
  }));
  const out = { h: t(N * H), w: t(V * H, 0.05), logits: t(N * V, 0), dl: t(N * V, 0.01), dw: t(V * H, 0), dh: t(N * H, 0) };
  return { layers, out };
}

function step(be, { layers, out }) {
  for (const L of layers) {
    be.gemm(false, true, N, G, L.I, 1, L.x, 0, L.wih, 0, 0, L.xw, 0);
    be.recurrentForward({ cell: 'lstm', T, B, H, xw: L.xw, whh: L.whh, bhh: L.bhh, h0: L.h0, c0: L.c0, hs: L.hs, cache: L.cache, cT: L.cT });
  }
  be.gemm(false, true, N, V, H, 1, out.h, 0, out.w, 0, 0, out.logits, 0);
  be.gemm(true, false, V, H, N, 1, out.dl, 0, out.h, 0, 1, out.dw, 0);
  be.gemm(false, false, N, H, V, 1, out.dl, 0, out.w, 0, 0, out.dh, 0);
  for (const L of [...layers].reverse()) {
    be.recurrentBackward({
      cell: 'lstm', T, B, H, whh: L.whh, h0: L.h0, c0: L.c0, hs: L.hs, cache: L.cache, dhs: L.dhs,
      dxw: L.dxw, dhw: L.dxw, dwhh: L.dwhh, dbhh: L.dbhh, dh0: L.dh0, dc0: L.dc0,
    });
    be.gemm(true, false, G, L.I, N, 1, L.dxw, 0, L.x, 0, 1, L.dwih, 0);
    be.gemm(false, false, N, L.I, G, 1, L.dxw, 0, L.wih, 0, 0, L.dx, 0);
  }
}

// GEMM flops of one step: per layer xw, T steps of h·W_hhᵀ, T steps of dgates·W_hh, dW_hh, dW_ih, dX; output 3.
const flops = [E, H].reduce((s, I) => s + 2 * N * G * I * 3 + 2 * N * G * H * 3, 0) + 3 * 2 * N * V * H;

console.log(`CL-M matrix work per training step (${(flops / 1e9).toFixed(1)} GFLOP of products), native backend`);
console.log('threads  precision  ms/step median   best   GFLOP/s (best)  backend');
for (const threads of threadsList) {
  // fp32 and bf16 steps alternate, so a busy moment of a shared machine hits both alike
  const runs = [];
  for (const precision of ['fp32', 'bf16']) {
    const be = await createNativeBackend({ threads, precision });
    const s = setup(be);
    step(be, s); // warm-up: pools, scratch, packing buffers
    runs.push({ precision, be, s, ms: [] });
  }
  for (let r = 0; r < reps; r++) {
    for (const run of runs) {
      const t0 = performance.now();
      step(run.be, run.s);
      run.ms.push(performance.now() - t0);
    }
  }
  for (const { precision, be, ms } of runs) {
    ms.sort((a, b) => a - b);
    const med = ms[Math.floor(ms.length / 2)], best = ms[0];
    console.log(`${String(threads).padStart(7)}  ${precision.padEnd(9)}  ${med.toFixed(0).padStart(14)} ${best.toFixed(0).padStart(6)}   ${(flops / best / 1e6).toFixed(0).padStart(14)}  ${be.describe()}`);
  }
}
