/**
 * `rnnlab import`: a model trained in PyTorch with the documented module layout (embedding,
 * rnn, decoder; classifiers: embedding, rnn or features, fc — the names rnnlab's checkpoints
 * use) becomes an rnnlab model folder. Sizes the config leaves out are read from the tensor
 * shapes; then every tensor is checked against the shape the whole config implies, the
 * vocabulary against the vocabulary size, and the model is built through the architecture
 * registry and written as OUT/model.safetensors, so eval, sample, classify and export take it
 * as they take a trained one. Where it came from is kept in its `imported` metadata and in
 * OUT/imported.json.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { JsBackend } from '../backend/js/index.js';
import { RnnlabError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { prepareFolder, removeFolders } from '../io/out-dir.js';
import type { StTensor } from '../io/safetensors.js';
import { architecture } from '../nn/architectures.js';
import type { ClassifierConfig } from '../nn/classifier.js';
import type { ModelConfig } from '../nn/config.js';
import type { Model } from '../nn/model.js';
import { buildWithin } from '../train/checkpoint-checks.js';
import { encodeCheckpoint } from '../train/checkpoint-format.js';
import { classifierMeta } from '../classify/predict.js';
import { readJsonFile, readWeights } from './import-files.js';
import { classifierShapes, fmtShape, GivenConfig, inferClassifier, inferLanguageModel, languageModelShapes, type Inference } from './import-shapes.js';
import { checkVocabFitsTokenizer, importTokenizer, importVocab, levelOf, type Level } from './import-text.js';

export interface ImportOptions {
  /** The weights: a .safetensors file with PyTorch parameter names (`--from`). */
  weights: string;
  /** CONFIG.json: any of the checkpoint config's keys, plus "arch", "level" (and "labels" for classifiers). */
  config: string;
  /** VOCAB.json: an array of tokens, index = id. */
  vocab: string;
  /** SETTINGS.json: the tokenizer settings (rnnlab export's tokenizer.json); without it, from "level". */
  tokenizer?: string;
  /** The folder to write model.safetensors and imported.json to. */
  out: string;
  /** Replace a model already in `out`. */
  force?: boolean;
}

export interface ImportResult {
  /** OUT/model.safetensors. */
  model: string;
  arch: string;
  config: ModelConfig | ClassifierConfig;
  level: Level;
  vocabSize: number;
  /** Tensors of the file that are not model parameters and were left out (optimizer state, …). */
  ignored: string[];
  /** What was converted, inferred or assumed. */
  notes: string[];
}

/** Keys CONFIG.json may hold besides the model config's own. */
const COMMON_KEYS = ['arch', 'level', 'lowercase', 'batching'];
const MODEL_KEYS: Record<string, string[]> = {
  lm: ['vocabSize', 'cell', 'activation', 'layers', 'hidden', 'embed', 'dropout', 'tieWeights', 'init'],
  classifier: ['vocabSize', 'classes', 'model', 'embed', 'hidden', 'layers', 'bidirectional', 'pool', 'dropout', 'kernel', 'stride', 'labels', 'maxLen', 'clean'],
};

/** Tensors a training script saves beside the model that the import leaves out: optimizer state and rnnlab's carried recurrent state. */
const NOT_PARAMETERS = [/^optimizer\./, /^state\.[hc]_l\d+$/];
/** Wrappers that prefix every name: DistributedDataParallel (`module.`) and torch.compile (`_orig_mod.`). */
const WRAPPERS = ['module.', '_orig_mod.'];

