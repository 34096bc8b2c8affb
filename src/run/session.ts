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
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Backend, Precision } from '../backend/backend.js';
import { createBackend } from '../backend/select.js';
import { RnnlabError } from '../errors.js';
import type { ModelConfig } from '../nn/config.js';
import { LanguageModel } from '../nn/language-model.js';
import { countParameters } from '../nn/model.js';
import { StreamBatcher } from '../text/batching/stream.js';
import { WindowBatcher } from '../text/batching/windows.js';
import { pretrainedVocab, type EmbeddingAlignment, type Pretrained } from '../text/embeddings/index.js';
import type { VocabBuildOptions } from '../text/vocab.js';
import type { TokenizerKind } from '../text/tokenizers/tokenizer.js';
import { loadCheckpoint, requireLanguageModel, type LoadedModel } from '../train/checkpoint.js';
import { drain, type EvalResult } from '../eval/perplexity.js';
import { heldOutData, prepareCorpus, type Corpus, type CorpusOptions, type HeldOut, type LoadProgress } from '../train/corpus.js';
import type { RunSink, TestEvent } from '../train/events.js';
import { fingerprint } from '../train/fingerprint.js';
import { heldOutEvaluation, LmTask } from '../train/lm-task.js';
import { TrainLoop, type TrainSummary } from '../train/loop.js';
import { Rng } from '../util/rng.js';
import { TRAINING_KEYS, type RunConfig, type RunOptions, type TrainingSettings } from './config.js';
import { estimateLmMemory, largestBatch, refuseOversized, type MemoryEstimate } from './memory.js';
import { refuseFinished, resolveNewRun, resolveResume, savedRunConfig } from './resolve.js';
import { withAbsoluteFiles } from './absolute-files.js';
import { freshRunDir, withRunClaim, type ClaimDir, memoryLimit, refuseOccupied, type RunClaim } from './guards.js';
import { RunDirectory } from './run-dir.js';
import { loadLastCheckpoint } from './last-checkpoint.js';
import { backendIn, newRunPrecision, resumePrecision } from './precision.js';

export interface RunSetup {
  /** Continue the run in `out` from its last.safetensors. */
  resume?: boolean;
  /**
   * Default: the fastest available (createBackend()) in the run's --precision. A backend given
   * must compute in that precision (a new run without --precision takes the backend's).
   */
  backend?: Backend;
  /** Where events and checkpoints also go (a progress display, a server stream). */
  sinks?: RunSink[];
  /**
   * A demo run: `out` may hold an earlier demo, which is replaced (never another run), and
   * config.json marks the run as a demo.
   */
  demo?: boolean;
  /** Memory available to the run, bytes (default: the machine's or the container's limit, 4 GiB on wasm). */
  memoryLimit?: number;
  /** Hears how far the data files have been read (a progress display for large corpora). */
  loadProgress?: (p: LoadProgress) => void;
  /** What the run directory's lock names as its owner (default "rnnlab train"). */
  command?: string;
  /** Notes for the user (a stale lock taken over); default: a line on stderr. */
  note?: (line: string) => void;
}

/** The default of RunSetup.note. */
export const noteOnStderr = (line: string): void => {
  process.stderr.write(line + '\n');
};

