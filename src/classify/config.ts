/**
 * The configuration of a classifier run (`rnnlab classify train`), its defaults and its flag
 * table: the same machinery as a language-model run (src/run/), other settings. Field names
 * are the flags in camelCase.
 */
import type { ClassifierKind, PoolKind } from '../nn/classifier.js';
import { TRAINING_OPTIONS, type OptionSpec, type OptionTable } from '../run/options.js';
import type { RunConfig } from '../run/config.js';
import type { SourceFormat } from '../text/sources/types.js';
import type { TextEncoding } from '../text/sources/decode.js';

/** The budget and optimizer settings, as a language-model run has them (TRAINING_OPTIONS). */
type TrainingBudget = Pick<RunConfig, 'epochs' | 'maxSteps' | 'maxTime' | 'lr' | 'optimizer' | 'momentum' | 'weightDecay' | 'clip' | 'lrSchedule' | 'lrDecay' | 'lrDecayStart' | 'warmupSteps' | 'minLr' | 'patience' | 'onNonfinite' | 'precision'>;

export interface ClassifyConfig extends TrainingBudget {
  data: string;
  format: SourceFormat;
  /** How the data's bytes are text (--data and --val-data). */
  encoding: TextEncoding;
  textField?: string;
  labelField?: string;
  textColumn?: string | number;
  labelColumn?: string | number;
  header: boolean;
  maxDocs: number;
  /** A validation file instead of a split of the training data. */
  valData?: string;
  /** Class names, one per line (AG News' classes.txt); default: the data's labels. */
  classes?: string;
  /** Undo news corpora's escapes (backslash line breaks, `#39;` references) before tokenizing. */
  clean: boolean;
  tokenizer: 'word' | 'wordpunct';
  lowercase: boolean;
  maxLen: number;
  minFreq: number;
  maxVocab: number;
  /** Where the vocabulary comes from: the training data, the embedding file, or both. */
  vocabFrom: 'data' | 'embeddings' | 'both';
  batching: 'pad' | 'bucket';
  valFraction: number;
  model: ClassifierKind;
  bidirectional: boolean;
  /** Unset: last for recurrent models, max for the CNN. */
  pool?: PoolKind;
  embed: number;
  /** Pretrained vectors (GloVe or word2vec, text or binary, optionally gzipped). */
  embeddings?: string;
  freezeEmbeddings: boolean;
  freezeSteps: number;
  hidden: number;
  /** Unset: 3 conv blocks for the CNN, 1 recurrent layer. */
  layers?: number;
  dropout: number;
  batch: number;
  seed: number;
  saveEvery: number;
  out?: string;
}

export const CLASSIFY_DEFAULTS = {
  format: 'auto',
  encoding: 'utf8',
  header: true,
  maxDocs: 0,
  clean: true,
  tokenizer: 'wordpunct',
  lowercase: false,
  maxLen: 128,
  minFreq: 1,
  maxVocab: 0,
  vocabFrom: 'data',
  batching: 'pad',
  valFraction: 0.1,
  model: 'gru',
  bidirectional: false,
  embed: 50,
  freezeEmbeddings: false,
  freezeSteps: 0,
  hidden: 64,
  dropout: 0,
  batch: 32,
  epochs: 5,
  maxSteps: 0,
  maxTime: 0,
  lr: 1e-3,
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
} as const satisfies Partial<ClassifyConfig>;

export type ClassifyOptions = Partial<ClassifyConfig>;

const int = (min: number, max?: number) => ({ kind: 'int' as const, min, max });
const num = (min: number, max: number, exclusiveMin = false) => ({ kind: 'num' as const, min, max, exclusiveMin });
const choice = (...values: string[]) => ({ kind: 'choice' as const, values });
const text = { kind: 'string' as const };
const flag = { kind: 'flag' as const };
const column = { kind: 'column' as const };