export function importModel(o: ImportOptions): ImportResult {
  const cfgFile = `--config ${o.config}`;
  const raw = readJsonFile(o.config, '--config');
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new RnnlabError(`${cfgFile} is not a JSON object of config keys (e.g. {"cell":"gru","layers":2,"level":"char"})`);
  const given = new GivenConfig(raw as Record<string, unknown>, cfgFile);
  const arch = given.choice('arch', ['lm', 'classifier'] as const) ?? 'lm';
  const archInfo = architecture(arch, cfgFile);
  const unknown = Object.keys(raw).filter((k) => !COMMON_KEYS.includes(k) && !MODEL_KEYS[arch].includes(k));
  if (unknown.length > 0) {
    throw new RnnlabError(`${cfgFile}: unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')} for a ${archInfo.description} (known: ${[...MODEL_KEYS[arch], ...COMMON_KEYS].join(', ')})`);
  }
  const vocab = importVocab(readJsonFile(o.vocab, '--vocab'), o.vocab);
  const level = given.choice('level', ['char', 'word', 'bpe'] as const);
  const tokenizer = importTokenizer(o.tokenizer === undefined ? null : { value: readJsonFile(o.tokenizer, '--tokenizer'), file: o.tokenizer }, level, given.bool('lowercase'), cfgFile);
  checkVocabFitsTokenizer(vocab, tokenizer, o.vocab);

  const from = `--from ${o.weights}`;
  const weights = readWeights(o.weights);
  const notes = [...weights.notes];
  let tensors = weights.file.tensors;
  const wrapper = WRAPPERS.find((w) => tensors.size > 0 && [...tensors.keys()].every((n) => n.startsWith(w)));
  if (wrapper) {
    tensors = new Map([...tensors].map(([n, t]) => [n.slice(wrapper.length), t]));
    notes.push(`every tensor name started with "${wrapper}" (${wrapper === 'module.' ? 'DistributedDataParallel' : 'torch.compile'}): read without it`);
  }
  const ignored = [...tensors.keys()].filter((n) => NOT_PARAMETERS.some((re) => re.test(n)));
  if (ignored.length > 0) notes.push(`left out ${ignored.length === 1 ? '1 tensor that is not a model parameter' : `${ignored.length} tensors that are not model parameters`} (optimizer or carried state): ${ignored.slice(0, 3).join(', ')}${ignored.length > 3 ? ', …' : ''}`);
  const params = new Map([...tensors].filter(([n]) => !ignored.includes(n)));

  const meta = weights.file.metadata;
  const labels = arch === 'classifier' ? classNames(given, meta, cfgFile) : null;
  const inferred: Inference<ModelConfig | ClassifierConfig> = arch === 'lm'
    ? inferLanguageModel(given, params, from)
    : inferClassifier(given, params, from, labels?.names.length);
  notes.push(...inferred.notes);
  const config = inferred.config;
  notes.push(...zeroAbsentBiases(params, arch === 'lm' ? languageModelShapes(config as ModelConfig).shapes : classifierShapes(config as ClassifierConfig).shapes));
  checkTensors(params, config, arch, from, weights.dtypes);
  const classes = (config as ClassifierConfig).classes;
  if (labels && labels.names.length !== classes) {
    throw new RnnlabError(`${given.has('labels') ? `${cfgFile}: "labels" names` : `${from}: its metadata names`} ${labels.names.length} classes, but the classifier has ${classes} (${given.has('classes') ? '"classes" in the config' : `fc.weight ${fmtShape(params.get('fc.weight')?.shape ?? [])}`})`);
  }
  if (vocab.size !== config.vocabSize) {
    const source = given.has('vocabSize') ? `${cfgFile} says "vocabSize": ${config.vocabSize}` : `the weights are for ${config.vocabSize} tokens (${vocabTensor(params)})`;
    throw new RnnlabError(`--vocab ${o.vocab} holds ${vocab.size} tokens, but ${source}`);
  }

  const batching = given.choice('batching', ['stream', 'window', 'pad', 'bucket'] as const)
    ?? (meta.batching as string | undefined) ?? (arch === 'lm' ? 'stream' : 'pad');
  if ((batching === 'pad' || batching === 'bucket') && arch === 'lm' && (vocab.pad < 0 || vocab.sos < 0 || vocab.eos < 0)) {
    throw new RnnlabError(`${cfgFile} says "batching": "${batching}" (documents as [SOS] … [EOS]), but --vocab ${o.vocab} lacks ${['[PAD]', '[SOS]', '[EOS]'].filter((t) => !vocab.has(t)).join(', ')}`);
  }
  if (arch === 'classifier' && vocab.pad < 0) {
    throw new RnnlabError(`--vocab ${o.vocab} has no [PAD] token, which rnnlab pads a classifier's batches with: name the padding token [PAD] in the vocabulary (and the unknown-word token [UNK])`);
  }

  const model = build(arch, config, params, cfgFile);
  const at = new Date().toISOString();
  const provenance = {
    from: o.weights, configFile: o.config, vocabFile: o.vocab, ...(o.tokenizer !== undefined ? { tokenizerFile: o.tokenizer } : {}),
    at, ...(ignored.length ? { ignored } : {}), ...(notes.length ? { notes } : {}),
  };
  const extraMeta: Record<string, string> = { imported: JSON.stringify(provenance) };
  if (labels) {
    const maxLen = given.int('maxLen') ?? Number(meta.max_len ?? 0);
    const clean = given.bool('clean') ?? meta.clean === 'true';
    Object.assign(extraMeta, classifierMeta(labels, { maxLen: Number.isInteger(maxLen) ? maxLen : 0, clean }));
  }
  const bytes = encodeCheckpoint({ model, vocab, tokenizer, batching, meta: extraMeta });
  const path = writeModel(o.out, bytes, JSON.stringify({ ...provenance, arch, level: levelOf(tokenizer.kind), model: model.config }, null, 2) + '\n', o.force ?? false);
  return { model: path, arch, config: model.config as ModelConfig | ClassifierConfig, level: levelOf(tokenizer.kind), vocabSize: vocab.size, ignored, notes };
}

