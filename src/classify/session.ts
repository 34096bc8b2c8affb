/**
 * A classifier training run (Node), the counterpart of src/run/session.ts for `rnnlab classify
 * train`: configuration (defaults, conflicts, resume rules), labelled data, the vocabulary
 * (from the data, from pretrained embeddings, or both), the pretrained vectors aligned to it,
 * the model, and the training loop with the run directory as a sink. Checkpoints carry the
 * class names and labels, so evaluation and prediction read new files the same way.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Backend, Precision } from '../backend/backend.js';
import { RnnlabError } from '../errors.js';
import { Classifier, type ClassifierConfig } from '../nn/classifier.js';
import { countParameters } from '../nn/model.js';
import { flagOf } from '../run/config.js';
import { freshRunDir, withRunClaim, type ClaimDir, memoryLimit, refuseOccupied, type RunClaim } from '../run/guards.js';
import { formatBytes } from '../run/memory.js';
import { validateRunOptions } from '../run/options.js';
import { withAbsoluteFiles } from '../run/absolute-files.js';
import { applyResumeRules, givenKeys, refuseFinished, refuseScheduleConflicts, resolvedFormat } from '../run/resolve.js';
import { RunDirectory } from '../run/run-dir.js';
import { embeddingsReport, noteOnStderr, VERSION, type RunSetup } from '../run/session.js';
import { pretrainedVocab, type EmbeddingAlignment } from '../text/embeddings/index.js';
import type { SourceOptions, SourceStats } from '../text/sources/index.js';
import type { SourceFormat } from '../text/sources/types.js';
import { createTokenizer, type Tokenizer } from '../text/tokenizers/tokenizer.js';
import { countTokens, SPECIALS, Vocab } from '../text/vocab.js';
import { requireClassifier, type LoadedModel } from '../train/checkpoint.js';
import { loadLastCheckpoint } from '../run/last-checkpoint.js';
import { backendIn, newRunPrecision, resumePrecision } from '../run/precision.js';
import type { RunSink } from '../train/events.js';
import { TrainLoop, type TrainSummary } from '../train/loop.js';
import { Rng } from '../util/rng.js';
import { CLASSIFY_DEFAULTS, CLASSIFY_TABLE, type ClassifyConfig, type ClassifyOptions } from './config.js';
import { encodeLabeled, labeledFingerprint, readLabeled, stratifiedSplit, type LabeledDoc } from './corpus.js';
import { labelScheme, type LabelScheme } from './labels.js';
import { classifierMeta, schemeOf } from './predict.js';
import { ClassifyTask } from './task.js';

export interface ClassifyCorpus {
  tokenizer: Tokenizer;
  vocab: Vocab;
  scheme: LabelScheme;
  train: LabeledDoc[];
  val: LabeledDoc[];
  stats: SourceStats;
  /** Documents cut at --max-len, and tokens mapped to [UNK] (training data). */
  cut: number;
  oov: number;
  tokens: number;
}

/** How to read labelled documents: JSON records' label is the field "label" unless named, as a CSV's is the column "label". */
export function sourceOf(c: Pick<ClassifyOptions, 'format' | 'encoding' | 'textField' | 'labelField' | 'textColumn' | 'labelColumn' | 'header'> & { data: string }): SourceOptions {
  const format = resolvedFormat({ format: c.format ?? 'auto', data: c.data });
  const labelField = c.labelField ?? (format === 'json' || format === 'jsonl' ? 'label' : undefined);
  return { format: c.format, encoding: c.encoding, textField: c.textField, labelField, textColumn: c.textColumn, labelColumn: c.labelColumn, header: c.header };
}

/** Defaults that depend on other settings, made explicit; conflicts refused. */
function resolveConfig(given: ClassifyOptions): ClassifyConfig {
  validateRunOptions(given as Record<string, unknown>, CLASSIFY_TABLE);
  if (!given.data) throw new RnnlabError('classify train needs --data FILE (labelled documents)');
  const c = { ...CLASSIFY_DEFAULTS, ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) } as ClassifyConfig;
  c.pool ??= c.model === 'cnn' ? 'max' : 'last';
  c.layers ??= c.model === 'cnn' ? 3 : 1;
  refuseConflicts(c, givenKeys(given));
  return c;
}

