#!/usr/bin/env node
/**
 * GEMM throughput of the native backend: GFLOP/s (2·M·N·K / time) on the LSTM-step shape
 * 64×512×2048 and the small-vocabulary output shape 64×512×83 (M×K×N), layouts NN, TN, NT,
 * with 1 thread (pinned to one core with taskset when available) and 2 threads.
 *
 *   npm run build && node bench/gemm-native.mjs [--simd avx512|avx2|scalar] [--ms 400] [--json]
 *
 * Every configuration is checked against a float64 reference before it is timed. Reported:
 * median and best of 7 samples of ≥ --ms/7 ms each, after a warm-up.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const simd = opt('simd', undefined);
const totalMs = Number(opt('ms', 400));
const threadsList = (opt('threads', '1,2')).split(',').map(Number);
const json = argv.includes('--json');

// Child mode: one thread count, already pinned by the parent.
if (argv.includes('--child')) {
  const { createNativeBackend } = await import('../dist/src/backend/native/index.js');
  const threads = Number(opt('child-threads', '1'));
  const be = await createNativeBackend({ threads, simd });
  const shapes = [
    ['lstm', 64, 512, 2048],
    ['small', 64, 512, 83],
  ];
  const rows = [];
  for (const [label, M, K, N] of shapes) {
    for (const layout of ['NN', 'TN', 'NT']) {
      const tA = layout[0] === 'T', tB = layout[1] === 'T';
      const A = be.alloc([M * K]), B = be.alloc([K * N]), C = be.alloc([M * N]);
      let s = 1;
      const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
      for (let i = 0; i < A.size; i++) A.data[i] = rnd();
      for (let i = 0; i < B.size; i++) B.data[i] = rnd();
      be.gemm(tA, tB, M, N, K, 1, A, 0, B, 0, 0, C, 0);
      // float64 reference on a sample of rows
      let maxErr = 0, maxRef = 0;
      for (let i = 0; i < M; i += 7) {
        for (let j = 0; j < N; j++) {
          let r = 0;
          for (let k = 0; k < K; k++) {
            const a = tA ? A.data[k * M + i] : A.data[i * K + k];
            const b = tB ? B.data[j * K + k] : B.data[k * N + j];
            r += a * b;
          }
          maxErr = Math.max(maxErr, Math.abs(r - C.data[i * N + j]));
          maxRef = Math.max(maxRef, Math.abs(r));
        }
      }
      const rel = maxErr / maxRef;
      if (!(rel < 1e-4)) throw new Error(`${label} ${layout}: wrong result (rel err ${rel})`);
      const run = () => be.gemm(tA, tB, M, N, K, 1, A, 0, B, 0, 0, C, 0);
      // warm-up ~50 ms
      let t0 = performance.now();
      while (performance.now() - t0 < 50) run();
      const samples = [];
      for (let r = 0; r < 7; r++) {
        let n = 0;
        t0 = performance.now();
        let t1;
        do {
          run();
          n++;
          t1 = performance.now();
        } while (t1 - t0 < totalMs / 7);
        samples.push((2 * M * N * K * n) / ((t1 - t0) * 1e-3) / 1e9);
      }
      samples.sort((x, y) => x - y);
      rows.push({ shape: `${label} ${M}x${K}x${N}`, layout, threads, median: samples[3], best: samples[6], relErr: rel });
    }
  }
  process.stdout.write(JSON.stringify({ describe: be.describe(), rows }) + '\n');
  process.exit(0);
}

// Parent: one child per thread count (1 thread pinned to CPU 1 — or 0 on a 1-CPU machine).
const self = fileURLToPath(import.meta.url);
const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
const results = [];
for (const t of threadsList) {
  const childArgs = [self, '--child', '--child-threads', String(t), '--ms', String(totalMs)];
  if (simd) childArgs.push('--simd', simd);
  let cmd = process.execPath, args = childArgs, pinned = 'no';
  if (t === 1 && hasTaskset) {
    const cpu = (await import('node:os')).availableParallelism() > 1 ? '1' : '0';
    cmd = 'taskset';
    args = ['-c', cpu, process.execPath, ...childArgs];
    pinned = `cpu ${cpu}`;
  }
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) {
    console.error(r.stderr || r.stdout);
    process.exit(1);
  }
  const out = JSON.parse(r.stdout.trim().split('\n').pop());
  for (const row of out.rows) results.push({ ...row, pinned, describe: out.describe });
}
if (json) {
  console.log(JSON.stringify(results, null, 2));
} else {
  console.log(`native GEMM, GFLOP/s = 2·M·N·K/time (median / best of 7), ${results[0]?.describe ?? ''}`);
  console.log('shape (MxKxN)          layout  threads  pinned   median    best   rel.err');
  for (const r of results) {
    console.log(
      `${r.shape.padEnd(22)} ${r.layout.padEnd(7)} ${String(r.threads).padStart(7)}  ${r.pinned.padEnd(7)} ${r.median.toFixed(1).padStart(7)} ${r.best.toFixed(1).padStart(7)}   ${r.relErr.toExponential(1)}`,
    );
  }
}