/** rnnlab's version, saved in config.json. */
export const VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

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
    /** The pretrained vectors aligned to the vocabulary (a new run with --embeddings). */
    readonly embeddings: EmbeddingAlignment | null,
    /** The --test-data file, encoded. */
    readonly test: HeldOut | null,
    private readonly resumed: LoadedModel<LanguageModel> | null,
    private readonly setup: RunSetup,
    private readonly claim: RunClaim,
  ) {}

  /**
   * Everything that can fail on bad input fails here, before anything is written. The run
   * directory is claimed first (made, proven writable, locked) and let go again on a failure.
   */
  static async create(given: RunOptions, setup: RunSetup = {}): Promise<TrainingRun> {
    return withRunClaim(setup.command ?? 'rnnlab train', setup.note ?? noteOnStderr, (claimDir) => TrainingRun.prepare(given, setup, claimDir));
  }

  private static async prepare(given: RunOptions, setup: RunSetup, claimDir: ClaimDir): Promise<TrainingRun> {
    let config: RunConfig;
    let resumed: LoadedModel<LanguageModel> | null = null;
    let backend = setup.backend;
    let claim: RunClaim;
    let precision: Precision = 'fp32', switchNote: string | null = null;
    if (setup.resume) {
      if (!given.out) throw new RnnlabError('--resume needs --out DIR (the run to continue)');
      if (!existsSync(join(given.out, 'last.safetensors'))) throw new RnnlabError(`cannot resume: ${join(given.out, 'last.safetensors')} does not exist`);
      claim = claimDir(given.out, true);
      const switched = resumePrecision(join(given.out, 'last.safetensors'), given.precision);
      precision = switched.precision;
      switchNote = switched.note;
      backend = await backendIn(precision, backend);
      let last: string;
      ({ last, backend, resumed } = await loadLastCheckpoint(given.out, backend, requireLanguageModel));
      config = resolveResume(savedRunConfig(resumed, given, last), withAbsoluteFiles(given));
      config.precision = precision;
      config.out = given.out!;
      refuseFinished(config, resumed, config.out);
      if (!existsSync(config.data)) {
        throw new RnnlabError(`cannot resume: the run's data ${config.data} is not there any more (give --data FILE if it moved)`);
      }
    } else {
      config = resolveNewRun({ ...given, precision: newRunPrecision(given.precision, backend) });
      const fresh = config.out === undefined;
      config.out ??= freshRunDir(`${config.level}-${config.cell}`);
      claim = claimDir(config.out, false, fresh);
      refuseOccupied(config.out, !!setup.demo);
      backend = await backendIn(config.precision, backend);
    }
    // Saved as the absolute path, so a resume from another directory finds it.
    config.data = resolve(config.data);
    // Pretrained vectors: the vocabulary is built with them (from the data, the file or both).
    let pretrained: Pretrained | null = null;
    const makeVocab = config.embeddings && !resumed
      ? async (counts: Map<string, number>, opts: VocabBuildOptions) => {
        pretrained = await pretrainedVocab(config.embeddings!, config.vocabFrom, counts, opts, given.embed !== undefined ? config.embed : undefined, config.seed);
        return pretrained.vocab;
      }
      : undefined;
    const progress = setup.loadProgress;
    const corpus = await prepareCorpus(config.data, { ...corpusOptions(config), makeVocab, progress }, resumed ? { tokenizer: resumed.tokenizer, vocab: resumed.vocab } : undefined);
    const embeddings = (pretrained as Pretrained | null)?.embeddings ?? null;
    if (pretrained) config.embed = (pretrained as Pretrained).dim;
    // Separate validation and test files, read as the training data were (both now, so a bad file fails before training).
    const reuse = { tokenizer: corpus.tokenizer, vocab: corpus.vocab };
    if (config.valData) {
      config.valData = resolve(config.valData);
      corpus.data.val = (await heldOutData(config.valData, { ...corpusOptions(config), progress }, reuse)).data as never;
    }
    let test: HeldOut | null = null;
    if (config.testData) {
      config.testData = resolve(config.testData);
      test = await heldOutData(config.testData, { ...corpusOptions(config), progress }, reuse);
    }
    if (resumed && fingerprint(corpus.data) !== resumed.trainState!.dataFingerprint) {
      throw new RnnlabError('the training data differs from the run being resumed (the same --data and settings are needed)');
    }
    const modelConfig: ModelConfig = resumed ? resumed.model.config : {
      vocabSize: corpus.vocab.size, cell: config.cell, activation: config.activation, layers: config.layers, hidden: config.hidden,
      embed: config.embed, dropout: config.dropout, tieWeights: config.tieWeights, init: config.init,
    };
    // too little data: one clear line now
    if (corpus.data.kind === 'stream') {
      if (config.batching === 'window') new WindowBatcher(corpus.data.train, config.seq, config.stride);
      else new StreamBatcher(corpus.data.train, config.batch, config.seq);
    }
    const shape = largestBatch(config, corpus.data);
    const memory = estimateLmMemory({
      vocab: modelConfig.vocabSize, embed: modelConfig.embed, hidden: modelConfig.hidden, layers: modelConfig.layers,
      cell: modelConfig.cell === 'rnn' ? 'rnn_tanh' : modelConfig.cell, dropout: modelConfig.dropout, tieWeights: modelConfig.tieWeights,
      optimizer: config.optimizer, momentum: config.momentum, ...shape,
    });
    const wasm = backend.name === 'wasm';
    refuseOversized(memory, shape, setup.memoryLimit ?? (wasm ? 4 * 2 ** 30 : memoryLimit()), wasm ? 'the wasm backend can address (wasm32)' : 'this machine has');
    const model = resumed ? resumed.model : new LanguageModel(backend, modelConfig);
    // frozen from the start (the summary printed before training shows it so)
    if (!resumed && (config.freezeEmbeddings || config.freezeSteps > 0)) for (const p of model.embedding.params()) p.freeze();
    if (switchNote) (setup.note ?? noteOnStderr)(switchNote);
    return new TrainingRun(config, config.out, backend, corpus, model, memory, embeddings, test, resumed, setup, claim);
  }

  /** Finish the current step (or abandon a validation), write last.safetensors and return (stoppedBy 'interrupt'). */
  stop(): void {
    if (this.loop) this.loop.stop();
    else this.stopEarly = true;
  }

  /** There is validation data (else model.safetensors is simply the latest weights). */
  get hasValidation(): boolean {
    const v = this.corpus.data.val;
    return Array.isArray(v) ? v.length > 0 : v.length >= 2;
  }

  /** The settings the loop trains with. */
  get settings(): TrainingSettings {
    const s = Object.fromEntries(TRAINING_KEYS.map((k) => [k, this.config[k]])) as unknown as TrainingSettings;
    return { ...s, batching: this.config.batching! };
  }

  /** Trains until the budget is spent or stop() is called; `sinks` watch this session too. */
  async run(sinks: readonly RunSink[] = []): Promise<TrainSummary> {
    try {
      return await this.train(sinks);
    } finally {
      this.claim.release(false);
    }
  }

  private async train(sinks: readonly RunSink[]): Promise<TrainSummary> {
    const { config, corpus, model, resumed } = this;
    const dir = new RunDirectory(this.out);
    if (resumed) dir.open(resumed.trainState!.step);
    else dir.openFresh();
    const rng = new Rng(config.seed);
    if (!resumed) {
      model.initialize(rng);
      if (this.embeddings) model.embedding.load(this.embeddings.matrix, { frozen: model.embedding.weight!.frozen });
    }
    const settings = this.settings;
    this.loop = new TrainLoop({
      task: new LmTask(model, corpus.data, corpus.vocab.pad, { ...settings, stride: config.stride }),
      settings,
      sinks: [dir, ...(this.setup.sinks ?? []), ...sinks],
      contents: () => ({ model, vocab: corpus.vocab, tokenizer: corpus.tokenizer, batching: settings.batching }),
      runConfig: config,
      rng,
      resume: resumed,
      // A checkpoint from before savedValLoss was kept: its run directory says which validation model.safetensors holds.
      savedValLoss: resumed && resumed.trainState!.savedValLoss === undefined ? dir.bestLoggedLoss(resumed.trainState!.step) : undefined,
      freeze: { params: model.embedding.params(), steps: config.freezeEmbeddings ? -1 : config.freezeSteps },
    });
    dir.writeConfig(this.describe(dir.readConfig()));
    if (this.stopEarly) this.loop.stop();
    const summary = await this.loop.run();
    if (this.test && !summary.interrupted) summary.test = this.scoreTest([dir, ...(this.setup.sinks ?? []), ...sinks], summary.steps);
    return summary;
  }

  /** The test file's score with the weights validation chose (model.safetensors), as papers report it. */
  private scoreTest(sinks: readonly RunSink[], step: number): EvalResult | undefined {
    const best = requireLanguageModel(loadCheckpoint(join(this.out, 'model.safetensors'), this.backend));
    const g = heldOutEvaluation(best.model, this.test!.data, this.corpus.vocab.pad, this.settings);
    if (!g) return undefined;
    const r = drain(g);
    const e: TestEvent = { type: 'test', step, loss: r.loss, perplexity: r.perplexity, bits_per_token: r.bitsPerToken, tokens: r.tokens, oov: this.test!.oov };
    for (const s of sinks) s.event?.(e);
    return r;
  }

  /** config.json: what the run is, for people, plots and a dashboard (checkpoints stay the authority). */
  private describe(previous: Record<string, unknown> | null): Record<string, unknown> {
    const sessions = Array.isArray(previous?.sessions) ? (previous!.sessions as unknown[]) : [];
    return {
      rnnlab: VERSION,
      arch: this.model.arch,
      ...(this.setup.demo ? { demo: true } : {}),
      config: this.config,
      model: this.model.config,
      parameters: countParameters(this.model.params()),
      data: {
        documents: this.corpus.stats.documents, characters: this.corpus.stats.characters, tokens: this.corpus.tokens,
        vocabulary: this.corpus.vocab.size,
      },
      memory_estimate_bytes: this.memory.bytes,
      ...embeddingsReport(this.embeddings, previous),
      sessions: [...sessions, {
        started: new Date().toISOString(), from_step: this.resumed?.trainState?.step ?? 0, backend: this.backend.describe(), precision: this.config.precision,
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
    minFreq: c.minFreq, maxVocab: c.maxVocab, batching: c.batching!, valFraction: c.valData ? 0 : c.valFraction, seed: c.seed, maxDocs: c.maxDocs,
    unkToken: c.unkToken, eosPerLine: c.eosPerLine,
    source: { format: c.format, encoding: c.encoding, textField: c.textField, textColumn: c.textColumn, header: c.header },
  };
}

/** The pretrained vectors' coverage report for config.json: this session's (a new run) or the one the run began with (a resume). */
export function embeddingsReport(e: EmbeddingAlignment | null, previous: Record<string, unknown> | null): { embeddings?: unknown } {
  if (e) return { embeddings: e.report };
  return previous?.embeddings !== undefined ? { embeddings: previous.embeddings } : {};
}