/** A labelled file's layout flags must fit its format (train and eval alike). */
export function refuseSourceConflicts(data: string, format: SourceFormat | undefined, given: Set<keyof ClassifyConfig>): void {
  const f = resolvedFormat({ format: format ?? 'auto', data });
  if (f === 'text') throw new RnnlabError(`${data} is read as plain text, which has no labels: give a CSV or JSON file (or --format)`);
  for (const k of ['textColumn', 'labelColumn', 'header'] as const) {
    if (given.has(k) && f !== 'csv') throw new RnnlabError(`${flagOf(k)} applies only to CSV data (${data} is read as ${f})`);
  }
  for (const k of ['textField', 'labelField'] as const) {
    if (given.has(k) && f !== 'json' && f !== 'jsonl') throw new RnnlabError(`${flagOf(k)} applies only to JSON and JSON Lines data (${data} is read as ${f})`);
  }
}

function refuseConflicts(c: ClassifyConfig, given: Set<keyof ClassifyConfig>): void {
  const refuse = (m: string): never => {
    throw new RnnlabError(m);
  };
  refuseSourceConflicts(c.data, c.format, given);
  if (given.has('momentum') && c.optimizer !== 'sgd') refuse('--momentum applies only to --optimizer sgd (Adam keeps its own moment estimates)');
  if (c.model === 'cnn' && c.pool === 'last') refuse('--pool last needs a recurrent --model (a CNN pools with max or mean)');
  if (c.model === 'cnn' && c.bidirectional) refuse('--bidirectional needs a recurrent --model (rnn, gru or lstm)');
  if (c.vocabFrom !== 'data' && !c.embeddings) refuse(`--vocab-from ${c.vocabFrom} needs --embeddings FILE`);
  if (c.vocabFrom === 'embeddings' && given.has('minFreq')) refuse('--min-freq counts the training data, which --vocab-from embeddings does not use (--max-vocab keeps the file\'s first N words)');
  if (c.freezeEmbeddings && c.freezeSteps > 0) refuse('--freeze-embeddings (never trained) and --freeze-steps (trained after N steps) contradict each other');
  if ((c.freezeEmbeddings || c.freezeSteps > 0) && !c.embeddings) refuse(`${c.freezeEmbeddings ? '--freeze-embeddings' : '--freeze-steps'} freezes pretrained vectors: give --embeddings FILE`);
  if (given.has('valFraction') && c.valData) refuse('--val-fraction splits the training data, which --val-data replaces');
  refuseScheduleConflicts(c, given, c.valFraction > 0 || !!c.valData, 'there is none (--val-fraction 0 and no --val-data)');
}

function readClassNames(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new RnnlabError(`cannot read --classes ${path}: ${(e as Error).message}`);
  }
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
}

export class ClassifierRun {
  private loop: TrainLoop | null = null;
  private stopEarly = false;

  private constructor(
    readonly config: ClassifyConfig,
    readonly out: string,
    readonly backend: Backend,
    readonly corpus: ClassifyCorpus,
    readonly model: Classifier,
    /** The pretrained vectors aligned to the vocabulary (a new run with --embeddings). */
    readonly embeddings: EmbeddingAlignment | null,
    private readonly resumed: LoadedModel<Classifier> | null,
    private readonly setup: RunSetup,
    private readonly claim: RunClaim,
  ) {}

  /** Like TrainingRun.create: the run directory is claimed (made, proven writable, locked) first, and let go on a failure. */
  static async create(given: ClassifyOptions, setup: RunSetup = {}): Promise<ClassifierRun> {
    return withRunClaim(setup.command ?? 'rnnlab classify train', setup.note ?? noteOnStderr, (claimDir) => ClassifierRun.prepare(given, setup, claimDir));
  }

