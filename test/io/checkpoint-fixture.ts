/** A small valid checkpoint for the integrity and fuzz tests: a 1-layer LSTM, with or without training state. */
import type { Backend } from '../../src/backend/backend.js';
import { LanguageModel } from '../../src/nn/language-model.js';
import { Optimizer } from '../../src/optim/optimizer.js';
import { createTokenizer } from '../../src/text/tokenizers/tokenizer.js';
import { Vocab } from '../../src/text/vocab.js';
import { encodeCheckpoint, type TrainState } from '../../src/train/checkpoint-format.js';
import { Rng } from '../../src/util/rng.js';

export function smallCheckpoint(be: Backend, training: boolean): Uint8Array {
  const vocab = new Vocab(['a', 'b', 'c', ' ']);
  const model = new LanguageModel(be, { vocabSize: 4, cell: 'lstm', activation: 'tanh', layers: 1, hidden: 8, embed: 4, dropout: 0, tieWeights: false, init: 'pytorch' });
  model.initialize(new Rng(1));
  const state: TrainState = {
    step: 3, epoch: 0, batchIndex: 3, rng: [1, 2, 3, 4], bestValLoss: null, optimizerStep: 3, lr: 0.01, options: {},
    dataFingerprint: 'abc', elapsedSeconds: 0.5,
  };
  return encodeCheckpoint({
    model, vocab, tokenizer: createTokenizer({ kind: 'char', lowercase: false }),
    training: training ? { state, optimizer: new Optimizer(be, model.params(), { name: 'adam', lr: 0.01 }) } : null,
  });
}
