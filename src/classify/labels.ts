/**
 * Class labels: the strings a data file holds (`3`, `Sports`) ↔ class indices 0..C−1, and the
 * class names shown in reports.
 *
 * Without a class list, the classes are the distinct labels of the training data, in numeric
 * order when they are all integers (AG News: 1, 2, 3, 4), else in code-point order. With one
 * (`--classes classes.txt`, one name per line), a label is a class name, or — when every label
 * is an integer — a position in the list, 1-based if the labels run 1..C, 0-based if 0..C−1.
 * The mapping is saved with the model, so evaluation data is read the same way.
 */
import { RnnlabError } from '../errors.js';
import { compareCodePoints } from '../text/vocab.js';

export interface LabelScheme {
  /** Display names, by class index. */
  names: string[];
  /** The label string of each class as the training data writes it (parallel to names). */
  labels: string[];
}

const INT = /^-?\d+$/;

export function labelScheme(trainLabels: readonly string[], classNames: readonly string[] | null): LabelScheme {
  const distinct = [...new Set(trainLabels)];
  const numeric = distinct.length > 0 && distinct.every((l) => INT.test(l));
  if (!classNames) {
    if (distinct.length < 2) throw new RnnlabError(`the training data has ${distinct.length} distinct label(s); a classifier needs at least 2`);
    const sorted = numeric ? distinct.sort((a, b) => Number(a) - Number(b)) : distinct.sort(compareCodePoints);
    return { names: sorted, labels: [...sorted] };
  }
  const names = [...classNames];
  if (names.length < 2) throw new RnnlabError(`--classes lists ${names.length} class(es); a classifier needs at least 2`);
  if (new Set(names).size !== names.length) throw new RnnlabError('--classes lists a class name twice');
  if (distinct.every((l) => names.includes(l))) return { names, labels: [...names] };
  if (numeric) {
    const values = distinct.map(Number);
    const lo = Math.min(...values), hi = Math.max(...values);
    const base = lo >= 1 && hi <= names.length ? 1 : lo >= 0 && hi <= names.length - 1 ? 0 : -1;
    if (base >= 0) return { names, labels: names.map((_, i) => String(i + base)) };
  }
  const bad = distinct.find((l) => !names.includes(l))!;
  throw new RnnlabError(`the label "${bad}" is neither a name in --classes (${names.join(', ')}) nor a position in it`);
}

/** Class index of a label string, or a clear error naming where it was read. */
export function classIndex(scheme: LabelScheme, label: string | undefined, where: string): number {
  if (label === undefined) throw new RnnlabError(`${where} has no label (give --label-column)`);
  let i = scheme.labels.indexOf(label);
  if (i < 0) i = scheme.names.indexOf(label);
  if (i < 0) throw new RnnlabError(`${where} has the label "${label}", which the model does not know (its classes: ${scheme.labels.map((l, k) => (l === scheme.names[k] ? l : `${l} ${scheme.names[k]}`)).join(', ')})`);
  return i;
}
