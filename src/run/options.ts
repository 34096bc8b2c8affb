/**
 * Every setting of a training run, described once: its flag, its help line, the values it
 * takes, and what a resume may do with it. The CLI builds `rnnlab train`'s flags from this
 * table (defaults come from config.ts DEFAULTS, not from the argument parser), and
 * `validateRunOptions` applies the same value checks to a library caller's config.
 */
import { LR_SCHEDULES } from '../optim/schedule.js';
import { RnnlabError } from '../errors.js';
import { DEFAULTS, flagOf } from './config.js';

/** The values a setting takes: one description for the run options and `rnnlab sample`'s (src/generate/sample-settings.ts). */
export type ValueSpec =
  | { kind: 'int'; min: number; max?: number }
  | { kind: 'num'; min: number; max: number; exclusiveMin?: boolean; exclusiveMax?: boolean }
  | { kind: 'choice'; values: readonly string[] }
  /** A non-empty text (a path, a field name). */
  | { kind: 'string' }
  /** Any text, the empty one too (a prime, a stop text). */
  | { kind: 'text' }
  /** Repeatable (`--ban a --ban b`): a JSON array of non-empty texts. */
  | { kind: 'texts' }
  /** A CSV column: a name, a 0-based index, or a comma-separated list of them. */
  | { kind: 'column' }
  /** A switch (`--lowercase`); `--no-header` switches a default-true setting off. */
  | { kind: 'flag' };

/**
 * On resume: `budget` may be given anew (the run's own value is kept otherwise); `free` may
 * change without changing the results; `fixed` must equal the run's (it is taken from the run
 * when omitted, and a different value is refused).
 */
export type ResumePolicy = 'budget' | 'free' | 'fixed';

export interface OptionSpec {
  /** The config field; its flag is flagOf(key). */
  key: string;
  /** Placeholder in the help ('<n>'); absent for switches. */
  arg?: string;
  help: string;
  value: ValueSpec;
  group: 'data' | 'tokens' | 'model' | 'training' | 'output';
  resume: ResumePolicy;
}

const int = (min: number, max?: number): ValueSpec => ({ kind: 'int', min, max });
const num = (min: number, max: number, exclusiveMin = false): ValueSpec => ({ kind: 'num', min, max, exclusiveMin });
const choice = (...values: string[]): ValueSpec => ({ kind: 'choice', values });

/** The training budget and optimizer settings, the same for every kind of run. */
export const TRAINING_OPTIONS: readonly OptionSpec[] = [
  { key: 'epochs', arg: '<n>', help: 'passes over the training data', value: int(1, 1_000_000), group: 'training', resume: 'budget' },
  { key: 'maxSteps', arg: '<n>', help: 'stop after this many optimizer steps in all (0: no limit)', value: int(0), group: 'training', resume: 'budget' },
  { key: 'maxTime', arg: '<seconds>', help: 'stop after this much training time in all, resumed sessions included (0: no limit)', value: num(0, Infinity), group: 'training', resume: 'budget' },
  { key: 'lr', arg: '<f>', help: 'learning rate', value: num(0, Infinity, true), group: 'training', resume: 'fixed' },
  { key: 'optimizer', arg: '<name>', help: 'adam or sgd', value: choice('adam', 'sgd'), group: 'training', resume: 'fixed' },
  { key: 'momentum', arg: '<f>', help: 'sgd momentum', value: num(0, 0.9999), group: 'training', resume: 'fixed' },
  { key: 'weightDecay', arg: '<f>', help: 'L2 penalty added to the gradient', value: num(0, Infinity), group: 'training', resume: 'fixed' },
  { key: 'clip', arg: '<f>', help: 'global gradient-norm limit (0: off)', value: num(0, Infinity), group: 'training', resume: 'fixed' },
  { key: 'lrSchedule', arg: '<name>', help: 'constant, step (x --lr-decay each epoch after --lr-decay-start), exponential (the same spread over steps), cosine (to --min-lr at the end of --epochs) or plateau (x --lr-decay after an epoch without validation improvement); default: plateau with --lr-decay, else constant', value: choice(...LR_SCHEDULES), group: 'training', resume: 'fixed' },
  { key: 'lrDecay', arg: '<f>', help: 'the decay factor of the step, exponential and plateau schedules', value: num(0, 1, true), group: 'training', resume: 'fixed' },
  { key: 'lrDecayStart', arg: '<epochs>', help: 'epochs at the full rate before the step, exponential or cosine decay begins', value: int(0), group: 'training', resume: 'fixed' },
  { key: 'warmupSteps', arg: '<n>', help: 'raise the rate linearly over the first N steps', value: int(0), group: 'training', resume: 'fixed' },
  { key: 'minLr', arg: '<f>', help: 'no schedule goes below this rate (cosine ends there)', value: num(0, Infinity), group: 'training', resume: 'fixed' },
  { key: 'patience', arg: '<n>', help: 'stop after this many epochs without validation improvement (0: never)', value: int(0), group: 'training', resume: 'fixed' },
  { key: 'precision', arg: '<p>', help: 'fp32, or bf16 mixed precision: matrix products with bfloat16 operands summed in float32 (weights, optimizer state, gates and loss stay float32; native bf16 kernels, emulated on wasm and js); a resume may switch it', value: choice('fp32', 'bf16'), group: 'training', resume: 'free' },
  { key: 'onNonfinite', arg: '<how>', help: 'a NaN or infinite loss or gradient norm: stop (exit 1, the last good checkpoints kept) or skip (leave that batch\'s update out and go on; 10 in a row stop the run)', value: choice('stop', 'skip'), group: 'training', resume: 'free' },
];

