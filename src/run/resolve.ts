/**
 * From what a caller gave to the configuration a run uses: defaults filled in, values checked,
 * settings that contradict each other refused, and — for a resume — the run's own settings
 * taken over, with only the budget (and what does not change results) open to change.
 * Every message names the CLI flag.
 */
import { scheduleOf } from '../optim/schedule.js';
import { RnnlabError } from '../errors.js';
import type { LanguageModel } from '../nn/language-model.js';
import { validateModelConfig } from '../nn/config.js';
import { validateInit } from '../nn/init.js';
import { detectFormat } from '../text/sources/format.js';
import { levelOf } from '../text/tokenizers/tokenizer.js';
import type { LoadedModel } from '../train/checkpoint-format.js';
import { DEFAULTS, flagOf, type RunConfig, type RunOptions } from './config.js';
import { optionSpec, RUN_TABLE, validateRunOptions, type OptionTable } from './options.js';

/** Keys the caller set (undefined values do not count). */
export function givenKeys<T extends object>(given: Partial<T>): Set<keyof T> {
  return new Set(Object.entries(given).filter(([, v]) => v !== undefined).map(([k]) => k as keyof T));
}

/** The format a path resolves to ('auto' → by extension). */
export function resolvedFormat(c: Pick<RunConfig, 'format' | 'data'>): 'text' | 'json' | 'jsonl' | 'csv' {
  return c.format && c.format !== 'auto' ? c.format : detectFormat(c.data);
}

/**
 * Settings whose default depends on others, made explicit, so the configuration a run saves
 * says what it used (and typing the same value again on resume is not a change).
 */
function withEffectiveDefaults(c: RunConfig): RunConfig {
  const format = resolvedFormat(c);
  // A plain-text file is one stream (TBPTT); records (JSON, CSV) are documents, padded per batch.
  if (!c.batching) c.batching = c.level === 'char' || format === 'text' ? 'stream' : 'pad';
  if (c.batching === 'window' && !c.stride) c.stride = c.seq;
  if (c.level === 'word' && !c.tokenizer) c.tokenizer = 'word';
  if ((format === 'json' || format === 'jsonl') && c.textField === undefined) c.textField = 'text';
  return c;
}

/** A new run's configuration. */
export function resolveNewRun(given: RunOptions): RunConfig {
  validateRunOptions(given as Record<string, unknown>);
  if (!given.data) throw new RnnlabError('train needs --data FILE (the text to learn from)');
  const c = withEffectiveDefaults({ ...DEFAULTS, ...stripUndefined(given) } as RunConfig);
  refuseConflicts(c, givenKeys(given));
  return c;
}

/**
 * A resumed run's configuration: the run's own, with the budget (--epochs, --max-steps,
 * --max-time) and the settings that do not change results (--save-every, --data for a moved
 * file, --out) replaced when given; any other setting given with another value is refused.
 */
export function resolveResume(saved: RunConfig, given: RunOptions): RunConfig {
  const c = withEffectiveDefaults({ ...saved } as RunConfig);
  applyResumeRules(RUN_TABLE, c as unknown as Record<string, unknown>, given as Record<string, unknown>);
  refuseConflicts(c, givenKeys(given));
  return c;
}

/**
 * The resume rules of any command's table, applied to a copy of the run's config: budget and
 * free settings given anew replace the run's; a fixed one given with another value is refused.
 */
