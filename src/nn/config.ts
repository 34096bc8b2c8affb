import type { CellKind } from '../backend/backend.js';
import { RnnlabError } from '../errors.js';
import { validateInit, type InitScheme } from './init.js';

/** What a language model is; saved as the `config` metadata of every checkpoint. */
export interface ModelConfig {
  vocabSize: number;
  cell: 'lstm' | 'gru' | 'rnn';
  /** Nonlinearity of a plain RNN (nn.RNN's `nonlinearity`); ignored by LSTM/GRU. */
  activation: 'tanh' | 'relu';
  layers: number;
  hidden: number;
  /** Embedding width; 0 means one-hot input (the first layer's input size is the vocabulary). */
  embed: number;
  /** Dropout between recurrent layers and before the decoder. */
  dropout: number;
  /** decoder.weight shares embedding.weight (needs embed === hidden). */
  tieWeights: boolean;
  init: InitScheme;
}

export function cellKind(c: Pick<ModelConfig, 'cell' | 'activation'>): CellKind {
  return c.cell === 'rnn' ? (c.activation === 'relu' ? 'rnn_relu' : 'rnn_tanh') : c.cell;
}

export function validateModelConfig(c: ModelConfig): ModelConfig {
  const int = (v: number, name: string, min: number) => {
    if (!Number.isInteger(v) || v < min) throw new RnnlabError(`${name} must be an integer ≥ ${min}, got ${v}`);
  };
  int(c.vocabSize, 'vocabulary size', 1);
  int(c.layers, 'layers', 1);
  int(c.hidden, 'hidden', 1);
  int(c.embed, 'embed', 0);
  if (!['lstm', 'gru', 'rnn'].includes(c.cell)) throw new RnnlabError(`cell must be lstm, gru or rnn, got ${c.cell}`);
  if (!['tanh', 'relu'].includes(c.activation)) throw new RnnlabError(`activation must be tanh or relu, got ${c.activation}`);
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new RnnlabError(`dropout must be in [0, 1), got ${c.dropout}`);
  if (c.tieWeights && c.embed !== c.hidden) {
    throw new RnnlabError(`--tie-weights needs the embedding size to equal the hidden size (embed ${c.embed}, hidden ${c.hidden})`);
  }
  validateInit(c.init);
  return c;
}
