/**
 * CL-S training throughput in this tab: rnnlab (wasm backend) and TensorFlow.js on the same
 * model (Embedding 65→32, 1-layer LSTM 128, Linear 128→65, softmax cross-entropy at every
 * position, global-norm clipping at 1.0, Adam lr 1e-3) and the same batch (bench/workloads.ts's
 * LCG tokens, B 16 × T 32). Each side: warm-up steps, then timed steps until `seconds` have
 * passed (and at least `minSteps`). The query string picks sides and durations; results go to
 * window.__result for the driver (bench/browser-tfjs/run.ts).
 *
 * `workload` picks another LM workload of bench/workloads.ts (the TF.js sides build one LSTM
 * layer: they run CL-S only), `threads` the wasm backend's thread counts (e.g. 1,2: one rnnlab
 * row each; more than one thread needs this page cross-origin isolated, which the driver does).
 */
import * as lib from 'rnnlab/browser';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { findWorkload, lmBatch, tokensPerStep, type Workload } from '../../workloads';
import type { PageResult, SideResult } from '../result';

const q = new URLSearchParams(location.search);
const SECONDS = Number(q.get('seconds') ?? 5);
const MIN_STEPS = Number(q.get('minSteps') ?? 3);
const WARMUP = Number(q.get('warmup') ?? 2);
const SIDES = (q.get('sides') ?? 'rnnlab-wasm,tfjs-cpu,tfjs-wasm').split(',');
const WORKLOAD = q.get('workload') ?? 'CL-S';
const THREADS = (q.get('threads') ?? '1').split(',').map(Number);

const logEl = document.getElementById('log')!;
const log = (s: string) => { logEl.textContent += s + '\n'; };

/** Warm-up, then timed steps; the step returns the loss (read back, so the work is done). */
async function timeSteps(side: string, detail: string, w: Workload, step: () => number | Promise<number>): Promise<SideResult> {
  const first = await step();
  for (let i = 1; i < WARMUP; i++) await step();
  let steps = 0, last = first;
  const t0 = performance.now();
  while (steps < MIN_STEPS || performance.now() - t0 < SECONDS * 1000) {
    last = await step();
    steps++;
  }
  const seconds = (performance.now() - t0) / 1000;
  const r = { side, detail, warmup: WARMUP, steps, seconds, tokensPerSec: (tokensPerStep(w) * steps) / seconds, msPerStep: (seconds * 1000) / steps, firstLoss: first, lastLoss: last };
  log(`${side}: ${r.tokensPerSec.toFixed(0)} tokens/s (${r.msPerStep.toFixed(2)} ms/step, ${steps} steps; loss ${first.toFixed(3)} → ${last.toFixed(3)})`);
  return r;
}

/** rnnlab: the step of bench/rnnlab-runner.ts (and of the training loop), on the wasm backend. */
async function rnnlab(w: Workload, threads: number): Promise<SideResult> {
  const be = (await lib.createBackend({ name: 'wasm', threads })).backend as lib.WasmBackend;
  try {
    return await rnnlabSteps(w, be, threads);
  } finally {
    be.dispose();
  }
}

async function rnnlabSteps(w: Workload, be: lib.WasmBackend, threads: number): Promise<SideResult> {
  const model = new lib.LanguageModel(be, {
    vocabSize: w.vocab, cell: w.cell, activation: 'tanh', layers: w.layers, hidden: w.hidden, embed: w.embed,
    dropout: w.dropout, tieWeights: false, init: 'pytorch',
  });
  model.initialize(new lib.Rng(1));
  const params = model.params();
  const opt = new lib.Optimizer(be, params, { name: 'adam', lr: 1e-3 });
  const { x, y } = lmBatch(w);
  const state = model.newState(w.B);
  const rng = new lib.Rng(2);
  const side = threads === 1 ? 'rnnlab-wasm' : `rnnlab-wasm-${threads}t`;
  return timeSteps(side, `rnnlab ${be.describe()}`, w, () => {
    model.zeroGrad();
    const r = model.forward(x, y, w.B, w.T, state, true, rng, -1);
    model.backward();
    lib.clipGradNorm(be, params, 1.0);
    opt.apply();
    model.commitState(state);
    return r.nll / r.count;
  });
}

