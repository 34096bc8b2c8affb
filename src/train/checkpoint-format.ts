/**
 * Checkpoint bytes, with no file system (so a browser can load a model trained in Node).
 * A checkpoint is a safetensors file whose tensor names are the PyTorch state_dict of
 * `embedding` / `rnn` / `decoder`, so `model.load_state_dict(load_file(path))` works in PyTorch.
 * `__metadata__` holds JSON strings: `config`, `vocab` (id → token), `tokenizer` (settings) and,
 * in last.safetensors, `train_state` (step, epoch, data position, RNG state, hyper-parameters).
 * last.safetensors also carries the optimizer state (`optimizer.<param>.exp_avg`, …) and the
 * recurrent state being carried across windows (`state.h_l<k>`, `state.c_l<k>`), which is what
 * makes `--resume` continue the exact loss curve.
 */
import type { Backend } from '../backend/backend.js';
import { RnnlabError } from '../errors.js';
import { decodeSafetensors, encodeSafetensors, type StTensor } from '../io/safetensors.js';
import { validateModelConfig, type ModelConfig } from '../nn/config.js';
import { LanguageModel } from '../nn/language-model.js';
import type { RecurrentState } from '../nn/recurrent.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { Tensor } from '../tensor.js';
import { createTokenizer, type Tokenizer, type TokenizerSettings } from '../text/tokenizers/tokenizer.js';
import { Vocab } from '../text/vocab.js';

export const FORMAT = 'rnnlab-lm/1';

export interface TrainState {
  step: number;
  epoch: number;
  /** Next batch index inside `epoch`. */
  batchIndex: number;
  rng: number[];
  bestValLoss: number | null;
  /** Epochs in a row without validation improvement (--patience); absent in older checkpoints. */
  badEpochs?: number;
  optimizerStep: number;
  lr: number;
  /** The training options of the run, so a resume can refuse a different setup. */
  options: Record<string, unknown>;
  dataFingerprint: string;
  elapsedSeconds: number;
}

export interface LoadedModel {
  model: LanguageModel;
  vocab: Vocab;
  tokenizer: Tokenizer;
  /** Everything beyond the model when the file is a last.safetensors. */
  extra: Map<string, StTensor>;
  trainState: TrainState | null;
  metadata: Record<string, string>;
  /** True when the model was trained on [SOS] … [EOS] documents (so generation starts with [SOS]). */
  documents: boolean;
}

function toSt(t: Tensor): StTensor {
  return { dtype: 'F32', shape: [...t.shape], data: Float32Array.from(t.data) };
}

/** What last.safetensors adds to a model so that `--resume` continues exactly. */
export interface CheckpointTraining {
  state: TrainState;
  optimizer: Optimizer;
  /** The recurrent state carried across stream windows. */
  carried: RecurrentState | null;
  extraMeta?: Record<string, string>;
}

/**
 * The bytes of a checkpoint file. `batching` is how the model saw its data: "stream", or
 * "pad"/"bucket" for documents wrapped in [SOS] … [EOS] (generation then starts with [SOS]).
 */
export function encodeCheckpoint(
  model: LanguageModel, vocab: Vocab, tokenizer: Tokenizer, train?: CheckpointTraining | null, batching?: string,
): Uint8Array {
  const tensors = new Map<string, StTensor>();
  for (const [name, t] of model.stateDict()) tensors.set(name, toSt(t));
  const metadata: Record<string, string> = {
    format: FORMAT,
    config: JSON.stringify(model.config),
    vocab: JSON.stringify(vocab.toJSON()),
    tokenizer: JSON.stringify(tokenizer.settings),
  };
  if (batching) metadata.batching = batching;
  if (train) {
    for (const [name, t] of train.optimizer.stateTensors()) tensors.set(`optimizer.${name}`, toSt(t));
    if (train.carried) {
      train.carried.h.forEach((t, l) => tensors.set(`state.h_l${l}`, toSt(t)));
      train.carried.c?.forEach((t, l) => tensors.set(`state.c_l${l}`, toSt(t)));
    }
    metadata.train_state = JSON.stringify(train.state);
    Object.assign(metadata, train.extraMeta ?? {});
  }
  return encodeSafetensors(tensors, metadata);
}

/** A model (and its vocabulary, tokenizer, training state) from checkpoint bytes; `file` names it in errors. */
export function decodeCheckpoint(bytes: Uint8Array, backend: Backend, file = 'the checkpoint'): LoadedModel {
  const st = decodeSafetensors(bytes, file);
  const meta = st.metadata;
  const json = <T>(key: string): T => {
    if (meta[key] === undefined) throw new RnnlabError(`${file} is not an rnnlab model (no "${key}" metadata)`);
    try {
      return JSON.parse(meta[key]) as T;
    } catch {
      throw new RnnlabError(`${file}: metadata "${key}" is not valid JSON`);
    }
  };
  const config = validateModelConfig(json<ModelConfig>('config'));
  const vocab = Vocab.fromJSON(json<unknown>('vocab'));
  const tokenizer = createTokenizer(json<TokenizerSettings>('tokenizer'));
  if (vocab.size !== config.vocabSize) throw new RnnlabError(`${file}: vocabulary has ${vocab.size} tokens but the model expects ${config.vocabSize}`);
  const model = new LanguageModel(backend, config);
  for (const [name, t] of model.stateDict()) {
    const s = st.tensors.get(name);
    if (!s) throw new RnnlabError(`${file} lacks the tensor ${name}`);
    if (s.shape.join(',') !== t.shape.join(',')) {
      throw new RnnlabError(`${file}: tensor ${name} has shape [${s.shape}] but the config implies [${t.shape}]`);
    }
    for (let i = 0; i < s.data.length; i++) {
      if (!Number.isFinite(s.data[i])) throw new RnnlabError(`${file}: tensor ${name} holds non-finite values`);
    }
    t.data.set(s.data);
  }
  const extra = new Map([...st.tensors].filter(([n]) => n.startsWith('optimizer.') || n.startsWith('state.')));
  const trainState = meta.train_state ? json<TrainState>('train_state') : null;
  // Older files lack "batching": a vocabulary with [SOS] then means documents.
  const documents = meta.batching ? meta.batching !== 'stream' : vocab.sos >= 0;
  return { model, vocab, tokenizer, extra, trainState, metadata: meta, documents };
}
