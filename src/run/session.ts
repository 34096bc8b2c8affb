/**
 * A training run as the library offers it (Node): a configuration in, a run directory and a
 * summary out. It resolves the configuration (defaults, conflicts, resume rules), reads and
 * tokenizes the data, builds or restores the model, refuses what cannot fit in memory, and
 * drives the training loop with the run directory as one of its sinks. `rnnlab train` and
 * `rnnlab demo` are thin wrappers over it; a sweep or a server runs the same code.
 *
 *   const run = await TrainingRun.create({ data: 'book.txt', epochs: 5, out: 'runs/book' });
 *   process.on('SIGINT', () => run.stop());       // finishes the step, saves, returns
 *   const summary = await run.run();
 */
import { existsSync, readdirSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import type { Backend } from '../backend/backend.js';
import { createBackend } from '../backend/select.js';
import { RnnlabError } from '../errors.js';
import type { ModelConfig } from '../nn/config.js';
import { LanguageModel } from '../nn/language-model.js';
import { countParameters } from '../nn/model.js';
import { StreamBatcher } from '../text/batching/stream.js';
import type { TokenizerKind } from '../text/tokenizers/tokenizer.js';
import { loadCheckpoint, requireLanguageModel, type LoadedModel } from '../train/checkpoint.js';
import { prepareCorpus, type Corpus, type CorpusOptions } from '../train/corpus.js';
import type { RunSink } from '../train/events.js';
import { LmTask } from '../train/lm-task.js';
import { TrainLoop, type TrainSummary } from '../train/loop.js';
import { Rng } from '../util/rng.js';
import { DEFAULTS, flagOf, type RunConfig, type RunOptions, type TrainingSettings } from './config.js';
import { estimateLmMemory, formatBytes, type MemoryEstimate } from './memory.js';
import { givenKeys, resolveNewRun, resolveResume } from './resolve.js';
import { RunDirectory, RUN_FILES } from './run-dir.js';

export interface RunSetup {
  /** Continue the run in `out` from its last.safetensors. */
  resume?: boolean;
  /** Default: the fastest available (createBackend()). */
  backend?: Backend;
  /** Where events and checkpoints also go (a progress display, a server stream). */
  sinks?: RunSink[];
  /** Remove an earlier run's files from `out` instead of refusing to overwrite them (`rnnlab demo`). */
  fresh?: boolean;
  /** Memory available to the run, bytes (default: the machine's, or 4 GiB on wasm). */
  memoryLimit?: number;
}

const VERSION = '0.1.0';

export class TrainingRun {
  private loop: TrainLoop | null = null;
  private stopEarly = false;

  private constructor(
    readonly config: RunConfig,
    readonly out: string,
    readonly backend: Backend,
    readonly corpus: Corpus,
    readonly model: LanguageModel,
    readonly memory: MemoryEstimate,
    private readonly resumed: LoadedModel<LanguageModel> | null,
    private readonly setup: RunSetup,
  ) {}

  /** Everything that can fail on bad input fails here, before anything is written. */
  static async create(given: RunOptions, setup: RunSetup = {}): Promise<TrainingRun> {
    let config: RunConfig;
    let out: string;
    let resumed: LoadedModel<LanguageModel> | null = null;
    let backend = setup.backend;
    if (setup.resume) {
      if (!given.out) throw new RnnlabError('--resume needs --out DIR (the run to continue)');
      out = given.out;
      const last = join(out, 'last.safetensors');
      if (!existsSync(last)) throw new RnnlabError(`cannot resume: ${last} does not exist`);
      backend ??= (await createBackend()).backend;
      resumed = requireLanguageModel(loadCheckpoint(last, backend), last);
      config = resolveResume(savedConfig(resumed, given, last), given);
      refuseFinished(config, resumed, out);
    } else {
      config = resolveNewRun(given);
      out = config.out ?? join('runs', `${config.level}-${config.cell}-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-')}`);
      config.out = out;
      if (!setup.fresh && existsSync(out) && readdirSync(out).some((f) => f.endsWith('.safetensors'))) {
        throw new RnnlabError(`${out} already holds a model: use --resume to continue it, or choose another --out`);
      }
      backend ??= (await createBackend()).backend;
    }
    const corpus = await prepareCorpus(config.data, corpusOptions(config), resumed ? { tokenizer: resumed.tokenizer, vocab: resumed.vocab } : undefined);
    const modelConfig: ModelConfig = resumed ? resumed.model.config : {
      vocabSize: corpus.vocab.size, cell: config.cell, activation: config.activation, layers: config.layers, hidden: config.hidden,
      embed: config.embed, dropout: config.dropout, tieWeights: config.tieWeights, init: config.init,
    };
    if (corpus.data.kind === 'stream') new StreamBatcher(corpus.data.train, config.batch, config.seq); // too little data: one clear line now
    const memory = refuseOversized(modelConfig, config, corpus, backend, setup.memoryLimit);
    const model = resumed ? resumed.model : new LanguageModel(backend, modelConfig);
    return new TrainingRun(config, out, backend, corpus, model, memory, resumed, setup);
  }

  /** Finish the current step, write last.safetensors and return (stoppedBy 'interrupt'). */
  stop(): void {
    if (this.loop) this.loop.stop();
    else this.stopEarly = true;
  }

  /** The settings the loop trains with. */
  get settings(): TrainingSettings {
    const c = this.config;
    return {
      batch: c.batch, seq: c.seq, epochs: c.epochs, maxSteps: c.maxSteps, maxTime: c.maxTime, lr: c.lr, optimizer: c.optimizer,
      momentum: c.momentum, weightDecay: c.weightDecay, clip: c.clip, lrDecay: c.lrDecay, patience: c.patience, seed: c.seed,
      maxLen: c.maxLen, overflow: c.overflow, saveEvery: c.saveEvery, freezeEmbedding: c.freezeEmbedding, batching: c.batching!,
    };
  }

  /** Trains until the budget is spent or stop() is called; `sinks` watch this session too. */
  async run(sinks: readonly RunSink[] = []): Promise<TrainSummary> {
    const { config, corpus, model, resumed } = this;
    const dir = new RunDirectory(this.out);
    dir.open(resumed ? resumed.trainState!.step : null);
    if (this.setup.fresh && !resumed) dir.clear();
    const rng = new Rng(config.seed);
    if (!resumed) model.initialize(rng);
    const settings = this.settings;
    this.loop = new TrainLoop({
      task: new LmTask(model, corpus.data, corpus.vocab.pad, settings),
      settings,
      sinks: [dir, ...(this.setup.sinks ?? []), ...sinks],
      contents: () => ({ model, vocab: corpus.vocab, tokenizer: corpus.tokenizer, batching: settings.batching }),
      runConfig: config as unknown as Record<string, unknown>,
      rng,
      resume: resumed,
      embeddingParams: model.embedding.params(),
    });
    dir.writeConfig(this.describe(dir.readConfig()));
    if (this.stopEarly) this.loop.stop();
    return this.loop.run();
  }

  /** config.json: what the run is, for people, plots and a dashboard (checkpoints stay the authority). */
  private describe(previous: Record<string, unknown> | null): Record<string, unknown> {
    const counts = countParameters(this.model.params());
    const sessions = Array.isArray(previous?.sessions) ? (previous!.sessions as unknown[]) : [];
    return {
      rnnlab: VERSION,
      arch: this.model.arch,
      config: this.config,
      model: this.model.config,
      parameters: counts,
      data: {
        documents: this.corpus.stats.documents, characters: this.corpus.stats.characters, tokens: this.corpus.tokens,
        vocabulary: this.corpus.vocab.size,
      },
      memory_estimate_bytes: this.memory.bytes,
      sessions: [...sessions, {
        started: new Date().toISOString(), from_step: this.resumed?.trainState?.step ?? 0, backend: this.backend.describe(),
      }],
    };
  }
}

/** Trains to the end: TrainingRun.create + run. */
export async function train(given: RunOptions, setup: RunSetup = {}): Promise<{ out: string; summary: TrainSummary; model: LanguageModel }> {
  const run = await TrainingRun.create(given, setup);
  const summary = await run.run();
  return { out: run.out, summary, model: run.model };
}

function corpusOptions(c: RunConfig): CorpusOptions {
  return {
    level: c.level, tokenizer: c.tokenizer as TokenizerKind | undefined, lowercase: c.lowercase, bpeMerges: c.bpeMerges,
    minFreq: c.minFreq, maxVocab: c.maxVocab, batching: c.batching!, valFraction: c.valFraction, seed: c.seed, maxDocs: c.maxDocs,
    source: {
      format: c.format, textField: c.textField, textColumn: c.textColumn, labelColumn: c.labelColumn, header: c.header,
    },
  };
}

/**
 * The configuration a run was started with. Files written before run configurations were
 * saved (rnnlab-lm/1) hold the model and training settings but not the data: those come from
 * what the caller gives now (--data is then required).
 */
function savedConfig(m: LoadedModel<LanguageModel>, given: RunOptions, file: string): RunConfig {
  if (m.runConfig) return { ...DEFAULTS, ...m.runConfig } as RunConfig;
  const s = m.trainState;
  if (!s) throw new RnnlabError(`${file} holds no training state (it is not a last.safetensors)`);
  if (!given.data) throw new RnnlabError(`${file} was written by an older rnnlab that did not record its data: resume with --data FILE`);
  const o = s.options as Record<string, unknown>;
  const kind = m.tokenizer.kind;
  const known: Partial<RunConfig> = {
    ...(m.model.config as unknown as Partial<RunConfig>),
    level: kind === 'char' ? 'char' : kind === 'bpe' ? 'bpe' : 'word',
    tokenizer: kind === 'word' || kind === 'wordpunct' ? kind : undefined,
    lowercase: m.tokenizer.settings.lowercase,
    batch: o.batch as number, seq: o.seq as number, epochs: o.epochs as number, maxSteps: o.maxSteps as number,
    maxTime: (o.maxSeconds as number) ?? 0, lr: o.lr as number, optimizer: o.optimizer as RunConfig['optimizer'],
    momentum: o.momentum as number, weightDecay: o.weightDecay as number, clip: o.clip as number, seed: o.seed as number,
    batching: o.batching as RunConfig['batching'], maxLen: o.maxLen as number, overflow: o.overflow as RunConfig['overflow'],
    lrDecay: o.lrDecay as number, patience: o.patience as number,
  };
  delete (known as Record<string, unknown>).vocabSize;
  // What the old file does not know is taken as given (the data fingerprint still guards it).
  const unknown = Object.fromEntries([...givenKeys(given)].filter((k) => !(k in known)).map((k) => [k, given[k]]));
  return { ...DEFAULTS, ...unknown, ...known, data: given.data, out: given.out } as RunConfig;
}

/** A resume with nothing left to do is refused with what to change. */
function refuseFinished(c: RunConfig, m: LoadedModel, out: string): void {
  const s = m.trainState!;
  const how = (flag: string) => `give a larger ${flag}${flag === '--epochs' ? '' : ' (0: no limit)'} to continue it`;
  if (c.maxSteps > 0 && s.step >= c.maxSteps) throw new RnnlabError(`the run in ${out} already reached its budget of --max-steps ${c.maxSteps}: ${how('--max-steps')}`);
  if (c.maxTime > 0 && s.elapsedSeconds >= c.maxTime) throw new RnnlabError(`the run in ${out} already used its budget of --max-time ${c.maxTime} s: ${how('--max-time')}`);
  if (s.epoch >= c.epochs) throw new RnnlabError(`the run in ${out} already trained its ${c.epochs} epochs: ${how('--epochs')}`);
  if (c.patience > 0 && (s.badEpochs ?? 0) >= c.patience) {
    throw new RnnlabError(`the run in ${out} stopped early: no validation improvement in ${c.patience} epochs (${flagOf('patience')})`);
  }
}

/** The rows × timesteps of the largest batch. */
function largestBatch(c: RunConfig, corpus: Corpus): { rows: number; steps: number } {
  if (corpus.data.kind === 'stream') return { rows: c.batch, steps: c.seq };
  let longest = 0;
  for (const d of corpus.data.train) longest = Math.max(longest, d.length - 1);
  for (const d of corpus.data.val) longest = Math.max(longest, d.length - 1);
  return { rows: c.batch, steps: c.maxLen > 0 ? Math.min(longest, c.maxLen - 1) : longest };
}

function refuseOversized(m: ModelConfig, c: RunConfig, corpus: Corpus, backend: Backend, limit?: number): MemoryEstimate {
  const { rows, steps } = largestBatch(c, corpus);
  const est = estimateLmMemory({
    vocab: m.vocabSize, embed: m.embed, hidden: m.hidden, layers: m.layers, cell: m.cell === 'rnn' ? 'rnn_tanh' : m.cell,
    dropout: m.dropout, tieWeights: m.tieWeights, optimizer: c.optimizer, momentum: c.momentum, rows, steps,
  });
  const available = limit ?? (backend.name === 'wasm' ? 4 * 2 ** 30 : totalmem());
  const where = backend.name === 'wasm' ? 'the wasm backend can address (wasm32)' : 'this machine has';
  const what = `${est.parameters.toLocaleString('en-US')} parameters with their gradients and optimizer state take ${formatBytes(est.parameterBytes)}, one batch of ${rows} × ${steps} takes ${formatBytes(est.activationBytes)}`;
  if (est.bytes > available) {
    throw new RnnlabError(`the model needs about ${formatBytes(est.bytes)} (${what}) but ${where} ${formatBytes(available)}: use a smaller --hidden, --layers, --embed, --batch or --seq`);
  }
  if (est.largestTensor > 2 ** 32 - 1) {
    throw new RnnlabError(`the model needs a tensor of ${est.largestTensor.toLocaleString('en-US')} numbers, over the 4,294,967,295 a typed array can hold: use a smaller --hidden, --batch or --seq`);
  }
  return est;
}

export { RUN_FILES };