export const CLASSIFY_OPTIONS: readonly OptionSpec[] = [
  { key: 'data', arg: '<file>', help: '(required for a new run) labelled training data: CSV (label and text columns) or JSON/JSON Lines records, optionally .gz', value: text, group: 'data', resume: 'free' },
  { key: 'format', arg: '<f>', help: 'input format: auto, csv, json or jsonl (auto: by extension)', value: choice('auto', 'csv', 'json', 'jsonl'), group: 'data', resume: 'fixed' },
  { key: 'encoding', arg: '<name>', help: 'how the data\'s bytes are text: utf8, latin1 (ISO-8859-1; 0x80–0x9F as Windows-1252) or utf16le', value: choice('utf8', 'latin1', 'utf16le'), group: 'data', resume: 'fixed' },
  { key: 'labelColumn', arg: '<col>', help: 'CSV: the label column, by name or 0-based index (default: the column named "label")', value: column, group: 'data', resume: 'fixed' },
  { key: 'textColumn', arg: '<col>', help: 'CSV: text column(s), by name or 0-based index; several joined: "1,2" or "title,description"', value: column, group: 'data', resume: 'fixed' },
  { key: 'header', help: 'CSV: the first row is data, not a header', value: flag, group: 'data', resume: 'fixed' },
  { key: 'textField', arg: '<name>', help: 'JSON/JSONL: the field holding the text (default "text")', value: text, group: 'data', resume: 'fixed' },
  { key: 'labelField', arg: '<name>', help: 'JSON/JSONL: the field holding the label', value: text, group: 'data', resume: 'fixed' },
  { key: 'maxDocs', arg: '<n>', help: 'use only the first N documents (0: all)', value: int(0), group: 'data', resume: 'fixed' },
  { key: 'valData', arg: '<file>', help: 'validate on this file (same layout as --data) instead of a split of the training data', value: text, group: 'data', resume: 'fixed' },
  { key: 'classes', arg: '<file>', help: 'class names, one per line (a label is a name, or a 1- or 0-based position in the list)', value: text, group: 'data', resume: 'fixed' },
  { key: 'clean', help: 'keep the text as it is: do not undo news corpora\'s escapes (a backslash for a line break, #39;-style and quot;-style references)', value: flag, group: 'tokens', resume: 'fixed' },
  { key: 'tokenizer', arg: '<name>', help: 'wordpunct (\\w+|[^\\w\\s]+, as NLTK) or word (razdel-like rules)', value: choice('wordpunct', 'word'), group: 'tokens', resume: 'fixed' },
  { key: 'lowercase', help: 'lower-case the text first', value: flag, group: 'tokens', resume: 'fixed' },
  { key: 'maxLen', arg: '<n>', help: 'cut every document at N tokens (0: no cut)', value: int(0), group: 'tokens', resume: 'fixed' },
  { key: 'minFreq', arg: '<n>', help: 'vocabulary from data: drop words seen fewer times', value: int(1), group: 'tokens', resume: 'fixed' },
  { key: 'maxVocab', arg: '<n>', help: 'vocabulary size limit, specials included (0: none)', value: int(0), group: 'tokens', resume: 'fixed' },
  { key: 'vocabFrom', arg: '<source>', help: 'vocabulary from the training data, the --embeddings file, or both', value: choice('data', 'embeddings', 'both'), group: 'tokens', resume: 'fixed' },
  { key: 'batching', arg: '<mode>', help: 'pad (documents in a shuffled order, padded per batch) or bucket (similar lengths together)', value: choice('pad', 'bucket'), group: 'tokens', resume: 'fixed' },
  { key: 'valFraction', arg: '<f>', help: 'held-out share for validation, split per class (ignored with --val-data)', value: num(0, 0.9), group: 'tokens', resume: 'fixed' },
  { key: 'model', arg: '<kind>', help: 'cnn (Conv1d k3 s2 + BatchNorm1d + ReLU blocks, pooled), rnn (tanh), gru or lstm', value: choice('cnn', 'rnn', 'gru', 'lstm'), group: 'model', resume: 'fixed' },
  { key: 'bidirectional', help: 'recurrent models: both directions (the reverse one from each row\'s last real token)', value: flag, group: 'model', resume: 'fixed' },
  { key: 'pool', arg: '<how>', help: 'last (recurrent: the last real token), max or mean over real tokens (default: last, max for cnn)', value: choice('last', 'max', 'mean'), group: 'model', resume: 'fixed' },
  { key: 'embed', arg: '<n>', help: 'embedding width (with --embeddings: the file\'s)', value: int(1, 65536), group: 'model', resume: 'fixed' },
  { key: 'embeddings', arg: '<file>', help: 'pretrained vectors: GloVe or word2vec, text or binary, optionally .gz', value: text, group: 'model', resume: 'fixed' },
  { key: 'freezeEmbeddings', help: 'never train the embedding', value: flag, group: 'model', resume: 'fixed' },
  { key: 'freezeSteps', arg: '<n>', help: 'keep the embedding frozen for the first N steps, then train it', value: int(0), group: 'model', resume: 'fixed' },
  { key: 'hidden', arg: '<n>', help: 'channels of each conv block (cnn) or hidden units per direction', value: int(1, 65536), group: 'model', resume: 'fixed' },
  { key: 'layers', arg: '<n>', help: 'conv blocks or recurrent layers (default: 3 for cnn, 1)', value: int(1, 64), group: 'model', resume: 'fixed' },
  { key: 'dropout', arg: '<f>', help: 'before the output layer and between recurrent layers', value: num(0, 0.99), group: 'model', resume: 'fixed' },
  { key: 'batch', arg: '<n>', help: 'documents per batch', value: int(1, 1_000_000), group: 'training', resume: 'fixed' },
  ...TRAINING_OPTIONS,
  { key: 'seed', arg: '<n>', help: 'random seed (weights, dropout, split, order)', value: int(0, 2 ** 32 - 1), group: 'training', resume: 'fixed' },
  { key: 'saveEvery', arg: '<n>', help: 'also write last.safetensors every N steps inside an epoch', value: int(0), group: 'training', resume: 'free' },
  { key: 'out', arg: '<dir>', help: 'the run directory (default runs/classify-<model>-<time>)', value: text, group: 'output', resume: 'free' },
];

export const CLASSIFY_TABLE: OptionTable = { options: CLASSIFY_OPTIONS, defaults: CLASSIFY_DEFAULTS };
