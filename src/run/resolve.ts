/**
 * From what a caller gave to the configuration a run uses: defaults filled in, values checked,
 * settings that contradict each other refused, and — for a resume — the run's own settings
 * taken over, with only the budget (and what does not change results) open to change.
 * Every message names the CLI flag.
 */
import { RnnlabError } from '../errors.js';
import { detectFormat } from '../text/sources/format.js';
import { DEFAULTS, flagOf, type RunConfig, type RunOptions } from './config.js';
import { optionSpec, validateRunOptions } from './options.js';

/** Keys the caller set (undefined values do not count). */
export function givenKeys(given: RunOptions): Set<keyof RunConfig> {
  return new Set(Object.entries(given).filter(([, v]) => v !== undefined).map(([k]) => k as keyof RunConfig));
}

/** The format a path resolves to ('auto' → by extension). */
export function resolvedFormat(c: Pick<RunConfig, 'format' | 'data'>): 'text' | 'json' | 'jsonl' | 'csv' {
  return c.format && c.format !== 'auto' ? c.format : detectFormat(c.data);
}

/** A new run's configuration. */
export function resolveNewRun(given: RunOptions): RunConfig {
  validateRunOptions(given as Record<string, unknown>);
  if (!given.data) throw new RnnlabError('train needs --data FILE (the text to learn from)');
  const c = { ...DEFAULTS, ...stripUndefined(given) } as RunConfig;
  // A plain-text file is one stream (TBPTT); records (JSON, CSV) are documents, padded per batch.
  if (!c.batching) c.batching = c.level === 'char' || resolvedFormat(c) === 'text' ? 'stream' : 'pad';
  refuseConflicts(c, givenKeys(given));
  return c;
}

/**
 * A resumed run's configuration: the run's own, with the budget (--epochs, --max-steps,
 * --max-time) and the settings that do not change results (--save-every, --data for a moved
 * file) replaced when given; any other setting given with another value is refused.
 */
export function resolveResume(saved: RunConfig, given: RunOptions): RunConfig {
  validateRunOptions(given as Record<string, unknown>);
  const keys = givenKeys(given);
  const c = { ...saved } as RunConfig;
  for (const k of keys) {
    const spec = optionSpec(k)!;
    const v = given[k];
    if (spec.resume === 'fixed') {
      if (!sameValue(v, saved[k])) {
        throw new RnnlabError(`cannot change ${flagOf(k)} when resuming (the run used ${saved[k] === undefined ? 'none' : String(saved[k])})`);
      }
    } else {
      (c as unknown as Record<string, unknown>)[k] = v;
    }
  }
  refuseConflicts(c, keys);
  return c;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  // a CSV column given as "2" on one command line and 2 on another
  return a !== undefined && b !== undefined && String(a) === String(b);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Settings that would be silently ignored in this configuration are refused, as `sample`
 * refuses its conflicts: a user who typed them expected them to do something.
 */
export function refuseConflicts(c: RunConfig, given: Set<keyof RunConfig>): void {
  const has = (k: keyof RunConfig) => given.has(k);
  const refuse = (msg: string): never => {
    throw new RnnlabError(msg);
  };
  if (has('momentum') && c.optimizer !== 'sgd') refuse(`--momentum applies only to --optimizer sgd (Adam keeps its own moment estimates)`);
  if (has('activation') && c.cell !== 'rnn') refuse(`--activation applies only to --cell rnn (${c.cell.toUpperCase()} has fixed nonlinearities)`);
  if (has('bpeMerges') && c.level !== 'bpe') refuse(`--bpe-merges applies only to --level bpe (this run is --level ${c.level})`);
  if (has('tokenizer') && c.level !== 'word') refuse(`--tokenizer applies only to --level word (this run is --level ${c.level})`);
  if (c.batching === 'stream') {
    for (const k of ['maxLen', 'overflow'] as const) {
      if (has(k)) refuse(`${flagOf(k)} applies only to document batching (--batching pad or bucket); stream batching has no documents to cut`);
    }
  } else if (has('seq')) {
    refuse(`--seq applies only to --batching stream (with --batching ${c.batching} every row is a whole document)`);
  }
  const format = resolvedFormat(c);
  if (has('textField') && format !== 'json' && format !== 'jsonl') refuse(`--text-field applies only to JSON and JSON Lines data (${c.data} is read as ${format})`);
  for (const k of ['textColumn', 'header'] as const) {
    if (has(k) && format !== 'csv') refuse(`${flagOf(k)} applies only to CSV data (${c.data} is read as ${format})`);
  }
  if (has('labelColumn')) refuse('--label-column has no effect when training a language model (labels are for classifiers)');
  if (c.valFraction === 0) {
    for (const k of ['lrDecay', 'patience'] as const) {
      if (has(k)) refuse(`${flagOf(k)} needs validation data, but --val-fraction is 0`);
    }
  }
  if (has('freezeEmbedding') && c.embed === 0) refuse('--freeze-embedding needs an embedding (--embed > 0; --embed 0 is one-hot input)');
}
