/**
 * One scenario run twice: in headless Chromium and in Node, on `rnnlab/browser` only (the page
 * imports dist/src/browser.js, with no bundler and no import map). It trains a small char LSTM
 * with the trainer's step (forward, backward, clip, Adam), then loads a checkpoint given as bytes
 * and decodes from it. The test compares the two runs' numbers.
 */
import type * as Lib from '../../src/browser.js';

export interface ScenarioResult {
  backend: string;
  /** The wasm module variant, or '' when not on wasm. */
  variant: string;
  reason: string;
  losses: number[];
  valBits: number;
  /** Greedy continuation from the loaded checkpoint. */
  greedy: string;
  /** Sampled continuation (seeded) from the loaded checkpoint. */
  sampled: string;
  /** The checkpoint re-encoded after training, decoded again: its first decoder weights. */
  roundTrip: number[];
}

export const TEXT = `It was a bright cold day in April, and the clocks were striking thirteen. The Time
Traveller (for so it will be convenient to speak of him) was expounding a recondite matter to us.
His grey eyes shone and twinkled, and his usually pale face was flushed and animated. `.repeat(6);

export async function scenario(lib: typeof Lib, checkpoint: Uint8Array): Promise<ScenarioResult> {
  const choice = await lib.createBackend();
  const be = choice.backend;
  const tok = lib.createTokenizer({ kind: 'char', lowercase: false });
  const chars = tok.tokenize(TEXT);
  const counts = new Map<string, number>();
  for (const c of chars) counts.set(c, (counts.get(c) ?? 0) + 1);
  const vocab = lib.Vocab.build(counts, { specials: [] });
  const ids = vocab.encode(chars, 'error').ids;
  const cut = Math.floor(ids.length * 0.9);
  const model = new lib.LanguageModel(be, {
    vocabSize: vocab.size, cell: 'lstm', activation: 'tanh', layers: 2, hidden: 48, embed: 16,
    dropout: 0.1, tieWeights: false, init: 'pytorch',
  });
  const rng = new lib.Rng(11);
  model.initialize(rng);
  const opt = new lib.Optimizer(be, model.params(), { name: 'adam', lr: 1e-2 });
  const batches = new lib.StreamBatcher(ids.subarray(0, cut), 4, 32);
  const state = model.newState(4);
  const losses: number[] = [];
  for (let epoch = 0; epoch < 6; epoch++) {
    for (let k = 0; k < batches.windows; k++) {
      const w = batches.window(k);
      model.zeroGrad();
      const r = model.forward(w.x, w.y, w.B, w.T, state, true, rng);
      model.backward();
      lib.clipGradNorm(be, model.params(), 1);
      opt.apply();
      model.commitState(state);
      losses.push(r.nll / r.count);
    }
  }
  const val = lib.evaluateStream(model, ids.subarray(cut), 2, 32);

  const bytes = lib.encodeCheckpoint({ model, vocab, tokenizer: tok, batching: 'stream' });
  const again = lib.decodeCheckpoint(bytes, be);
  const roundTrip = Array.from(again.model.stateDict().get('decoder.weight')!.data.subarray(0, 8));

  const loaded = lib.decodeCheckpoint(checkpoint, be, 'model.safetensors');
  const sm = new lib.LmStepModel(loaded.model);
  const prime = loaded.vocab.encode(loaded.tokenizer.tokenize('The '), 'error').ids;
  const text = (strategy: Lib.Strategy, extra: Partial<Lib.BeamOptions>) => {
    const [g] = lib.generate(sm, strategy, { prime, maxTokens: 60, seed: 5, ...extra });
    return loaded.tokenizer.detokenize(loaded.vocab.decode(g.ids));
  };
  const wasm = be as Partial<Lib.WasmBackend>;
  return {
    backend: be.name,
    variant: typeof wasm.variant === 'string' ? wasm.variant : '',
    reason: choice.reason,
    losses,
    valBits: val.bitsPerToken,
    greedy: text('greedy', {}),
    sampled: text('sample', { temperature: 0.8, topK: 5 }),
    roundTrip,
  };
}