export function applyResumeRules(table: OptionTable, config: Record<string, unknown>, given: Record<string, unknown>): void {
  validateRunOptions(given, table);
  // the cosine schedule's length is --epochs: another budget would change the rates already taken
  if (config.lrSchedule === 'cosine' && given.epochs !== undefined && given.epochs !== config.epochs) {
    throw new RnnlabError(`cannot change --epochs when resuming a --lr-schedule cosine run: its rate falls to --min-lr over the run's ${String(config.epochs)} epochs`);
  }
  for (const [k, v] of Object.entries(given)) {
    if (v === undefined) continue;
    const spec = optionSpec(k, table)!;
    if (spec.resume === 'fixed') {
      // files arrive absolute (withAbsoluteFiles), as the run saved them
      if (!sameValue(v, config[k])) {
        throw new RnnlabError(`cannot change ${flagOf(k)} when resuming (the run used ${config[k] === undefined ? 'none' : String(config[k])})`);
      }
    } else {
      config[k] = v;
    }
  }
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
 * The configuration a resumed run was started with. Files written before run configurations
 * were saved (rnnlab-lm/1) hold the model and training settings but not the data: those come
 * from what the caller gives now (--data is then required; the data fingerprint still guards it).
 */
export function savedRunConfig(m: LoadedModel<LanguageModel>, given: RunOptions, file: string): RunConfig {
  if (m.runConfig) return { ...DEFAULTS, ...m.runConfig } as RunConfig;
  const s = m.trainState;
  if (!s) throw new RnnlabError(`${file} holds no training state (it is not a last.safetensors)`);
  if (!given.data) throw new RnnlabError(`${file} was written by an older rnnlab that did not record its data: resume with --data FILE`);
  const o = s.options as Record<string, unknown>;
  const kind = m.tokenizer.kind;
  const { vocabSize: _v, ...model } = m.model.config;
  const known: Partial<RunConfig> = {
    ...model,
    level: levelOf(kind),
    tokenizer: kind === 'word' || kind === 'wordpunct' ? kind : undefined,
    lowercase: m.tokenizer.settings.lowercase,
    batch: o.batch as number, seq: o.seq as number, epochs: o.epochs as number, maxSteps: o.maxSteps as number,
    maxTime: (o.maxSeconds as number) ?? 0, lr: o.lr as number, optimizer: o.optimizer as RunConfig['optimizer'],
    momentum: o.momentum as number, weightDecay: o.weightDecay as number, clip: o.clip as number, seed: o.seed as number,
    batching: o.batching as RunConfig['batching'], maxLen: o.maxLen as number, overflow: o.overflow as RunConfig['overflow'],
    lrDecay: o.lrDecay as number, patience: o.patience as number,
  };
  const unknown = Object.fromEntries([...givenKeys(given)].filter((k) => !(k in known)).map((k) => [k, given[k]]));
  return { ...DEFAULTS, ...unknown, ...known, data: given.data, out: given.out } as RunConfig;
}

/** A resume with nothing left to do is refused, saying what to change. */
export function refuseFinished(c: Pick<RunConfig, 'maxSteps' | 'maxTime' | 'epochs' | 'patience'>, m: LoadedModel, out: string): void {
  const s = m.trainState!;
  if (c.maxSteps > 0 && s.step >= c.maxSteps) {
    throw new RnnlabError(`the run in ${out} already reached its budget of --max-steps ${c.maxSteps}: give a larger --max-steps (0: no limit) to continue it`);
  }
  if (c.maxTime > 0 && s.elapsedSeconds >= c.maxTime) {
    throw new RnnlabError(`the run in ${out} already used its budget of --max-time ${c.maxTime} s: give a larger --max-time (0: no limit) to continue it`);
  }
  if (s.epoch >= c.epochs) {
    const done = `${s.epoch} epoch${s.epoch === 1 ? '' : 's'}`;
    throw new RnnlabError(`the run in ${out} has already trained ${done}${c.epochs < s.epoch ? `, more than --epochs ${c.epochs}` : ''}: give a larger --epochs to continue it`);
  }
  if (c.patience > 0 && (s.badEpochs ?? 0) >= c.patience) {
    throw new RnnlabError(`the run in ${out} stopped early: no validation improvement in ${c.patience} epochs (${flagOf('patience')})`);
  }
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
  // the model's settings, as the model will check them (the vocabulary size is the data's; 1 stands in), so a sweep refuses them before any run
  if (!c.embeddings) validateModelConfig({ ...c, vocabSize: 1 });
  else validateInit(c.init);
  if (has('activation') && c.cell !== 'rnn') refuse(`--activation applies only to --cell rnn (${c.cell.toUpperCase()} has fixed nonlinearities)`);
  if (has('bpeMerges') && c.level !== 'bpe') refuse(`--bpe-merges applies only to --level bpe (this run is --level ${c.level})`);
  if (has('tokenizer') && c.level !== 'word') refuse(`--tokenizer applies only to --level word (this run is --level ${c.level})`);
  for (const k of ['unkToken', 'eosPerLine'] as const) {
    if (has(k) && c.tokenizer !== 'whitespace') refuse(`${flagOf(k)} applies only to --tokenizer whitespace (corpora that are already tokenized)`);
  }
  if (has('valFraction') && c.valData) refuse('--val-fraction splits the training data, which --val-data replaces');
  if (c.batching === 'stream' || c.batching === 'window') {
    for (const k of ['maxLen', 'overflow'] as const) {
      if (has(k)) refuse(`${flagOf(k)} applies only to document batching (--batching pad or bucket); ${c.batching} batching has no documents to cut`);
    }
  } else if (has('seq')) {
    refuse(`--seq applies only to --batching stream or window (with --batching ${c.batching} every row is a whole document)`);
  }
  if (has('stride') && c.batching !== 'window') refuse(`--stride applies only to --batching window (this run is --batching ${c.batching})`);
  if (c.maxLen === 1) refuse('--max-len must be 0 (no limit) or at least 2 (a document needs an input and a target)');
  const format = resolvedFormat(c);
  if (has('textField') && format !== 'json' && format !== 'jsonl') refuse(`--text-field applies only to JSON and JSON Lines data (${c.data} is read as ${format})`);
  for (const k of ['textColumn', 'header'] as const) {
    if (has(k) && format !== 'csv') refuse(`${flagOf(k)} applies only to CSV data (${c.data} is read as ${format})`);
  }
  refuseScheduleConflicts(c, given, c.valFraction > 0 || !!c.valData, '--val-fraction is 0');
  if (c.embeddings && c.level !== 'word') refuse(`--embeddings needs --level word (pretrained vectors are per word; this run is --level ${c.level})`);
  if (c.embeddings && has('embed') && c.embed === 0) refuse('--embeddings and --embed 0 (one-hot input) contradict each other');
  if (c.vocabFrom !== 'data' && !c.embeddings) refuse(`--vocab-from ${c.vocabFrom} needs --embeddings FILE`);
  if (c.vocabFrom === 'embeddings' && has('minFreq')) refuse('--min-freq counts the training data, which --vocab-from embeddings does not use (--max-vocab keeps the file\'s first N words)');
  const freezing = c.freezeEmbeddings ? '--freeze-embeddings' : c.freezeSteps > 0 ? '--freeze-steps' : null;
  if (freezing) {
    if (c.freezeEmbeddings && c.freezeSteps > 0) refuse('--freeze-embeddings (never trained) and --freeze-steps (trained after N steps) contradict each other');
    if (c.embed === 0) refuse(`${freezing} needs an embedding (--embed > 0; --embed 0 is one-hot input)`);
    if (c.tieWeights) refuse(`${freezing} with --tie-weights would freeze the decoder too (they share one weight)`);
  }
}

/**
 * The learning-rate schedule's settings must fit the schedule (src/optim/schedule.ts): a decay
 * factor where one is used, a start where decay starts, validation for the plateau schedule
 * and for early stopping. `c.lrSchedule` is the effective one (see effectiveSchedule).
 */
export function refuseScheduleConflicts(
  c: Pick<RunConfig, 'lrSchedule' | 'lrDecay' | 'lr' | 'minLr'>, given: Set<string>, validated: boolean, noValidation: string,
): void {
  const schedule = scheduleOf(c);
  const refuse = (msg: string): never => {
    throw new RnnlabError(msg);
  };
  if ((schedule === 'step' || schedule === 'exponential' || schedule === 'plateau') && !(c.lrDecay < 1)) {
    refuse(`--lr-schedule ${schedule} needs --lr-decay F below 1 (the factor per ${schedule === 'plateau' ? 'epoch without improvement' : 'epoch'})`);
  }
  if ((schedule === 'cosine' || schedule === 'constant') && given.has('lrDecay')) refuse(`--lr-decay does not apply to --lr-schedule ${schedule}`);
  if ((schedule === 'constant' || schedule === 'plateau') && given.has('lrDecayStart')) refuse(`--lr-decay-start applies to --lr-schedule step, exponential or cosine (this run is ${schedule})`);
  if (schedule === 'constant' && given.has('minLr')) refuse('--min-lr needs a decaying --lr-schedule (step, exponential, cosine or plateau)');
  if (c.minLr >= c.lr && given.has('minLr')) refuse(`--min-lr (${c.minLr}) must be below --lr (${c.lr})`);
  if (!validated) {
    if (schedule === 'plateau' && (given.has('lrDecay') || given.has('lrSchedule'))) refuse(`--lr-schedule plateau (or --lr-decay without a schedule) needs validation data, but ${noValidation}`);
    if (given.has('patience')) refuse(`--patience needs validation data, but ${noValidation}`);
  }
}
