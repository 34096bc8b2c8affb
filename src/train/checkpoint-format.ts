/**
 * Checkpoint bytes, with no file system (so a browser can load a model trained in Node).
 * A checkpoint is a safetensors file whose tensor names are the model's PyTorch state_dict
 * (parameters and buffers), so `model.load_state_dict(load_file(path))` works in PyTorch.
 * `__metadata__` holds strings: `format` (rnnlab/2), `arch` (the registry key of
 * src/nn/architectures.ts), and JSON `config`, `vocab` (id → token), `tokenizer` (settings),
 * `batching`, `frozen` (names of frozen parameters), `precision` (fp32 or bf16: the arithmetic
 * the model was trained or last saved with; absent in older files, which are fp32 — the
 * weights are float32 either way); in last.safetensors also `train_state`
 * (step, epoch, data position, RNG state, optimizer step counts, hyper-parameters) and
 * `run_config` (the whole run configuration, so `--resume` needs nothing typed again).
 * last.safetensors also carries the optimizer state (`optimizer.<param>.exp_avg`, …) and the
 * recurrent state carried across windows (`state.h_l<k>`, `state.c_l<k>`), which is what makes
 * `--resume` continue the exact loss curve.
 *
 * Files written before the registry (`format: rnnlab-lm/1`, no `arch`) are language models
 * and load as such.
 */
import type { GuardState } from './step-guard.js';
import type { Backend, Precision } from '../backend/backend.js';
import type { EvalResult } from '../eval/perplexity.js';
import { RnnlabError } from '../errors.js';
import { DATA_CHECKSUM, decodeSafetensors, encodeSafetensors, HEADER_CHECKSUM, type StTensor } from '../io/safetensors.js';
import { architecture } from '../nn/architectures.js';
import { buildWithin, checkTrainState } from './checkpoint-checks.js';
import { Classifier } from '../nn/classifier.js';
import { LanguageModel } from '../nn/language-model.js';
import type { Model } from '../nn/model.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { RunConfig } from '../run/config.js';
import type { Tensor } from '../tensor.js';
import { createTokenizer, type Tokenizer, type TokenizerSettings } from '../text/tokenizers/tokenizer.js';
import { Vocab } from '../text/vocab.js';


/**
 * Metadata of a checkpoint that belongs to its training run or to this very file (the checksums),
 * not to the model: an export leaves it out.
 */
export const TRAINING_METADATA: ReadonlySet<string> = new Set(['train_state', 'run_config', DATA_CHECKSUM, HEADER_CHECKSUM]);

export const FORMAT = 'rnnlab/2';
/** The format of files written before the architecture registry: always a language model. */
export const LEGACY_FORMAT = 'rnnlab-lm/1';

export interface TrainState {
  step: number;
  epoch: number;
  /** Next batch index inside `epoch`. */
  batchIndex: number;
  rng: number[];
  /** Best validation loss at an epoch end (what --lr-decay and --patience compare with). */
  bestValLoss: number | null;
  /** Epochs in a row without validation improvement (--patience); absent in older checkpoints. */
  badEpochs?: number;
  /** Validation loss of the weights in model.safetensors (any validation, epoch end or final); absent in older checkpoints. */
  savedValLoss?: number | null;
  /** That whole validation (perplexity, bits per token, tokens), so a resumed run can report it. */
  savedVal?: EvalResult | null;
  /** The step model.safetensors was written at; absent in older checkpoints. */
  savedStep?: number;
  /** Batches skipped for non-finite numbers and the streaks the step guard counts (src/train/step-guard.ts); absent in older checkpoints. */
  guard?: GuardState;
  /** optimizer.step (apply() calls). */
  optimizerStep: number;
  /** Updates per parameter (Adam's bias correction); absent in older checkpoints (then optimizerStep for all). */
  optimizerSteps?: Record<string, number>;
  lr: number;
  /** The plateau schedule's decays so far (absent before schedules: lr / the base rate). */
  lrFactor?: number;
  /** The training settings of the run, so a resume can refuse a different setup. */
  options: Record<string, unknown>;
  dataFingerprint: string;
  /** Training seconds so far (validation excluded), over every session of the run. */
  elapsedSeconds: number;
  /** Classifiers: rows classified right and rows seen so far in the current epoch (the running accuracy). */
  epochCorrect?: number;
  epochRows?: number;
}

