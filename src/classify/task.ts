/**
 * Text classification as a training task (src/train/task.ts): batches of labelled documents,
 * padded to the longest in the batch with each row's real length kept, in a seeded order per
 * epoch — shuffled ('pad'), or sorted by length into batches that are then shuffled
 * ('bucket': less padding) — one cross-entropy per document, accuracy counted.
 */
import { evalResult, type EvalResult } from '../eval/perplexity.js';
import type { Classifier } from '../nn/classifier.js';
import type { Tensor } from '../tensor.js';
import { Rng } from '../util/rng.js';
import type { StepResult, Task } from '../train/task.js';
import { labeledFingerprint, type LabeledDoc } from './documents.js';

export interface ClassBatch {
  /** [B,T] batch-first ids, padded with padId. */
  x: Int32Array;
  lengths: Int32Array;
  labels: Int32Array;
  B: number;
  T: number;
}

export interface ClassifyTaskSettings {
  batch: number;
  seed: number;
  batching: 'pad' | 'bucket';
}

export function makeBatch(docs: readonly LabeledDoc[], padId: number): ClassBatch {
  const B = docs.length;
  let T = 1;
  for (const d of docs) T = Math.max(T, d.ids.length);
  const x = new Int32Array(B * T).fill(padId), lengths = new Int32Array(B), labels = new Int32Array(B);
  docs.forEach((d, b) => {
    x.set(d.ids, b * T);
    lengths[b] = d.ids.length;
    labels[b] = d.label;
  });
  return { x, lengths, labels, B, T };
}

/** Batches of an epoch: the order depends on (seed, epoch) only, so a resumed run sees the same ones. */
export function epochBatches(docs: readonly LabeledDoc[], s: ClassifyTaskSettings, epoch: number, padId: number): ClassBatch[] {
  const rng = new Rng((s.seed ^ Math.imul(epoch + 1, 0x9e3779b1)) >>> 0);
  const order = rng.shuffle([...docs.keys()]);
  const groups: number[][] = [];
  if (s.batching === 'bucket') order.sort((a, b) => docs[a].ids.length - docs[b].ids.length);
  for (let i = 0; i < order.length; i += s.batch) groups.push(order.slice(i, i + s.batch));
  if (s.batching === 'bucket') rng.shuffle(groups);
  return groups.map((g) => makeBatch(g.map((i) => docs[i]), padId));
}

export class ClassifyTask implements Task<ClassBatch> {
  readonly trainTokens: number;
  readonly valTokens: number;
  readonly hasValidation: boolean;
  readonly chanceLoss: number;
  readonly fingerprint: string;

  constructor(
    readonly model: Classifier,
    private readonly data: { train: LabeledDoc[]; val: LabeledDoc[] },
    private readonly padId: number,
    private readonly s: ClassifyTaskSettings,
  ) {
    this.trainTokens = data.train.reduce((n, d) => n + d.ids.length, 0);
    this.valTokens = data.val.reduce((n, d) => n + d.ids.length, 0);
    this.fingerprint = labeledFingerprint(data.train);
    this.hasValidation = data.val.length > 0;
    this.chanceLoss = Math.log(model.config.classes);
  }

  epoch(epoch: number): { count: number; get(i: number): ClassBatch } {
    const batches = epochBatches(this.data.train, this.s, epoch, this.padId);
    return { count: batches.length, get: (i) => batches[i] };
  }

  beginEpoch(): void {
    // nothing is carried from batch to batch
  }

  trainStep(b: ClassBatch, rng: Rng): StepResult {
    const m = this.model;
    m.zeroGrad();
    const r = m.forward(b.x, b.lengths, b.B, b.T, b.labels, true, rng);
    m.backward();
    return { nll: r.nll, count: r.count, correct: r.correct };
  }

  afterStep(): void {
    // nothing to carry, skipped or not
  }

  validation(): Generator<void, EvalResult> | null {
    if (this.data.val.length === 0) return null;
    return classifierEvaluation(this.model, this.data.val, this.s.batch, this.padId);
  }

  carried(): Map<string, Tensor> {
    return new Map();
  }

  restoreCarried(): void {
    // nothing was carried
  }
}

/** Loss and accuracy over documents in batches (eval mode), yielding after each batch; predictions go to `onBatch`. */
export function* classifierEvaluation(
  model: Classifier, docs: readonly LabeledDoc[], batch: number, padId: number,
  onBatch?: (b: ClassBatch, logits: Float32Array) => void,
): Generator<void, EvalResult> {
  let nll = 0, count = 0, correct = 0;
  for (let i = 0; i < docs.length; i += batch) {
    const b = makeBatch(docs.slice(i, i + batch), padId);
    const r = model.forward(b.x, b.lengths, b.B, b.T, b.labels, false, null);
    if (onBatch) onBatch(b, model.logits());
    nll += r.nll;
    count += r.count;
    correct += r.correct;
    yield;
  }
  return { ...evalResult(nll, count), accuracy: count > 0 ? correct / count : NaN };
}
