/**
 * Classification metrics from true and predicted class indices: accuracy, per-class precision,
 * recall, F1 and support, their macro and support-weighted averages, and the confusion matrix
 * (rows = true class, columns = predicted class). Pure and browser-safe: no Node modules.
 *
 * Everything is computed from the confusion matrix, so an evaluation over many batches can add
 * up counts (`confusionMatrix(…, into)`) instead of keeping every prediction, then call
 * `reportFromConfusion` once.
 *
 * Conventions (scikit-learn's `classification_report(y_true, y_pred, labels=range(C),
 * target_names=names, zero_division=0)`, which these numbers equal):
 * - precision of a class that is never predicted = 0 (TP + FP = 0);
 * - recall of a class with no true examples (support 0) = 0 (TP + FN = 0);
 * - F1 = 2TP / (2TP + FP + FN): the harmonic mean of precision and recall written with one
 *   division, as scikit-learn computes it since 1.4 (1.2 divides twice, 2PR / (P + R), which can
 *   differ in the last bit); 0 when the class is neither true nor predicted anywhere. Every
 *   ill-defined precision or recall has TP = 0, so the F1 is 0 then under either formula.
 * - macro averages are plain means over all C named classes, including a class absent from both
 *   the labels and the predictions (it counts 0: scikit-learn's result with labels=range(C); its
 *   default, the labels that occur, would leave that class out). Its row in the report shows why.
 * - weighted averages weight each class by its support (its share of the true labels), so a class
 *   with support 0 weighs nothing; weighted recall therefore equals accuracy.
 * - the micro averages (not stored) all equal accuracy: each example is one prediction of one class.
 * - zero examples is an error, not NaN: an empty evaluation set is a mistake upstream.
 */
import { RnnlabError } from '../errors.js';

/** One class's row. `predicted` (TP + FP) is kept so a reader can see why precision is 0. */
export interface ClassMetrics {
  name: string;
  precision: number;
  recall: number;
  f1: number;
  /** True examples of this class (TP + FN). */
  support: number;
  /** Examples predicted as this class (TP + FP). */
  predicted: number;
}

export interface AverageMetrics {
  precision: number;
  recall: number;
  f1: number;
  /** All examples. */
  support: number;
}

export interface ClassificationReport {
  classNames: string[];
  /** Number of examples (the sum of the confusion matrix). */
  examples: number;
  accuracy: number;
  classes: ClassMetrics[];
  macro: AverageMetrics;
  weighted: AverageMetrics;
  /** confusion[t][p] = examples of true class t predicted as p. */
  confusion: number[][];
  /** Mean cross-entropy over the examples, nats, when the caller measured it. */
  loss?: number;
}

export interface ReportOptions {
  /** Mean cross-entropy loss (nats per example), carried into the report as given. */
  loss?: number;
}

/**
 * Counts (true, predicted) pairs into a C×C matrix, rows = true class. With `into`, adds to an
 * existing matrix (of the same C) and returns it, for evaluation batch by batch.
 */
export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, numClasses: number, into?: number[][]): number[][] {
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new RnnlabError(`the number of classes must be a positive integer, got ${numClasses}`);
  if (yTrue.length !== yPred.length) {
    throw new RnnlabError(`true and predicted labels differ in length (${yTrue.length} vs ${yPred.length})`);
  }
  const m = into ?? Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  if (m.length !== numClasses || m.some((row) => row.length !== numClasses)) {
    throw new RnnlabError(`the confusion matrix to add to is not ${numClasses}×${numClasses}`);
  }
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i], p = yPred[i];
    checkLabel('true', i, t, numClasses);
    checkLabel('predicted', i, p, numClasses);
    m[t][p]++;
  }
  return m;
}

/** The report for labels given as class indices into `classNames`. */
export function classificationReport(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, classNames: readonly string[], options: ReportOptions = {}): ClassificationReport {
  checkClassNames(classNames);
  return reportFromConfusion(confusionMatrix(yTrue, yPred, classNames.length), classNames, options);
}

/** The report from a confusion matrix already counted (rows = true class). The matrix is copied. */
export function reportFromConfusion(confusion: readonly (readonly number[])[], classNames: readonly string[], options: ReportOptions = {}): ClassificationReport {
  checkClassNames(classNames);
  const C = classNames.length;
  if (confusion.length !== C || confusion.some((row) => row.length !== C)) {
    throw new RnnlabError(`the confusion matrix must be ${C}×${C}, one row and one column per class name`);
  }
  for (const row of confusion) {
    for (const x of row) if (!Number.isInteger(x) || x < 0) throw new RnnlabError(`confusion matrix entries must be counts (non-negative integers), got ${x}`);
  }
  const m = confusion.map((row) => [...row]);
  const support = m.map((row) => sum(row));
  const predicted = classNames.map((_, p) => sum(m.map((row) => row[p])));
  const n = sum(support);
  if (n === 0) throw new RnnlabError('no examples to evaluate: the classification report needs at least one');

  const classes = classNames.map((name, c): ClassMetrics => {
    const tp = m[c][c], fp = predicted[c] - tp, fn = support[c] - tp;
    return {
      name,
      precision: ratio(tp, tp + fp),
      recall: ratio(tp, tp + fn),
      f1: ratio(2 * tp, 2 * tp + fp + fn),
      support: support[c],
      predicted: predicted[c],
    };
  });
  const correct = sum(m.map((row, c) => row[c]));
  const mean = (f: (k: ClassMetrics) => number) => sum(classes.map(f)) / C;
  const weightedMean = (f: (k: ClassMetrics) => number) => sum(classes.map((k) => f(k) * k.support)) / n;
  const report: ClassificationReport = {
    classNames: [...classNames],
    examples: n,
    accuracy: correct / n,
    classes,
    macro: { precision: mean((k) => k.precision), recall: mean((k) => k.recall), f1: mean((k) => k.f1), support: n },
    weighted: { precision: weightedMean((k) => k.precision), recall: weightedMean((k) => k.recall), f1: weightedMean((k) => k.f1), support: n },
    confusion: m,
  };
  if (options.loss !== undefined) report.loss = options.loss;
  return report;
}

/** Each row divided by its sum (the share of a true class predicted as each class); a row with no examples stays 0. */
export function rowNormalized(confusion: readonly (readonly number[])[]): number[][] {
  return confusion.map((row) => {
    const s = sum(row);
    return row.map((x) => (s > 0 ? x / s : 0));
  });
}

function ratio(num: number, den: number): number {
  return den > 0 ? num / den : 0; // zero_division = 0, see the module comment
}

function sum(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

function checkLabel(which: string, i: number, label: number, C: number): void {
  if (!Number.isInteger(label) || label < 0 || label >= C) {
    throw new RnnlabError(`${which} label ${label} at position ${i} is not a class index in 0..${C - 1}`);
  }
}

/** Names are the keys of plot axes and CSV headers, so each must be present and distinct. */
function checkClassNames(names: readonly string[]): void {
  if (names.length === 0) throw new RnnlabError('a classification report needs at least one class name');
  const seen = new Set<string>();
  for (const name of names) {
    if (typeof name !== 'string' || name.length === 0) throw new RnnlabError('class names must be non-empty strings');
    if (seen.has(name)) throw new RnnlabError(`class name "${name}" appears twice; class names must be distinct`);
    seen.add(name);
  }
}
