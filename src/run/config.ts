/**
 * The configuration of a training run: every setting `rnnlab train` has, typed, with the
 * defaults in one place (DEFAULTS). The CLI builds its flags from options.ts, which describes
 * the same fields; a library caller passes a partial config and gets the same defaults and
 * the same checks. Field names are the CLI flags in camelCase (`--max-time` → maxTime), so a
 * message can always name the flag the user typed.
 */
import type { LrSchedule } from '../optim/schedule.js';
import type { SourceFormat } from '../text/sources/types.js';
import type { TextEncoding } from '../text/sources/decode.js';
import type { ModelConfig } from '../nn/config.js';
import type { Batching, Level } from '../train/corpus.js';
import type { OnNonFinite } from '../train/step-guard.js';
import type { Precision } from '../backend/backend.js';

export type { Batching, Level };

/** The model's settings are those of ModelConfig (src/nn/config.ts), less the vocabulary size the data decides. */
export interface RunConfig extends Omit<ModelConfig, 'vocabSize'> {
  // ---- data
  /** The training file (plain text, JSON, JSON Lines or CSV, optionally gzipped). */
  data: string;
  format: SourceFormat;
  /** How the data's bytes are text (every data file of the run: --data, --val-data, --test-data). */
  encoding: TextEncoding;
  /** JSON/JSONL: the field holding the text (default "text"). */
  textField?: string;
  /** CSV: text column(s), by name or 0-based index ("title,description"). */
  textColumn?: string | number;
  /** CSV: the first row is a header. */
  header: boolean;
  /** Use only the first N documents (0: all). */
  maxDocs: number;
  // ---- tokens and batches
  level: Level;
  /** Word level: word (razdel-like rules), wordpunct, or whitespace (already tokenized corpora); unset: word. */
  tokenizer?: 'word' | 'wordpunct' | 'whitespace';
  /** whitespace: the corpus's own unknown-word token (`<unk>`), read as [UNK]. */
  unkToken?: string;
  /** whitespace: every line break is an [EOS] token. */
  eosPerLine: boolean;
  lowercase: boolean;
  bpeMerges: number;
  minFreq: number;
  maxVocab: number;
  /** Unset: stream for plain text and char level, pad for records. */
  batching?: Batching;
  /** Window batching: tokens between window starts (0: --seq, windows that do not overlap). */
  stride: number;
  maxLen: number;
  overflow: 'split' | 'cut';
  valFraction: number;
  /** A separate validation file (the split flags are then unused), read with the training data's tokenizer and vocabulary. */
  valData?: string;
  /** A test file, scored once at the end with the weights of model.safetensors. */
  testData?: string;
  /** Pretrained word vectors for the embedding (GloVe or word2vec; word level). */
  embeddings?: string;
  /** The vocabulary from the data, from the embedding file, or both. */
  vocabFrom: 'data' | 'embeddings' | 'both';
  // ---- model (beyond ModelConfig)
  /** Never train the embedding (a frozen parameter: no gradient, no optimizer state). */
  freezeEmbeddings: boolean;
  /** Keep the embedding frozen for the first N steps, then train it (0: from the start). */
  freezeSteps: number;
  // ---- training
  batch: number;
  seq: number;
  epochs: number;
  /** Stop after this many optimizer steps in all (0: no limit). */
  maxSteps: number;
  /** Stop after this many seconds of training in all, over every session of the run (0: no limit). */
  maxTime: number;
  lr: number;
  optimizer: 'adam' | 'sgd';
  momentum: number;
  weightDecay: number;
  /** Global gradient-norm limit (0: off). */
  clip: number;
  /** Unset: plateau when --lr-decay is below 1, else constant (src/optim/schedule.ts). */
  lrSchedule?: LrSchedule;
  /** The schedule's decay factor: per epoch (step, exponential) or per epoch without validation improvement (plateau); 1: none. */
  lrDecay: number;
  /** Epochs at the full rate before step/exponential/cosine decay begins. */
  lrDecayStart: number;
  /** Linear warm-up over the first N steps (0: none). */
  warmupSteps: number;
  /** No schedule goes below this rate. */
  minLr: number;
  /** Stop after this many epochs without validation improvement (0: never). */
  patience: number;
  seed: number;
  /** Also write last.safetensors every N steps within an epoch (0: only at epoch ends and stops). */
  saveEvery: number;
  /** A NaN or infinite loss or gradient norm: stop the run (exit 1), or skip that batch's update (src/train/step-guard.ts). */
  onNonfinite: OnNonFinite;
  /**
   * fp32, or bf16 mixed precision: matrix products with bfloat16 operands and float32 sums;
   * weights, optimizer state, gate math and the loss stay float32 (src/backend/bf16.ts).
   * A resume may switch it (from the step it resumes at).
   */
  precision: Precision;
  // ---- output
  /** The run directory (unset: runs/<level>-<cell>-<time>). */
  out?: string;
}

/** Every default of a run: what an omitted flag means. */
export const DEFAULTS = {
  format: 'auto',
  encoding: 'utf8',
  header: true,
  maxDocs: 0,
  level: 'char',
  lowercase: false,
  bpeMerges: 2000,
  minFreq: 1,
  maxVocab: 0,
  stride: 0,
  maxLen: 0,
  overflow: 'split',
  valFraction: 0.1,
  eosPerLine: false,
  cell: 'lstm',
  activation: 'tanh',
  layers: 2,
  hidden: 256,
  embed: 64,
  dropout: 0,
  tieWeights: false,
  init: 'pytorch',
  vocabFrom: 'data',
  freezeEmbeddings: false,
  freezeSteps: 0,
  batch: 32,
  seq: 64,
  epochs: 10,
  maxSteps: 0,
  maxTime: 0,
  lr: 2e-3,
  optimizer: 'adam',
  momentum: 0,
  weightDecay: 0,
  clip: 1,
  lrDecay: 1,
  lrDecayStart: 0,
  warmupSteps: 0,
  minLr: 0,
  patience: 0,
  seed: 42,
  saveEvery: 0,
  onNonfinite: 'stop',
  precision: 'fp32',
} as const satisfies Partial<RunConfig>;

/** What a caller gives: the data (for a new run) and any settings that differ from DEFAULTS. */
export type RunOptions = Partial<RunConfig>;

/** The fields of RunConfig the training loop reads. */
export const TRAINING_KEYS = [
  'batch', 'seq', 'epochs', 'maxSteps', 'maxTime', 'lr', 'optimizer', 'momentum', 'weightDecay', 'clip',
  'lrSchedule', 'lrDecay', 'lrDecayStart', 'warmupSteps', 'minLr', 'patience', 'seed', 'maxLen', 'overflow', 'saveEvery',
  'onNonfinite',
] as const satisfies readonly (keyof RunConfig)[];

/** The settings that decide how a run trains (saved in every last.safetensors). */
export type TrainingSettings = Pick<RunConfig, (typeof TRAINING_KEYS)[number]> & { batching: Batching };

/** Switches that are on unless turned off: their flag is `--no-<name>`. */
const ON_BY_DEFAULT = new Set(['header', 'clean']);

/** The CLI flag of a config field: `maxTime` → `--max-time` (`header` → `--no-header`). */
export function flagOf(key: string): string {
  if (ON_BY_DEFAULT.has(key)) return `--no-${key}`;
  return '--' + key.replace(/[A-Z]/g, (m) => '-' + m.toLowerCase());
}