export interface LoadedModel<M extends Model = Model> {
  model: M;
  vocab: Vocab;
  tokenizer: Tokenizer;
  /** Everything beyond the model when the file is a last.safetensors (optimizer and carried state). */
  extra: Map<string, StTensor>;
  trainState: TrainState | null;
  /** The run configuration saved by a training run (last.safetensors), or null. */
  runConfig: Partial<RunConfig> | null;
  metadata: Record<string, string>;
  /** True when the model was trained on [SOS] … [EOS] documents (so generation starts with [SOS]). */
  documents: boolean;
  /** The precision the checkpoint records (fp32 for files from before --precision). */
  precision: Precision;
}

/**
 * A tensor for the file. float32 storage is passed as its view, not copied: encoding copies it
 * into the file's bytes anyway, and no backend allocates (so no wasm memory grows) meanwhile.
 */
function toSt(t: Tensor, dtype: StTensor['dtype'] = 'F32'): StTensor {
  if (dtype !== 'F32') return { dtype, shape: [...t.shape], data: Int32Array.from(t.data, (v) => Math.round(v)) };
  const d = t.data;
  return { dtype, shape: [...t.shape], data: d instanceof Float32Array ? d : Float32Array.from(d) };
}

/** What last.safetensors adds to a model so that `--resume` continues exactly. */
export interface CheckpointTraining {
  state: TrainState;
  optimizer: Optimizer;
  /** Further tensors to keep (the recurrent state carried across stream windows: `state.h_l0`, …). */
  tensors?: Map<string, Tensor>;
  /** The run configuration (saved as `run_config`). */
  runConfig?: RunConfig;
}

export interface CheckpointContents {
  model: Model;
  vocab: Vocab;
  tokenizer: Tokenizer;
  /** How the model saw its data: "stream" or "window" (a token stream), or "pad"/"bucket" for [SOS] … [EOS] documents. */
  batching?: string;
  /** More metadata the model kind needs to be used (a classifier's class names), as JSON-string values. */
  meta?: Record<string, string>;
  training?: CheckpointTraining | null;
}

/** The bytes of a checkpoint file. */
export function encodeCheckpoint(c: CheckpointContents): Uint8Array {
  const { model } = c;
  const tensors = new Map<string, StTensor>();
  const int64 = new Set(model.buffers().filter((b) => b.dtype === 'int64').map((b) => b.name));
  for (const [name, t] of model.stateDict()) tensors.set(name, toSt(t, int64.has(name) ? 'I64' : 'F32'));
  const frozen = model.params().filter((p) => p.frozen).map((p) => p.name);
  const metadata: Record<string, string> = {
    format: FORMAT,
    arch: model.arch,
    config: JSON.stringify(model.config),
    vocab: JSON.stringify(c.vocab.toJSON()),
    tokenizer: JSON.stringify(c.tokenizer.settings),
    // the arithmetic of the backend the model lives on (the run's --precision)
    precision: model.backend.precision ?? 'fp32',
  };
  if (frozen.length) metadata.frozen = JSON.stringify(frozen);
  if (c.batching) metadata.batching = c.batching;
  for (const [k, v] of Object.entries(c.meta ?? {})) {
    if (k in metadata) throw new Error(`checkpoint metadata ${k} is rnnlab's own`);
    metadata[k] = v;
  }
  const train = c.training;
  if (train) {
    for (const [name, t] of train.optimizer.stateTensors()) tensors.set(`optimizer.${name}`, toSt(t));
    for (const [name, t] of train.tensors ?? []) tensors.set(name, toSt(t));
    metadata.train_state = JSON.stringify(train.state);
    if (train.runConfig) metadata.run_config = JSON.stringify(train.runConfig);
  }
  return encodeSafetensors(tensors, metadata);
}

/**
 * A model (and its vocabulary, tokenizer, training state) from checkpoint bytes; `file` names it
 * in errors. Nothing in the file is trusted: the safetensors layer checks sizes and checksums,
 * and every metadata entry is checked before use, so a damaged file is one RnnlabError.
 */
