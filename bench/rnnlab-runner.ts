/**
 * The rnnlab side of one benchmark cell (workload × backend × threads), run in its own child
 * process so its peak RSS is its own: `node dist/bench/run.js --child '<ChildSpec json>'`.
 *
 * Training step (as src/train/loop.ts does it): zeroGrad, forward with cross-entropy at
 * every position (CLS: one per sequence), backward through time, clipGradNorm 1.0, Adam.
 * Sampling run: generate(LmStepModel, 'sample', …) from a fresh state: one prime forward, then
 * one T = 1 forward per generated token.
 */
import { readFileSync } from 'node:fs';
import type { Backend } from '../src/backend/backend.js';
import { createBackend } from '../src/backend/select.js';
import { generate } from '../src/generate/decode.js';
import { LmStepModel } from '../src/generate/lm-step-model.js';
import { Classifier } from '../src/nn/classifier.js';
import { LanguageModel } from '../src/nn/language-model.js';
import type { Param } from '../src/nn/param.js';
import { clipGradNorm } from '../src/optim/clip.js';
import { Optimizer } from '../src/optim/optimizer.js';
import { Rng } from '../src/util/rng.js';
import { emit, type ChildSpec } from './protocol.js';
import { clsBatch, lmBatch, primeIds, type Workload } from './workloads.js';

/** Resident-set size in MB: peak (VmHWM) or current (VmRSS); falls back to resourceUsage. */
export function rssMB(which: 'VmHWM' | 'VmRSS'): number {
  try {
    const m = new RegExp(`^${which}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux
  }
  return which === 'VmHWM' ? process.resourceUsage().maxRSS / 1024 : process.memoryUsage().rss / 1048576;
}

function lmModel(be: Backend, w: Workload, seed: number): LanguageModel {
  const m = new LanguageModel(be, {
    vocabSize: w.vocab, cell: w.cell, activation: 'tanh', layers: w.layers, hidden: w.hidden,
    embed: w.embed, dropout: w.dropout, tieWeights: false, init: 'pytorch',
  });
  m.initialize(new Rng(seed));
  return m;
}

interface Steppable {
  params: Param[];
  /** One step; returns the mean loss (training) or null. */
  step(): number | null;
}

function trainingLm(be: Backend, w: Workload): Steppable {
  const model = lmModel(be, w, 1);
  const params = model.params();
  const opt = new Optimizer(be, params, { name: 'adam', lr: 1e-3 });
  const { x, y } = lmBatch(w);
  const state = model.newState(w.B);
  const rng = new Rng(2);
  const ignore = w.padded ? 0 : -1;
  return {
    params,
    step() {
      model.zeroGrad();
      const r = model.forward(x, y, w.B, w.T, state, true, rng, ignore);
      model.backward();
      clipGradNorm(be, params, 1.0);
      opt.apply();
      if (w.carryState) model.commitState(state);
      return r.nll / r.count;
    },
  };
}

/** rnnlab's Classifier (src/nn/classifier.ts), the model `rnnlab classify train` trains. */
export function benchClassifier(be: Backend, w: Workload): Classifier {
  return new Classifier(be, {
    vocabSize: w.vocab, classes: w.classes, model: w.model === 'cnn' ? 'cnn' : w.cell, embed: w.embed, hidden: w.hidden,
    layers: w.layers, bidirectional: w.bidirectional, pool: w.pool, dropout: w.dropout, kernel: 3, stride: 2,
  });
}

function trainingCls(be: Backend, w: Workload): Steppable {
  const model = benchClassifier(be, w);
  model.initialize(new Rng(1));
  const params = model.params();
  const opt = new Optimizer(be, params, { name: 'adam', lr: 1e-3 });
  const { x, labels, lengths } = clsBatch(w);
  return {
    params,
    step() {
      model.zeroGrad();
      const r = model.forward(x, lengths, w.B, w.T, labels, true, null);
      model.backward();
      clipGradNorm(be, params, 1.0);
      opt.apply();
      return r.nll / r.count;
    },
  };
}

function sampling(be: Backend, w: Workload): Steppable {
  const model = lmModel(be, w, 1);
  const stepModel = new LmStepModel(model);
  const prime = primeIds(w);
  let run = 0;
  return {
    params: model.params(),
    step() {
      const [g] = generate(stepModel, 'sample', { prime, maxTokens: w.T, temperature: w.temperature, topK: w.topK, seed: run++ });
      if (g.ids.length !== w.T) throw new Error(`generated ${g.ids.length} tokens, expected ${w.T}`);
      return null;
    },
  };
}

export async function runChild(spec: ChildSpec): Promise<void> {
  const w = spec.workload;
  if (spec.backend === 'torch') throw new Error('torch cells run in torch_bench.py');
  const { backend: be } = await createBackend({ name: spec.backend, threads: spec.threads, precision: spec.precision });
  emit({ event: 'start', describe: be.describe(), threads: be.threads, baselineRssMB: rssMB('VmRSS') });
  const job = w.kind === 'lm' ? trainingLm(be, w) : w.kind === 'cls' ? trainingCls(be, w) : sampling(be, w);
  const t0 = performance.now();
  let last = 0;
  const over = () => (performance.now() - t0 + last) / 1000 > spec.cap;
  const one = (index: number, warmup: boolean) => {
    const s = performance.now();
    const loss = job.step();
    last = performance.now() - s;
    emit({ event: 'step', index, warmup, ms: last, loss, peakRssMB: rssMB('VmHWM') });
  };
  let capped = false;
  for (let i = 0; i < spec.warmup; i++) {
    if (i > 0 && over()) {
      capped = true;
      break;
    }
    one(i, true);
  }
  // A warm-up that alone used up the budget stands in for the timed steps (flagged by the parent).
  const warmupOnly = spec.warmup > 0 && (performance.now() - t0) / 1000 > spec.cap;
  if (warmupOnly) capped = true;
  for (let i = 0; i < (warmupOnly ? 0 : spec.steps); i++) {
    if (i > 0 && over()) {
      capped = true;
      break;
    }
    one(i, false);
  }
  const heap = (be as { memoryBytes?: number }).memoryBytes;
  emit({
    event: 'done',
    peakRssMB: rssMB('VmHWM'),
    heapMB: typeof heap === 'number' ? heap / 1048576 : undefined,
    params: job.params.reduce((s, p) => s + p.value.size, 0),
    note: capped ? `time cap ${spec.cap} s reached` : undefined,
  });
}