/** A classifier's class names: the config's "labels", else the weights file's own metadata (a file rnnlab wrote). */
function classNames(given: GivenConfig, meta: Record<string, string>, cfgFile: string): { names: string[]; labels: string[] } {
  const v = given.values.labels;
  if (v !== undefined) {
    if (!Array.isArray(v) || v.length < 2 || !v.every((x) => typeof x === 'string')) {
      throw new RnnlabError(`${cfgFile}: "labels" must be an array of at least 2 class names (strings, in class order), got ${JSON.stringify(v).slice(0, 80)}`);
    }
    if (new Set(v).size !== v.length) throw new RnnlabError(`${cfgFile}: "labels" lists a class name twice`);
    return { names: [...v], labels: [...v] };
  }
  try {
    const names = JSON.parse(meta.classes) as unknown, labels = JSON.parse(meta.labels ?? meta.classes) as unknown;
    const strings = (a: unknown): a is string[] => Array.isArray(a) && a.every((x) => typeof x === 'string');
    if (strings(names) && strings(labels) && names.length === labels.length) return { names, labels };
  } catch {
    // no class list in the file: asked for below
  }
  throw new RnnlabError(`a classifier needs its class names: add "labels": ["name of class 0", "name of class 1", …] to ${cfgFile}`);
}

const kindOf = (c: ModelConfig | ClassifierConfig, arch: string): string => {
  if (arch === 'lm') {
    const m = c as ModelConfig;
    return `cell ${m.cell}, layers ${m.layers}, hidden ${m.hidden}, embed ${m.embed}, vocabulary ${m.vocabSize}`;
  }
  const k = c as ClassifierConfig;
  return `model ${k.model}${k.bidirectional ? ' bidirectional' : ''}, layers ${k.layers}, hidden ${k.hidden}, embed ${k.embed}, vocabulary ${k.vocabSize}, classes ${k.classes}`;
};

/** Which tensor the vocabulary size was read from, for the vocabulary message. */
function vocabTensor(params: ReadonlyMap<string, StTensor>): string {
  for (const n of ['embedding.weight', 'decoder.weight', 'decoder.bias', 'rnn.weight_ih_l0']) {
    const t = params.get(n);
    if (t) return `${n} ${fmtShape(t.shape)}`;
  }
  return 'from the tensor shapes';
}

/**
 * Every tensor against the shape the config implies: a mismatch first (the likeliest mistake: a
 * config for another model), then a missing tensor, then tensors the model does not have; then
 * what the values must be (floats, finite; a tied weight saved twice saved the same).
 */