export function decodeCheckpoint(bytes: Uint8Array, backend: Backend, file = 'the checkpoint'): LoadedModel {
  const st = decodeSafetensors(bytes, file === 'the checkpoint' ? file : `checkpoint ${file}`);
  const meta = st.metadata;
  const has = (key: string): boolean => Object.prototype.hasOwnProperty.call(meta, key);
  const json = <T>(key: string): T => {
    if (!has(key)) throw new RnnlabError(`${file} is not an rnnlab model (no "${key}" metadata)`);
    try {
      return JSON.parse(meta[key]) as T;
    } catch {
      throw new RnnlabError(`${file}: metadata "${key}" is not valid JSON`);
    }
  };
  // The checks of Vocab, createTokenizer and the model configs do not know the file: name it.
  const named = <T>(key: string, f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if (e instanceof RnnlabError && !e.message.includes(file)) throw new RnnlabError(`${file}: bad "${key}" metadata: ${e.message}`);
      throw e;
    }
  };
  if (has('format') && meta.format !== FORMAT && meta.format !== LEGACY_FORMAT) {
    throw new RnnlabError(`${file} has format "${meta.format}", which this version of rnnlab cannot read (it reads ${FORMAT} and ${LEGACY_FORMAT})`);
  }
  const arch = architecture(has('arch') ? meta.arch : 'lm', file);
  const vocab = named('vocab', () => Vocab.fromJSON(json<unknown>('vocab')));
  const tokenizer = named('tokenizer', () => createTokenizer(json<TokenizerSettings>('tokenizer')));
  const config = json<unknown>('config');
  const declared = (config as { vocabSize?: unknown } | null)?.vocabSize;
  if (typeof declared === 'number' && declared !== vocab.size) {
    throw new RnnlabError(`${file}: vocabulary has ${vocab.size} tokens but the model expects ${declared}`);
  }
  let elements = 0;
  for (const t of st.tensors.values()) elements += t.data.length;
  const model = named('config', () => buildWithin(arch, backend, config, elements, file));
  const vocabSize = (model.config as { vocabSize?: number }).vocabSize;
  if (vocabSize !== undefined && vocab.size !== vocabSize) {
    throw new RnnlabError(`${file}: vocabulary has ${vocab.size} tokens but the model expects ${vocabSize}`);
  }
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
  const frozenNames = has('frozen') ? json<unknown>('frozen') : [];
  if (!Array.isArray(frozenNames) || !frozenNames.every((n) => typeof n === 'string')) {
    throw new RnnlabError(`${file}: metadata "frozen" is not a list of parameter names`);
  }
  const frozen = new Set(frozenNames);
  for (const p of model.params()) p.setFrozen(frozen.has(p.name));
  const extra = new Map([...st.tensors].filter(([n]) => n.startsWith('optimizer.') || n.startsWith('state.')));
  const trainState = has('train_state') ? checkTrainState(json<unknown>('train_state'), file) : null;
  const runConfig = has('run_config') ? json<unknown>('run_config') : null;
  if (runConfig !== null && (typeof runConfig !== 'object' || Array.isArray(runConfig))) {
    throw new RnnlabError(`${file}: metadata "run_config" is not an object (a damaged checkpoint)`);
  }
  const precision = has('precision') ? meta.precision : 'fp32';
  if (precision !== 'fp32' && precision !== 'bf16') throw new RnnlabError(`${file}: metadata "precision" is ${JSON.stringify(precision)}, not fp32 or bf16`);
  // Older files lack "batching": a vocabulary with [SOS] then means documents.
  const documents = has('batching') ? meta.batching === 'pad' || meta.batching === 'bucket' : vocab.sos >= 0;
  return { model, vocab, tokenizer, extra, trainState, runConfig: runConfig as Partial<RunConfig> | null, metadata: meta, documents, precision };
}

/** The loaded model as a classifier, or a clear error for another kind. */
export function requireClassifier(m: LoadedModel, file = 'the checkpoint'): LoadedModel<Classifier> {
  if (!(m.model instanceof Classifier)) {
    throw new RnnlabError(`${file} holds a ${architecture(m.model.arch).description}, not a text classifier (use rnnlab eval / sample for language models)`);
  }
  return m as LoadedModel<Classifier>;
}

/** The loaded model as a language model, or a clear error for another kind (a classifier). */
export function requireLanguageModel(m: LoadedModel, file = 'the checkpoint'): LoadedModel<LanguageModel> {
  if (!(m.model instanceof LanguageModel)) {
    throw new RnnlabError(`${file} holds a ${architecture(m.model.arch).description}, not a language model${m.model instanceof Classifier ? ' (use rnnlab classify eval / predict)' : ''}`);
  }
  return m as LoadedModel<LanguageModel>;
}