export const RUN_OPTIONS: readonly OptionSpec[] = [
  { key: 'data', arg: '<file>', help: '(required for a new run) training text: plain text, JSON, JSON Lines or CSV (optionally .gz)', value: { kind: 'string' }, group: 'data', resume: 'free' },
  { key: 'format', arg: '<f>', help: 'input format: auto, text, json, jsonl or csv (auto: by extension; .gz is read transparently)', value: choice('auto', 'text', 'json', 'jsonl', 'csv'), group: 'data', resume: 'fixed' },
  { key: 'encoding', arg: '<name>', help: 'how the data\'s bytes are text: utf8, latin1 (ISO-8859-1; 0x80–0x9F as Windows-1252) or utf16le', value: choice('utf8', 'latin1', 'utf16le'), group: 'data', resume: 'fixed' },
  { key: 'textField', arg: '<name>', help: 'JSON/JSONL: the field holding the text', value: { kind: 'string' }, group: 'data', resume: 'fixed' },
  { key: 'textColumn', arg: '<col>', help: 'CSV: text column(s), by name or 0-based index; several joined: "title,description"', value: { kind: 'column' }, group: 'data', resume: 'fixed' },
  { key: 'header', help: 'CSV: the first row is data, not a header', value: { kind: 'flag' }, group: 'data', resume: 'fixed' },
  { key: 'maxDocs', arg: '<n>', help: 'use only the first N documents (0: all)', value: int(0), group: 'data', resume: 'fixed' },

  { key: 'level', arg: '<level>', help: 'token level: char, word or bpe', value: choice('char', 'word', 'bpe'), group: 'tokens', resume: 'fixed' },
  { key: 'tokenizer', arg: '<name>', help: 'word level: word (razdel-like rules), wordpunct, or whitespace (already tokenized corpora: PTB, WikiText)', value: choice('word', 'wordpunct', 'whitespace'), group: 'tokens', resume: 'fixed' },
  { key: 'unkToken', arg: '<text>', help: 'whitespace tokenizer: the data\'s own unknown-word token (<unk> in PTB), read as [UNK]', value: { kind: 'string' }, group: 'tokens', resume: 'fixed' },
  { key: 'eosPerLine', help: 'whitespace tokenizer: every line ends with the end-of-sentence token, as Zaremba et al. read PTB', value: { kind: 'flag' }, group: 'tokens', resume: 'fixed' },
  { key: 'lowercase', help: 'lower-case the text first', value: { kind: 'flag' }, group: 'tokens', resume: 'fixed' },
  { key: 'bpeMerges', arg: '<n>', help: 'bpe level: merges learned from the training text', value: int(1, 1_000_000), group: 'tokens', resume: 'fixed' },
  { key: 'minFreq', arg: '<n>', help: 'vocabulary: drop tokens seen fewer times', value: int(1), group: 'tokens', resume: 'fixed' },
  { key: 'maxVocab', arg: '<n>', help: 'vocabulary size limit, specials included (0: none)', value: int(0), group: 'tokens', resume: 'fixed' },
  { key: 'batching', arg: '<mode>', help: 'stream (TBPTT over one token stream), window (shuffled windows of --seq tokens, each from a zero state), pad (documents padded per batch) or bucket (similar lengths together); default: stream for plain text and char level, pad for records', value: choice('stream', 'window', 'pad', 'bucket'), group: 'tokens', resume: 'fixed' },
  { key: 'stride', arg: '<n>', help: 'window batching: tokens between window starts (0: --seq, windows that do not overlap)', value: int(0, 1_000_000), group: 'tokens', resume: 'fixed' },
  { key: 'maxLen', arg: '<n>', help: 'pad/bucket: longest document in tokens (0: no limit)', value: int(0), group: 'tokens', resume: 'fixed' },
  { key: 'overflow', arg: '<how>', help: 'pad/bucket: documents over --max-len are split or cut', value: choice('split', 'cut'), group: 'tokens', resume: 'fixed' },
  { key: 'valFraction', arg: '<f>', help: 'held-out share for validation (stream: the tail; documents: a seeded split)', value: num(0, 0.9), group: 'tokens', resume: 'fixed' },
  { key: 'valData', arg: '<file>', help: 'validate on this file instead of a split of the training data', value: { kind: 'string' }, group: 'tokens', resume: 'fixed' },
  { key: 'testData', arg: '<file>', help: 'score this file at the end with the best weights (papers\' test perplexity)', value: { kind: 'string' }, group: 'tokens', resume: 'fixed' },

  { key: 'cell', arg: '<cell>', help: 'recurrent cell: lstm, gru or rnn', value: choice('lstm', 'gru', 'rnn'), group: 'model', resume: 'fixed' },
  { key: 'activation', arg: '<f>', help: 'rnn cell nonlinearity: tanh or relu', value: choice('tanh', 'relu'), group: 'model', resume: 'fixed' },
  { key: 'layers', arg: '<n>', help: 'recurrent layers', value: int(1, 64), group: 'model', resume: 'fixed' },
  { key: 'hidden', arg: '<n>', help: 'hidden units per layer', value: int(1, 65536), group: 'model', resume: 'fixed' },
  { key: 'embed', arg: '<n>', help: 'embedding width (0: one-hot input)', value: int(0, 65536), group: 'model', resume: 'fixed' },
  { key: 'dropout', arg: '<f>', help: 'dropout between layers and before the decoder', value: num(0, 0.99), group: 'model', resume: 'fixed' },
  { key: 'tieWeights', help: 'share the embedding and decoder weights (needs --embed = --hidden)', value: { kind: 'flag' }, group: 'model', resume: 'fixed' },
  { key: 'init', arg: '<scheme>', help: 'pytorch (default init), xavier-orthogonal, or uniform:A (everything U(-A, A), as Zaremba et al.)', value: { kind: 'string' }, group: 'model', resume: 'fixed' },
  { key: 'embeddings', arg: '<file>', help: 'word level: pretrained vectors for the embedding (GloVe or word2vec, text or binary, optionally .gz); --embed becomes the file\'s width', value: { kind: 'string' }, group: 'model', resume: 'fixed' },
  { key: 'vocabFrom', arg: '<source>', help: 'with --embeddings: the vocabulary from the training data, the embedding file, or both', value: choice('data', 'embeddings', 'both'), group: 'tokens', resume: 'fixed' },
  { key: 'freezeEmbeddings', help: 'never train the embedding (pretrained vectors as they are)', value: { kind: 'flag' }, group: 'model', resume: 'fixed' },
  { key: 'freezeSteps', arg: '<n>', help: 'keep the embedding frozen for the first N steps, then train it', value: int(0), group: 'model', resume: 'fixed' },

  { key: 'batch', arg: '<n>', help: 'sequences per batch', value: int(1, 1_000_000), group: 'training', resume: 'fixed' },
  { key: 'seq', arg: '<n>', help: 'stream batching: timesteps per window (truncated BPTT length); window batching: tokens per window', value: int(1, 1_000_000), group: 'training', resume: 'fixed' },
  ...TRAINING_OPTIONS,
  { key: 'seed', arg: '<n>', help: 'random seed (weights, dropout, splits, shuffling)', value: int(0, 2 ** 32 - 1), group: 'training', resume: 'fixed' },
  { key: 'saveEvery', arg: '<n>', help: 'also write last.safetensors every N steps inside an epoch, so a crash loses at most N steps (0: epoch ends only)', value: int(0), group: 'training', resume: 'free' },

  { key: 'out', arg: '<dir>', help: 'the run directory: model.safetensors, last.safetensors, metrics.jsonl, config.json (default runs/<level>-<cell>-<time>)', value: { kind: 'string' }, group: 'output', resume: 'free' },
];

