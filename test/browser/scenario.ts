/**
 * One scenario run twice: in headless Chromium and in Node, on `rnnlab/browser` only (the page
 * imports dist/src/browser.js, with no bundler and no import map). It trains a small char LSTM
 * with the CLI's TrainLoop and sinks of its own (events, checkpoint bytes), then loads a
 * checkpoint given as bytes and decodes from it. The test compares the two runs' numbers.
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
  // The CLI's training loop, with sinks of the page's own: the events and the checkpoint bytes.
  const settings = { ...lib.DEFAULTS, batching: 'stream' as const, batch: 4, seq: 32, epochs: 6, lr: 1e-2, seed: 11 };
  const data = { kind: 'stream' as const, train: ids.subarray(0, cut), val: ids.subarray(cut) };
  const losses: number[] = [];
  let valBits = NaN;
  const best: { bytes?: Uint8Array } = {};
  const loop = new lib.TrainLoop({
    task: new lib.LmTask(model, data, -1, settings), settings, rng,
    contents: () => ({ model, vocab, tokenizer: tok, batching: 'stream' }),
    sinks: [{
      event: (e) => {
        if (e.type === 'step') losses.push(e.loss);
        if (e.type === 'val') valBits = e.bits_per_token;
      },
      checkpoint: (kind, encode) => {
        if (kind === 'best') best.bytes = encode();
      },
    }],
  });
  const summary = await loop.run();
  if (summary.stoppedBy !== 'epochs' || !best.bytes) throw new Error(`the loop stopped by ${summary.stoppedBy}`);
  const again = lib.decodeCheckpoint(best.bytes, be);
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
    valBits,
    greedy: text('greedy', {}),
    sampled: text('sample', { temperature: 0.8, topK: 5 }),
    roundTrip,
  };
}
