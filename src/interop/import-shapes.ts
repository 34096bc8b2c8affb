/**
 * From PyTorch tensors and a partial config to a whole rnnlab config: every size the config
 * leaves out is read from the tensor shapes (nn.Embedding's [V, E], nn.LSTM/GRU/RNN's
 * weight_ih_l<k> [G·H, I] and weight_hh_l<k> [G·H, H], nn.Linear's [out, in], Conv1d's
 * [F, in, K]), and the shapes the whole config implies are listed by name, so the import can
 * compare each tensor with them and name any that differ.
 */
import { RnnlabError } from '../errors.js';
import type { StTensor } from '../io/safetensors.js';
import type { ClassifierConfig } from '../nn/classifier.js';
import type { ModelConfig } from '../nn/config.js';

export type Tensors = ReadonlyMap<string, StTensor>;

export const fmtShape = (s: readonly number[]): string => `[${s.join(',')}]`;

/** Gate blocks per cell: what weight_hh_l0's rows are a multiple of its columns by. */
const GATES: Record<string, number> = { lstm: 4, gru: 3, rnn: 1 };
const CELL_OF_GATES: Record<number, 'lstm' | 'gru' | 'rnn'> = { 4: 'lstm', 3: 'gru', 1: 'rnn' };

export interface Inference<C> {
  config: C;
  /** What was read from shapes or assumed, for the user. */
  notes: string[];
}

/** Reads the config's keys with their types checked: a wrong type names the key and the file. */
export class GivenConfig {
  constructor(readonly values: Record<string, unknown>, readonly file: string) {}

  has(key: string): boolean {
    return this.values[key] !== undefined;
  }

  private bad(key: string, what: string): never {
    throw new RnnlabError(`${this.file}: "${key}" must be ${what}, got ${JSON.stringify(this.values[key])}`);
  }

  int(key: string): number | undefined {
    const v = this.values[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) this.bad(key, 'a whole number ≥ 0');
    return v as number;
  }

  num(key: string): number | undefined {
    const v = this.values[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) this.bad(key, 'a number');
    return v as number;
  }

  bool(key: string): boolean | undefined {
    const v = this.values[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') this.bad(key, 'true or false');
    return v as boolean;
  }

  choice<T extends string>(key: string, options: readonly T[]): T | undefined {
    const v = this.values[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || !(options as readonly string[]).includes(v)) {
      throw new RnnlabError(`${this.file}: unknown ${key} ${JSON.stringify(v)} (known: ${options.join(', ')})`);
    }
    return v as T;
  }
}

/** Reads shapes of tensors the inference needs; a missing one is named with the setting that would replace it. */
class ShapeReader {
  constructor(readonly tensors: Tensors, readonly from: string) {}

  get(name: string): readonly number[] | undefined {
    return this.tensors.get(name)?.shape;
  }

  need(name: string, setting: string): readonly number[] {
    const s = this.get(name);
    if (!s) throw new RnnlabError(`${this.from} lacks the tensor ${name}, which ${setting} is read from (the documented layout names embedding, rnn and decoder/fc modules)`);
    return s;
  }

  /** Recurrent layers: one more than the highest l of rnn.weight_ih_l<l>. */
  layers(prefix: string): number {
    let top = -1;
    const re = new RegExp(`^${prefix}\\.(?:weight|bias)_(?:ih|hh)_l(\\d+)(?:_reverse)?$`);
    for (const name of this.tensors.keys()) {
      const m = re.exec(name);
      if (m) top = Math.max(top, Number(m[1]));
    }
    if (top < 0) throw new RnnlabError(`${this.from} has no tensor ${prefix}.weight_ih_l0: not a recurrent model with the documented layout (nn.LSTM/nn.GRU/nn.RNN named ${prefix})`);
    return top + 1;
  }