/** A command's settings: their specs and defaults (the language-model run's, the classifier run's). */
export interface OptionTable {
  readonly options: readonly OptionSpec[];
  readonly defaults: Readonly<Record<string, unknown>>;
}

export const RUN_TABLE: OptionTable = { options: RUN_OPTIONS, defaults: DEFAULTS };

export function optionSpec(key: string, table: OptionTable = RUN_TABLE): OptionSpec | undefined {
  return table.options.find((o) => o.key === key);
}

/** A setting that names a file (`--data FILE`, `--embeddings FILE`, …): runs save these as absolute paths. */
export function isFileSetting(key: string, table: OptionTable = RUN_TABLE): boolean {
  return optionSpec(key, table)?.arg === '<file>';
}

/** What a value must be, as a sentence ending ("an integer from 1 to 64"). */
export function describeValue(v: ValueSpec): string {
  switch (v.kind) {
    case 'int': return `an integer from ${v.min}${v.max !== undefined ? ` to ${v.max}` : ' up'}`;
    case 'num': return `a number in ${v.exclusiveMin ? '(' : '['}${v.min}, ${v.max === Infinity ? '∞)' : `${v.max}${v.exclusiveMax ? ')' : ']'}`}`;
    case 'choice': return `one of: ${v.values.join(', ')}`;
    case 'string': case 'text': return 'a text';
    case 'texts': return 'an array of non-empty texts';
    case 'column': return 'a column name or 0-based index';
    case 'flag': return 'true or false';
  }
}