/** TF.js: the same model as tf.layers, trained with variableGrads, global-norm clipping and Adam. */
async function tfjs(w: Workload, backend: 'cpu' | 'wasm'): Promise<SideResult> {
  if (backend === 'wasm') {
    setWasmPaths({ 'tfjs-backend-wasm.wasm': wasmPlain, 'tfjs-backend-wasm-simd.wasm': wasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded });
    // one thread, as rnnlab's wasm backend today (its pthread worker also fails to start from a
    // bundled build: "e is not defined"); SIMD stays on when the engine has it
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  }
  if (!(await tf.setBackend(backend))) throw new Error(`TF.js backend ${backend} did not initialise`);
  await tf.ready();
  // The wasm backend has no UnsortedSegmentSum, the gradient of Embedding's gather: there the
  // embedding is the same map written as one-hot rows times a bias-free [V, E] matrix.
  const oneHotInput = backend === 'wasm';
  const model = tf.sequential({
    layers: [
      oneHotInput
        ? tf.layers.dense({ units: w.embed, useBias: false, inputShape: [w.T, w.vocab] })
        : tf.layers.embedding({ inputDim: w.vocab, outputDim: w.embed, inputLength: w.T }),
      tf.layers.lstm({ units: w.hidden, returnSequences: true }),
      tf.layers.timeDistributed({ layer: tf.layers.dense({ units: w.vocab }) }),
    ],
  });
  const { x: xs, y: ys } = lmBatch(w);
  const ids = tf.tensor2d(xs, [w.B, w.T], 'int32');
  const x = oneHotInput ? tf.oneHot(ids, w.vocab).toFloat() : ids;
  const y = tf.oneHot(tf.tensor1d(ys, 'int32'), w.vocab);
  const opt = tf.train.adam(1e-3);
  const vars = model.trainableWeights.map((v) => (v as unknown as { val: tf.Variable }).val);
  let detail = `TF.js ${tf.version.tfjs}, backend ${tf.getBackend()}${oneHotInput ? ' (embedding as one-hot × matrix)' : ''}`;
  if (backend === 'wasm') detail += `, SIMD ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'on' : 'off'}, 1 thread`;
  return timeSteps(`tfjs-${backend}`, detail, w, async () => {
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        const logits = (model.apply(x, { training: true }) as tf.Tensor).reshape([w.B * w.T, w.vocab]);
        return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
      }, vars);
      // global-norm clipping at 1.0, as rnnlab's step and PyTorch's clip_grad_norm_ do
      const names = Object.keys(grads);
      const norm = tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n])))));
      const scale = tf.minimum(tf.scalar(1), tf.div(tf.scalar(1), tf.add(norm, 1e-6)));
      opt.applyGradients(names.map((name) => ({ name, tensor: tf.mul(grads[name], scale) })));
      return value;
    });
    const v = (await loss.data())[0];
    loss.dispose();
    return v;
  });
}

async function main(): Promise<void> {
  const w = findWorkload(WORKLOAD);
  if (!w || w.kind !== 'lm') throw new Error(`unknown LM workload ${WORKLOAD}`);
  log(`${w.id}: ${w.title}; crossOriginIsolated ${self.crossOriginIsolated}`);
  const results: SideResult[] = [];
  const errors: Record<string, string> = {};
  for (const side of SIDES) {
    try {
      if (side === 'rnnlab-wasm') {
        for (const t of THREADS) results.push(await rnnlab(w, t));
      }
      else if (side === 'tfjs-cpu') results.push(await tfjs(w, 'cpu'));
      else if (side === 'tfjs-wasm') results.push(await tfjs(w, 'wasm'));
      else throw new Error(`unknown side ${side} (rnnlab-wasm, tfjs-cpu, tfjs-wasm)`);
    } catch (e) {
      errors[side] = e instanceof Error ? e.message : String(e);
      log(`${side}: failed: ${errors[side]}`);
    }
  }
  const result: PageResult = { workload: w.id, title: w.title, userAgent: navigator.userAgent, crossOriginIsolated: self.crossOriginIsolated, results, errors };
  (window as unknown as { __result: PageResult }).__result = result;
}

main().catch((e) => { (window as unknown as { __error: string }).__error = String(e?.stack ?? e); });