  /** Cell and hidden size from rnn.weight_hh_l0 [G·H, H]. */
  cell(prefix: string): { cell: 'lstm' | 'gru' | 'rnn' | undefined; hidden: number; gates: number } {
    const name = `${prefix}.weight_hh_l0`;
    const hh = this.need(name, 'the hidden size');
    if (hh.length !== 2 || hh[1] === 0) throw new RnnlabError(`${this.from}: ${name} is ${fmtShape(hh)}, not a recurrent weight [gates × hidden, hidden]`);
    const gates = hh[0] / hh[1];
    return { cell: CELL_OF_GATES[gates], hidden: hh[1], gates };
  }
}

function noCell(r: ShapeReader, prefix: string, gates: number): never {
  const hh = r.get(`${prefix}.weight_hh_l0`)!;
  throw new RnnlabError(`${r.from}: ${prefix}.weight_hh_l0 is ${fmtShape(hh)}, ${Number.isInteger(gates) ? `${gates} gate blocks` : 'not a whole number of gate blocks'} (an LSTM has 4, a GRU 3, an RNN 1): set "cell" in --config`);
}

/** Recurrent weights of `layers` layers (and their reverse direction), as nn.LSTM/GRU/RNN names them. */
function recurrentShapes(out: Map<string, number[]>, prefix: string, G: number, input: number, H: number, layers: number, dirs: number): void {
  for (let l = 0; l < layers; l++) {
    for (const suffix of dirs === 2 ? ['', '_reverse'] : ['']) {
      out.set(`${prefix}.weight_ih_l${l}${suffix}`, [G, l === 0 ? input : H * dirs]);
      out.set(`${prefix}.weight_hh_l${l}${suffix}`, [G, H]);
      out.set(`${prefix}.bias_ih_l${l}${suffix}`, [G]);
      out.set(`${prefix}.bias_hh_l${l}${suffix}`, [G]);
    }
  }
}

const sameData = (a: StTensor, b: StTensor): boolean => a.data.length === b.data.length && a.data.every((v, i) => Object.is(v, b.data[i]));

export function inferLanguageModel(given: GivenConfig, tensors: Tensors, from: string): Inference<ModelConfig> {
  const r = new ShapeReader(tensors, from), notes: string[] = [];
  const layers = given.int('layers') ?? r.layers('rnn');
  // the shapes are read only for what the config leaves out, so a complete config meets a missing tensor in the shape checks
  let read: ReturnType<ShapeReader['cell']> | undefined;
  const shapes = () => (read ??= r.cell('rnn'));
  const cell = given.choice('cell', ['lstm', 'gru', 'rnn'] as const) ?? shapes().cell ?? noCell(r, 'rnn', shapes().gates);
  const hidden = given.int('hidden') ?? shapes().hidden;
  const emb = r.get('embedding.weight');
  const embed = given.int('embed') ?? (emb ? emb[1] : 0);
  if (!given.has('embed') && !emb) notes.push('no embedding.weight: the model reads one-hot input (embed 0)');
  const dec = r.get('decoder.weight'), bias = r.get('decoder.bias');
  const vocabSize = given.int('vocabSize') ?? emb?.[0] ?? dec?.[0] ?? bias?.[0] ?? (embed === 0 ? r.get('rnn.weight_ih_l0')?.[1] : undefined) ?? r.need('decoder.bias', 'the vocabulary size')[0];
  let tieWeights = given.bool('tieWeights');
  if (tieWeights === undefined) {
    const e = tensors.get('embedding.weight'), d = tensors.get('decoder.weight');
    // PyTorch saves a tied weight under both names; a file without decoder.weight ties it too
    tieWeights = !!e && embed === hidden && (!d || sameData(e, d));
    if (tieWeights) notes.push(d ? 'decoder.weight equals embedding.weight: the weights are tied' : 'no decoder.weight (embed = hidden): the decoder uses embedding.weight (tied weights)');
  }
  const activation = given.choice('activation', ['tanh', 'relu'] as const) ?? 'tanh';
  if (cell === 'rnn' && !given.has('activation')) notes.push('an RNN\'s nonlinearity is not in its weights: tanh assumed (set "activation": "relu" in --config for nn.RNN(nonlinearity="relu"))');
  const config: ModelConfig = {
    vocabSize, cell, activation, layers, hidden, embed,
    dropout: given.num('dropout') ?? 0, tieWeights, init: (given.values.init ?? 'pytorch') as ModelConfig['init'],
  };
  return { config, notes };
}

/** The tensors a language model config implies, by name (a tied decoder.weight is optional: it is embedding.weight). */
export function languageModelShapes(c: ModelConfig): { shapes: Map<string, number[]>; optional: Set<string> } {
  const shapes = new Map<string, number[]>(), optional = new Set<string>();
  if (c.embed > 0) shapes.set('embedding.weight', [c.vocabSize, c.embed]);
  recurrentShapes(shapes, 'rnn', GATES[c.cell] * c.hidden, c.embed > 0 ? c.embed : c.vocabSize, c.hidden, c.layers, 1);
  shapes.set('decoder.weight', [c.vocabSize, c.hidden]);
  if (c.tieWeights) optional.add('decoder.weight');
  shapes.set('decoder.bias', [c.vocabSize]);
  return { shapes, optional };
}

export function inferClassifier(given: GivenConfig, tensors: Tensors, from: string, labels: number | undefined): Inference<ClassifierConfig> {
  const r = new ShapeReader(tensors, from), notes: string[] = [];
  const conv = r.get('features.0.weight');
  let model = given.choice('model', ['cnn', 'rnn', 'gru', 'lstm'] as const);
  let read: ReturnType<ShapeReader['cell']> | null = null;
  if (model === undefined) {
    if (conv) model = 'cnn';
    else {
      read = r.cell('rnn');
      model = read.cell ?? noCell(r, 'rnn', read.gates);
    }
  }
  const emb = r.get('embedding.weight');
  const vocabSize = given.int('vocabSize') ?? emb?.[0] ?? r.need('embedding.weight', 'the vocabulary size')[0];
  const embed = given.int('embed') ?? emb?.[1] ?? r.need('embedding.weight', 'the embedding size')[1];
  const classes = given.int('classes') ?? r.get('fc.weight')?.[0] ?? r.get('fc.bias')?.[0] ?? labels ?? r.need('fc.weight', 'the number of classes')[0];
  let layers = given.int('layers'), hidden = given.int('hidden'), kernel = given.int('kernel');
  let bidirectional = given.bool('bidirectional');
  if (model === 'cnn') {
    if (layers === undefined) {
      layers = 0;
      while (tensors.has(`features.${3 * layers}.weight`)) layers++;
      if (layers === 0) r.need('features.0.weight', 'the convolutions');
    }
    if (hidden === undefined || kernel === undefined) {
      const w = r.need('features.0.weight', 'the channels and kernel width');
      hidden ??= w[0];
      kernel ??= w[2];
    }
    bidirectional ??= false;
  } else {
    layers ??= r.layers('rnn');
    hidden ??= (read ?? r.cell('rnn')).hidden;
    bidirectional ??= tensors.has('rnn.weight_ih_l0_reverse');
  }
  const pool = given.choice('pool', ['last', 'max', 'mean'] as const) ?? (model === 'cnn' ? 'max' : 'last');
  if (!given.has('pool')) notes.push(`how the classifier pools is not in its weights: ${pool} assumed (set "pool" in --config: last, max or mean)`);
  const stride = given.int('stride') ?? 2;
  if (model === 'cnn' && !given.has('stride')) notes.push('the convolutions\' stride is not in the weights: 2 assumed (set "stride" in --config)');
  const config: ClassifierConfig = {
    vocabSize, classes, model, embed, hidden, layers, bidirectional, pool,
    dropout: given.num('dropout') ?? 0, kernel: kernel ?? 3, stride,
  };
  return { config, notes };
}

/** The tensors a classifier config implies, by name (BatchNorm's running statistics included). */
export function classifierShapes(c: ClassifierConfig): { shapes: Map<string, number[]>; optional: Set<string> } {
  const shapes = new Map<string, number[]>();
  shapes.set('embedding.weight', [c.vocabSize, c.embed]);
  let width: number;
  if (c.model === 'cnn') {
    for (let i = 0; i < c.layers; i++) {
      const conv = `features.${3 * i}`, bn = `features.${3 * i + 1}`;
      shapes.set(`${conv}.weight`, [c.hidden, i === 0 ? c.embed : c.hidden, c.kernel]);
      shapes.set(`${conv}.bias`, [c.hidden]);
      for (const k of ['weight', 'bias', 'running_mean', 'running_var']) shapes.set(`${bn}.${k}`, [c.hidden]);
      shapes.set(`${bn}.num_batches_tracked`, []);
    }
    width = c.hidden;
  } else {
    const dirs = c.bidirectional ? 2 : 1;
    recurrentShapes(shapes, 'rnn', GATES[c.model] * c.hidden, c.embed, c.hidden, c.layers, dirs);
    width = c.hidden * dirs;
  }
  shapes.set('fc.weight', [c.classes, width]);
  shapes.set('fc.bias', [c.classes]);
  return { shapes, optional: new Set() };
}
