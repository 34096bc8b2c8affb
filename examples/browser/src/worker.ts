/**
 * The training worker: builds a char vocabulary from the pasted text, trains a language model
 * with rnnlab's TrainLoop on the fastest backend the tab offers (wasm), streams the loop's
 * events to the page, then samples and encodes the checkpoint on request. The loop gives the
 * event loop a turn every ~50 ms, which is when a Stop message gets in.
 */
import * as lib from 'rnnlab/browser';
import type { FromWorker, SampleRequest, ToWorker, TrainSettings } from './protocol';

interface Trained {
  model: lib.LanguageModel;
  vocab: lib.Vocab;
  tokenizer: lib.Tokenizer;
}

const post = (m: FromWorker, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(m, transfer);
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Threads for the wasm backend: the cores the browser reports, at most MAX_THREADS (a page
 * shares the machine), and one where the page is not cross-origin isolated (no
 * SharedArrayBuffer: the backend would fall back and say so anyway).
 */
const MAX_THREADS = 4;
const threads = self.crossOriginIsolated === true ? Math.max(1, Math.min(MAX_THREADS, navigator.hardwareConcurrency || 1)) : 1;

const backendReady = lib.createBackend({ threads }).then((choice) => {
  const be = choice.backend;
  const variant = (be as Partial<lib.WasmBackend>).variant;
  post({
    type: 'ready', backend: be.name, variant: typeof variant === 'string' ? variant : '', threads: be.threads,
    crossOriginIsolated: self.crossOriginIsolated === true, reason: choice.reason, describe: be.describe(),
  });
  return be;
});
backendReady.catch((e) => post({ type: 'error', message: `no backend: ${message(e)}` }));

let loop: lib.TrainLoop | null = null;
let trained: Trained | null = null;

/** The settings the model's own checks do not cover, named as the page names them. */
function checkSettings(s: TrainSettings): void {
  const whole = (v: number, name: string, min: number) => {
    if (!Number.isInteger(v) || v < min) throw new Error(`${name} must be a whole number ≥ ${min}, got ${v}`);
  };
  whole(s.batch, 'batch', 1);
  whole(s.seq, 'seq', 1);
  whole(s.maxSteps, 'steps', 1);
  whole(s.seed, 'seed', 0);
  if (!(Number.isFinite(s.lr) && s.lr > 0)) throw new Error(`the learning rate must be a number > 0, got ${s.lr}`);
}

async function train(text: string, s: TrainSettings): Promise<void> {
  checkSettings(s);
  const be = await backendReady;
  const tokenizer = lib.createTokenizer({ kind: 'char', lowercase: false });
  const chars = tokenizer.tokenize(text);
  const counts = new Map<string, number>();
  for (const c of chars) counts.set(c, (counts.get(c) ?? 0) + 1);
  const vocab = lib.Vocab.build(counts, { specials: [] });
  const ids = vocab.encode(chars, 'error').ids;
  // the last tenth is held out, as `rnnlab train` does by default (--val-fraction 0.1)
  const cut = Math.floor(ids.length * 0.9);
  if (cut < s.batch * (s.seq + 1) + 1) {
    throw new Error(`the text is too short for batch ${s.batch} × seq ${s.seq}: paste more (at least ${Math.ceil((s.batch * (s.seq + 1) + 2) / 0.9)} characters)`);
  }
  const model = new lib.LanguageModel(be, {
    vocabSize: vocab.size, cell: s.cell, activation: 'tanh', layers: s.layers, hidden: s.hidden, embed: s.embed,
    dropout: 0, tieWeights: false, init: 'pytorch',
  });
  const rng = new lib.Rng(s.seed);
  model.initialize(rng);
  trained = { model, vocab, tokenizer };
  // many epochs: --max-steps (or Stop) ends the run, not the size of the pasted text
  const settings = {
    ...lib.DEFAULTS, batching: 'stream' as const, batch: s.batch, seq: s.seq, lr: s.lr, seed: s.seed,
    epochs: 1_000_000, maxSteps: s.maxSteps,
  };
  const data = { kind: 'stream' as const, train: ids.subarray(0, cut), val: ids.subarray(cut) };
  const task = new lib.LmTask(model, data, -1, settings);
  loop = new lib.TrainLoop({
    task, settings, rng,
    contents: () => ({ model, vocab, tokenizer, batching: 'stream' }),
    sinks: [{
      event: (e) => {
        if (e.type === 'start') {
          post({ type: 'start', totalSteps: e.total_steps, params: e.params, vocab: vocab.size, trainTokens: e.train_tokens, valTokens: e.val_tokens });
        } else if (e.type === 'step') post({ type: 'step', step: e });
        else if (e.type === 'val') post({ type: 'val', val: e });
      },
    }],
  });
  try {
    const summary = await loop.run();
    post({ type: 'end', stoppedBy: summary.stoppedBy, steps: summary.steps, tokensPerSec: summary.tokensPerSec, seconds: summary.elapsed });
  } finally {
    loop = null;
  }
}

function sampleText(t: Trained, r: SampleRequest): FromWorker {
  const started = performance.now();
  // the same checks `rnnlab sample` makes, so a setting that means nothing here is said so
  lib.checkStrategyOptions(r.strategy, r.options, (k) => k);
  const chars = t.tokenizer.tokenize(r.prime);
  if (chars.length === 0) throw new Error('the prime is empty: type at least one character');
  const unknown = [...new Set([...chars, ...r.ban].filter((c) => !t.vocab.has(c)))];
  if (unknown.length) throw new Error(`the prime or the banned characters have characters the text never had: ${JSON.stringify(unknown.join(''))}`);
  const prime = t.vocab.encode(chars, 'error').ids;
  const bannedIds = r.ban.length ? Array.from(t.vocab.encode([...new Set(r.ban)], 'error').ids) : undefined;
  const detokenize = (ids: number[]) => t.tokenizer.detokenize(t.vocab.decode(ids));
  // as in `rnnlab sample`: a beam strategy's outputs are the n best of one search
  const beamish = r.strategy === 'beam' || r.strategy === 'beam-sample';
  const beams = r.options.beams ?? 5;
  if (beamish && r.numSamples > beams) throw new Error(`${r.numSamples} outputs is more than the beam width ${beams}: a beam search returns at most beams hypotheses (raise beams)`);
  const out = lib.generate(new lib.LmStepModel(t.model), r.strategy, {
    ...r.options, bannedIds, prime, maxTokens: r.maxTokens, seed: r.seed,
    numSamples: beamish ? 1 : r.numSamples, ...(beamish && { beams, nBest: r.numSamples }),
  });
  return {
    type: 'samples',
    texts: out.map((g) => ({ text: r.prime + detokenize(g.ids), logProb: g.logProb, score: g.score, finishedBy: g.finishedBy })),
    seconds: (performance.now() - started) / 1000,
  };
}

self.onmessage = async (ev: MessageEvent<ToWorker>) => {
  const m = ev.data;
  try {
    switch (m.type) {
      case 'train':
        if (loop) throw new Error('a training run is already going');
        await train(m.text, m.settings);
        break;
      case 'stop':
        loop?.stop();
        break;
      case 'sample':
        if (!trained) throw new Error('train a model first');
        if (loop) throw new Error('stop the training first');
        post(sampleText(trained, m.request));
        break;
      case 'download': {
        if (!trained) throw new Error('train a model first');
        // the checkpoint `rnnlab train` writes as model.safetensors: weights, config, vocabulary, tokenizer
        const bytes = lib.encodeCheckpoint({ model: trained.model, vocab: trained.vocab, tokenizer: trained.tokenizer, batching: 'stream' });
        const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
        post({ type: 'model', bytes: buf, name: 'model.safetensors' }, [buf]);
        break;
      }
    }
  } catch (e) {
    post({ type: 'error', message: message(e) });
  }
};