/** True when `x` is an acceptable value. */
export function acceptsValue(v: ValueSpec, x: unknown): boolean {
  switch (v.kind) {
    case 'int': return Number.isInteger(x) && (x as number) >= v.min && (v.max === undefined || (x as number) <= v.max);
    case 'num': return typeof x === 'number' && Number.isFinite(x) && x >= v.min && x <= v.max
      && !(v.exclusiveMin && x === v.min) && !(v.exclusiveMax && x === v.max);
    case 'choice': return typeof x === 'string' && v.values.includes(x);
    case 'string': return typeof x === 'string' && x.length > 0;
    case 'text': return typeof x === 'string';
    case 'texts': return Array.isArray(x) && x.every((t) => typeof t === 'string' && t.length > 0);
    case 'column': return (typeof x === 'string' && x.length > 0) || (Number.isInteger(x) && (x as number) >= 0);
    case 'flag': return typeof x === 'boolean';
  }
}

/**
 * Checks the value of every field a caller set (unknown fields included): a library caller
 * gets the same one-line messages, naming the CLI flags, as a user of the CLI.
 */
export function validateRunOptions(given: Record<string, unknown>, table: OptionTable = RUN_TABLE): void {
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined) continue;
    const spec = optionSpec(key, table);
    if (!spec) throw new RnnlabError(`unknown training setting "${key}" (known: ${table.options.map((o) => o.key).join(', ')})`);
    if (!acceptsValue(spec.value, value)) {
      throw new RnnlabError(`${flagOf(key)} must be ${describeValue(spec.value)}, got ${JSON.stringify(value)}`);
    }
  }
}

/** The default of a field, for help texts ('' when it has none). */
export function defaultText(key: string, table: OptionTable = RUN_TABLE): string {
  const d = table.defaults[key];
  return d === undefined ? '' : String(d);
}