  private static async prepare(given: ClassifyOptions, setup: RunSetup, claimDir: ClaimDir): Promise<ClassifierRun> {
    let config: ClassifyConfig;
    let resumed: LoadedModel<Classifier> | null = null;
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
      ({ last, backend, resumed } = await loadLastCheckpoint(given.out, backend, requireClassifier));
      if (!resumed.runConfig || !resumed.trainState) throw new RnnlabError(`${last} holds no run configuration or training state`);
      config = { ...CLASSIFY_DEFAULTS, ...resumed.runConfig } as unknown as ClassifyConfig;
      applyResumeRules(CLASSIFY_TABLE, config as unknown as Record<string, unknown>, withAbsoluteFiles(given, CLASSIFY_TABLE) as Record<string, unknown>);
      config.precision = precision;
      config.out = given.out!;
      refuseFinished(config, resumed, config.out);
    } else {
      config = resolveConfig({ ...given, precision: newRunPrecision(given.precision, backend) });
      const fresh = config.out === undefined;
      config.out ??= freshRunDir(`classify-${config.model}`);
      claim = claimDir(config.out, false, fresh);
      refuseOccupied(config.out, false);
      backend = await backendIn(config.precision, backend);
    }
    config.data = resolve(config.data);
    if (config.valData) config.valData = resolve(config.valData);
    const { corpus, embeddings } = await prepare(config, resumed, given.embed !== undefined);
    if (resumed && labeledFingerprint(corpus.train) !== resumed.trainState!.dataFingerprint) {
      throw new RnnlabError('the training data differs from the run being resumed (the same --data and settings are needed)');
    }
    const modelConfig: ClassifierConfig = resumed ? resumed.model.config : {
      vocabSize: corpus.vocab.size, classes: corpus.scheme.names.length, model: config.model, embed: embeddings ? embeddings.matrix.length / corpus.vocab.size : config.embed,
      hidden: config.hidden, layers: config.layers!, bidirectional: config.bidirectional, pool: config.pool!, dropout: config.dropout, kernel: 3, stride: 2,
    };
    if (!resumed) config.embed = modelConfig.embed;
    const model = resumed ? resumed.model : new Classifier(backend, modelConfig);
    // frozen from the start (the summary printed before training shows it so)
    if (!resumed && (config.freezeEmbeddings || config.freezeSteps > 0)) for (const p of model.embedding.params()) p.freeze();
    refuseOversizedClassifier(model, config, corpus, setup.memoryLimit ?? (backend.name === 'wasm' ? 4 * 2 ** 30 : memoryLimit()));
    if (switchNote) (setup.note ?? noteOnStderr)(switchNote);
    return new ClassifierRun(config, config.out, backend, corpus, model, embeddings, resumed, setup, claim);
  }

  /** There is validation data (else model.safetensors is simply the latest weights). */
  get hasValidation(): boolean {
    return this.corpus.val.length > 0;
  }

  stop(): void {
    if (this.loop) this.loop.stop();
    else this.stopEarly = true;
  }

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
    const settings = {
      batch: config.batch, seq: 0, epochs: config.epochs, maxSteps: config.maxSteps, maxTime: config.maxTime, lr: config.lr, optimizer: config.optimizer,
      momentum: config.momentum, weightDecay: config.weightDecay, clip: config.clip, lrSchedule: config.lrSchedule, lrDecay: config.lrDecay, lrDecayStart: config.lrDecayStart,
      warmupSteps: config.warmupSteps, minLr: config.minLr, patience: config.patience,
      seed: config.seed, maxLen: config.maxLen, overflow: 'cut' as const, saveEvery: config.saveEvery, onNonfinite: config.onNonfinite, batching: config.batching,
    };
    this.loop = new TrainLoop({
      task: new ClassifyTask(model, { train: corpus.train, val: corpus.val }, corpus.vocab.pad, { batch: config.batch, seed: config.seed, batching: config.batching }),
      settings,
      sinks: [dir, ...(this.setup.sinks ?? []), ...sinks],
      contents: () => ({ model, vocab: corpus.vocab, tokenizer: corpus.tokenizer, batching: config.batching, meta: classifierMeta(corpus.scheme, config) }),
      runConfig: config as never,
      rng,
      resume: resumed,
      freeze: { params: model.embedding.params(), steps: config.freezeEmbeddings ? -1 : config.freezeSteps },
    });
    const previous = dir.readConfig();
    dir.writeConfig({
      rnnlab: VERSION,
      command: 'classify',
      arch: model.arch,
      config,
      model: model.config,
      classes: corpus.scheme.names,
      parameters: countParameters(model.params()),
      data: { documents: corpus.stats.documents, train: corpus.train.length, val: corpus.val.length, tokens: corpus.tokens, vocabulary: corpus.vocab.size, cut: corpus.cut, oov: corpus.oov },
      ...embeddingsReport(this.embeddings, previous),
      sessions: [...((previous?.sessions as unknown[]) ?? []), { started: new Date().toISOString(), from_step: resumed?.trainState?.step ?? 0, backend: this.backend.describe(), precision: config.precision }],
    });
    if (this.stopEarly) this.loop.stop();
    return this.loop.run();
  }
}