function checkTensors(params: ReadonlyMap<string, StTensor>, config: ModelConfig | ClassifierConfig, arch: string, from: string, dtypes: ReadonlyMap<string, string>): void {
  const { shapes, optional } = arch === 'lm' ? languageModelShapes(config as ModelConfig) : classifierShapes(config as ClassifierConfig);
  const implied = `(${kindOf(config, arch)})`;
  for (const [name, want] of shapes) {
    const t = params.get(name);
    if (t && fmtShape(t.shape) !== fmtShape(want)) throw new RnnlabError(`${from}: ${name} is ${fmtShape(t.shape)}, the config implies ${fmtShape(want)} ${implied}`);
  }
  const extra = [...params.keys()].filter((n) => !shapes.has(n));
  for (const [name, want] of shapes) {
    if (params.has(name) || optional.has(name)) continue;
    // tensors under other names are most likely the same modules named differently: show both
    const instead = extra.length > 0 ? `; it holds ${extra.slice(0, 3).join(', ')}${extra.length > 3 ? ', …' : ''} instead (the documented layout names the modules embedding, rnn, ${arch === 'lm' ? 'decoder' : 'features/fc'})` : '';
    throw new RnnlabError(`${from} lacks the tensor ${name} ${fmtShape(want)} that the config implies ${implied}${instead}`);
  }
  if (extra.length > 0) {
    throw new RnnlabError(`${from} holds ${extra.length === 1 ? 'a tensor' : `${extra.length} tensors`} that this ${arch === 'lm' ? 'language model' : 'classifier'} ${implied} does not have: ${extra.slice(0, 6).join(', ')}${extra.length > 6 ? ', …' : ''}`);
  }
  for (const [name, t] of params) {
    const d = dtypes.get(name) ?? 'F32';
    if (name.endsWith('.num_batches_tracked')) continue;
    if (t.dtype !== 'F32') throw new RnnlabError(`${from}: ${name} is ${d}, but a weight must be a float tensor`);
    for (let i = 0; i < t.data.length; i++) if (!Number.isFinite(t.data[i])) throw new RnnlabError(`${from}: ${name} holds non-finite values (NaN or infinity) at index ${i}`);
  }
  const e = params.get('embedding.weight'), d = params.get('decoder.weight');
  if (arch === 'lm' && (config as ModelConfig).tieWeights && e && d && !e.data.every((v, i) => v === d.data[i])) {
    throw new RnnlabError(`${from}: decoder.weight differs from embedding.weight, but the config ties them ("tieWeights": true)`);
  }
}

/**
 * A module built with bias=False saves no bias, which is the same as a zero one; rnnlab's
 * modules always have one, so it is added as zeros. Only a module with none of its biases and
 * some of its weights counts: a single missing bias is a damaged file, left to the checks.
 */
function zeroAbsentBiases(params: Map<string, StTensor>, shapes: ReadonlyMap<string, number[]>): string[] {
  const notes: string[] = [];
  // BatchNorm's bias goes with its weight (affine), never alone: not a bias=False module
  const modules = new Set([...shapes.keys()].map((n) => /^(.*)\.bias(?:_.*)?$/.exec(n)?.[1]).filter((m): m is string => m !== undefined && !shapes.has(`${m}.running_mean`)));
  for (const m of modules) {
    const biases = [...shapes.keys()].filter((n) => n.startsWith(`${m}.bias`));
    const weights = [...shapes.keys()].filter((n) => n.startsWith(`${m}.weight`));
    if (biases.some((n) => params.has(n)) || !weights.some((n) => params.has(n))) continue;
    for (const n of biases) {
      const shape = shapes.get(n)!;
      params.set(n, { dtype: 'F32', shape: [...shape], data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
    }
    notes.push(`${m} has no bias (bias=False): zeros, which compute the same`);
  }
  return notes;
}

/** The model through the architecture registry, with the file's tensors in it. */
function build(arch: string, config: ModelConfig | ClassifierConfig, params: ReadonlyMap<string, StTensor>, cfgFile: string): Model {
  let elements = 0;
  for (const t of params.values()) elements += t.data.length;
  let model: Model;
  try {
    model = buildWithin(architecture(arch), new JsBackend(), config, elements, cfgFile);
  } catch (e) {
    if (e instanceof RnnlabError && !e.message.includes(cfgFile)) throw new RnnlabError(`${cfgFile}: ${e.message}`);
    throw e;
  }
  for (const [name, t] of model.stateDict()) {
    const s = params.get(name) ?? (name === 'decoder.weight' ? params.get('embedding.weight') : undefined);
    // checkTensors compared every name and shape with the same config: a difference here is a bug
    if (!s || s.data.length !== t.size) throw new Error(`import: ${name} of the built model does not match the checked shapes`);
    t.data.set(s.data);
  }
  return model;
}

/** OUT/model.safetensors and OUT/imported.json, atomically; an existing model only with --force, a training run never. */
function writeModel(out: string, bytes: Uint8Array, provenance: string, force: boolean): string {
  const path = join(out, 'model.safetensors');
  if (existsSync(join(out, 'last.safetensors'))) {
    throw new RnnlabError(`--out ${out} holds a training run (last.safetensors): import into another folder, so the run's checkpoints do not end up beside another model`);
  }
  if (existsSync(path) && !force) throw new RnnlabError(`--out ${out} already holds a model (model.safetensors): add --force to replace it, or choose another --out`);
  const made = prepareFolder(out, '--out');
  try {
    writeFileAtomic(path, bytes);
    writeFileAtomic(join(out, 'imported.json'), provenance);
  } catch (e) {
    removeFolders(made);
    throw e;
  }
  return path;
}
