#!/usr/bin/env node
/**
 * GEMM throughput of the native backend: GFLOP/s (2·M·N·K / time) on the LSTM-step shape
 * 64×512×2048 and the small-vocabulary output shape 64×512×83 (M×K×N), layouts NN, TN, NT,
 * with 1 thread (pinned to one core with taskset when available) and 2 threads.
 *
 *   npm run build && node bench/gemm-native.mjs [--simd avx512|avx2|scalar] [--ms 400] [--json]
 *       [--precision fp32|bf16|both] [--shapes default|clm] [--peak]
 *
 * --precision bf16 times the bf16 GEMM (operands rounded to bf16, fp32 accumulation: vdpbf16ps
 * or the emulation, as describe() says). --shapes clm: the CL-M shapes (B 64, H 512, T 128):
 * one step 64×512×2048 (NN, TN, NT), the whole-sequence input projection 8192×512×2048 NT,
 * the weight gradient 2048×8192×512 TN and the input gradient 8192×2048×512 NN. --peak
 * compiles bench/simd-peak.cc (g++) and measures one core's vfmadd231ps and vdpbf16ps peak,
 * then prints each row's best as a % of the peak of its precision (× threads).
 *
 * Every configuration is checked against a float64 reference (on bf16-rounded operands for
 * bf16) before it is timed. Reported: median and best of 7 samples of ≥ --ms/7 ms each, after
 * a warm-up.
 */
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
const precisionOpt = opt('precision', 'fp32');
const precisions = precisionOpt === 'both' ? ['fp32', 'bf16'] : [precisionOpt];
if (!precisions.every((p) => p === 'fp32' || p === 'bf16')) throw new Error('--precision must be fp32, bf16 or both');
const shapeSet = opt('shapes', 'default');

// float32 → bf16 → float32 (round to nearest even, NaN kept), for the bf16 reference
const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
const bf16 = (x) => {
  f32[0] = x;
  const u = u32[0];
  u32[0] = (u & 0x7fffffff) > 0x7f800000 ? (u | 0x00400000) & 0xffff0000 : ((u + 0x7fff + ((u >>> 16) & 1)) >>> 0) & 0xffff0000;
  return f32[0];
};

// Child mode: one thread count, already pinned by the parent.
if (argv.includes('--child')) {
  const { createNativeBackend } = await import('../dist/src/backend/native/index.js');
  const threads = Number(opt('child-threads', '1'));
  const shapes = shapeSet === 'clm'
    ? [['step', 64, 512, 2048, ['NN', 'TN', 'NT']], ['seq xW', 8192, 512, 2048, ['NT']], ['dW', 2048, 8192, 512, ['TN']], ['dX', 8192, 2048, 512, ['NN']]]
    : [['lstm', 64, 512, 2048, ['NN', 'TN', 'NT']], ['small', 64, 512, 83, ['NN', 'TN', 'NT']]];
  const rows = [];
  let describe = '';
  for (const precision of precisions) {
  const be = await createNativeBackend({ threads, simd, precision });
  describe = be.describe();
  const rd = precision === 'bf16' ? bf16 : (x) => x;
  for (const [label, M, K, N, layouts] of shapes) {
    for (const layout of layouts) {
      const tA = layout[0] === 'T', tB = layout[1] === 'T';
      const A = be.alloc([M * K]), B = be.alloc([K * N]), C = be.alloc([M * N]);
      let s = 1;
      const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
      for (let i = 0; i < A.size; i++) A.data[i] = rnd();
      for (let i = 0; i < B.size; i++) B.data[i] = rnd();
      be.gemm(tA, tB, M, N, K, 1, A, 0, B, 0, 0, C, 0);
      // float64 reference on a sample of rows
      let maxErr = 0, maxRef = 0;
      for (let i = 0; i < M; i += Math.max(7, Math.floor(M / 6))) {
        for (let j = 0; j < N; j += N > 600 ? 5 : 1) {
          let r = 0;
          for (let k = 0; k < K; k++) {
            const a = rd(tA ? A.data[k * M + i] : A.data[i * K + k]);
            const b = rd(tB ? B.data[j * K + k] : B.data[k * N + j]);
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
      rows.push({ shape: `${label} ${M}x${K}x${N}`, layout, precision, threads, median: samples[3], best: samples[6], relErr: rel });
    }
  }
  }
  process.stdout.write(JSON.stringify({ describe, rows }) + '\n');
  process.exit(0);
}

// Parent: one child per thread count (1 thread pinned to CPU 1 — or 0 on a 1-CPU machine).
const self = fileURLToPath(import.meta.url);
const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

// One core's peak (best of three runs of bench/simd-peak.cc), GFLOP/s per precision.
let peak = null;
if (argv.includes('--peak')) {
  const exe = join(tmpdir(), `rnnlab-simd-peak-${process.pid}`);
  const src = fileURLToPath(new URL('./simd-peak.cc', import.meta.url));
  const cc = spawnSync('g++', ['-O2', '-mavx512f', '-mavx512bf16', src, '-o', exe], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`--peak: cannot compile ${src}: ${cc.stderr || cc.error}`);
  peak = { fp32: 0, bf16: 0 };
  for (let r = 0; r < 3; r++) {
    const cpu = (await import('node:os')).availableParallelism() > 1 ? '1' : '0';
    const run = hasTaskset ? spawnSync('taskset', ['-c', cpu, exe], { encoding: 'utf8' }) : spawnSync(exe, { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`--peak: ${exe} failed (a CPU without AVX-512 BF16?): ${run.stderr}`);
    const p = JSON.parse(run.stdout);
    peak.fp32 = Math.max(peak.fp32, p.fp32FmaGflops);
    peak.bf16 = Math.max(peak.bf16, p.bf16DpGflops);
  }
  spawnSync('rm', ['-f', exe]);
}

const results = [];
for (const t of threadsList) {
  const childArgs = [self, '--child', '--child-threads', String(t), '--ms', String(totalMs), '--precision', precisionOpt, '--shapes', shapeSet];
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
  for (const row of out.rows) {
    const pct = peak ? (100 * row.best) / (peak[row.precision] * row.threads) : null;
    results.push({ ...row, pinned, describe: out.describe, pctOfPeak: pct });
  }
}
if (json) {
  console.log(JSON.stringify({ peak, results }, null, 2));
} else {
  console.log(`native GEMM, GFLOP/s = 2·M·N·K/time (median / best of 7), ${results[results.length - 1]?.describe ?? ''}`);
  if (peak) console.log(`one core's peak (bench/simd-peak.cc, best of 3): vfmadd231ps ${peak.fp32.toFixed(0)} GFLOP/s, vdpbf16ps ${peak.bf16.toFixed(0)} GFLOP/s`);
  console.log(`shape (MxKxN)          layout  prec  threads  pinned   median    best   rel.err${peak ? '  % of peak' : ''}`);
  for (const r of results) {
    console.log(
      `${r.shape.padEnd(22)} ${r.layout.padEnd(7)} ${r.precision.padEnd(5)} ${String(r.threads).padStart(7)}  ${r.pinned.padEnd(7)} ${r.median.toFixed(1).padStart(7)} ${r.best.toFixed(1).padStart(7)}   ${r.relErr.toExponential(1)}${r.pctOfPeak === null ? '' : `${r.pctOfPeak.toFixed(0).padStart(9)}%`}`,
    );
  }
}