/** Training data, validation data, vocabulary and (new runs) pretrained vectors. */
async function prepare(c: ClassifyConfig, resumed: LoadedModel<Classifier> | null, embedGiven: boolean): Promise<{ corpus: ClassifyCorpus; embeddings: EmbeddingAlignment | null }> {
  const tokenizer = resumed ? resumed.tokenizer : createTokenizer({ kind: c.tokenizer, lowercase: c.lowercase });
  const source = sourceOf(c);
  const raw = await readLabeled(c.data, source, tokenizer, c.maxDocs, c.clean);
  if (raw.docs.some((d) => d.label === undefined)) {
    throw new RnnlabError(`${c.data} has documents without a label: name the label ${resolvedFormat(c) === 'csv' ? 'column with --label-column' : 'field with --label-field'}`);
  }
  const scheme = resumed ? schemeOf(resumed, c.out ?? 'the run') : labelScheme(raw.docs.map((d) => String(d.label)), c.classes ? readClassNames(c.classes) : null);
  let vocab: Vocab;
  let embeddings: EmbeddingAlignment | null = null;
  if (resumed) vocab = resumed.vocab;
  else {
    const counts = new Map<string, number>();
    for (const d of raw.docs) countTokens(counts, c.maxLen > 0 ? d.tokens.slice(0, c.maxLen) : d.tokens);
    const opts = { specials: SPECIALS, minFreq: c.minFreq, maxVocab: c.maxVocab > 0 ? c.maxVocab : undefined };
    if (!c.embeddings) vocab = Vocab.build(counts, opts);
    else {
      const p = await pretrainedVocab(c.embeddings, c.vocabFrom, counts, opts, embedGiven ? c.embed : undefined, c.seed);
      vocab = p.vocab;
      embeddings = p.embeddings;
    }
  }
  const enc = encodeLabeled(raw.docs, vocab, scheme, c.maxLen, c.data);
  let train = enc.docs, val: LabeledDoc[] = [];
  if (c.valData) {
    const rv = await readLabeled(c.valData, source, tokenizer, 0, c.clean);
    val = encodeLabeled(rv.docs, vocab, scheme, c.maxLen, c.valData).docs;
  } else if (c.valFraction > 0) {
    ({ train, val } = stratifiedSplit(enc.docs, c.valFraction, c.seed, scheme.names.length));
  }
  if (train.length === 0) throw new RnnlabError(`${c.data} leaves no training documents`);
  return { corpus: { tokenizer, vocab, scheme, train, val, stats: raw.stats, cut: enc.cut, oov: enc.oov, tokens: enc.tokens }, embeddings };
}

/** Weights, gradients and Adam state, and one batch of activations, against the memory there is. */
function refuseOversizedClassifier(model: Classifier, c: ClassifyConfig, corpus: ClassifyCorpus, available: number): void {
  const P = model.parameterCount();
  let longest = 1;
  for (const d of corpus.train) longest = Math.max(longest, d.ids.length);
  const width = Math.max(model.config.embed, model.config.hidden * (model.config.bidirectional ? 2 : 1));
  const activations = 4 * c.batch * longest * width * (6 + 4 * model.config.layers);
  const bytes = 4 * P * 5 + activations;
  if (bytes > available) {
    throw new RnnlabError(`the classifier needs about ${formatBytes(bytes)} (${P.toLocaleString('en-US')} parameters with gradients, Adam state and a checkpoint, and one batch of ${c.batch} × ${longest}) but there are ${formatBytes(available)}: use a smaller vocabulary (--max-vocab), --hidden or --batch`);
  }
}
