/**
 * A classification report as text: aligned tables for the terminal (the layout of
 * scikit-learn's classification_report) and CSV files for spreadsheets and pandas. Pure and
 * browser-safe; writing the files is the caller's (writeFileAtomic in Node).
 */
import { csvText } from '../util/csv.js';
import { len, padLeft, padRight } from '../util/text-table.js';
import type { ClassificationReport } from './classification.js';

export interface FormatOptions {
  /** Decimals of precision, recall, F1 and accuracy (2, scikit-learn's default). */
  digits?: number;
}

/**
 * The terminal table: a row per class, then the macro and weighted averages, then accuracy (in
 * the F1 column, with the number of examples as support: it is the micro average) and, when the
 * report carries one, the mean loss. Names are right-aligned as scikit-learn does, so the
 * numbers line up under their headers whatever the names' lengths. (scikit-learn prints accuracy
 * before the averages; here it closes the table, next to the loss, as the two summary numbers.)
 */
export function formatClassificationReport(report: ClassificationReport, options: FormatOptions = {}): string {
  const digits = options.digits ?? 2;
  const names = report.classNames.map(printable);
  const labels = ['macro avg', 'weighted avg', 'accuracy', ...(report.loss !== undefined ? ['loss'] : [])];
  const width = Math.max(digits, ...names.map(len), ...labels.map(len));
  const col = Math.max(9, digits + 3); // scikit-learn's 9, wider only when the digits need it
  const num = (x: number) => padLeft(x.toFixed(digits), col);
  const cnt = (x: number) => padLeft(String(x), col);
  const blank = ' '.repeat(col);
  const line = (label: string, cells: string[]) => `${padLeft(label, width)} ${cells.map((c) => ` ${c}`).join('')}`.trimEnd();

  const out = [line('', ['precision', 'recall', 'f1-score', 'support'].map((h) => padLeft(h, col))), ''];
  report.classes.forEach((k, i) => out.push(line(names[i], [num(k.precision), num(k.recall), num(k.f1), cnt(k.support)])));
  out.push('');
  for (const [label, a] of [['macro avg', report.macro], ['weighted avg', report.weighted]] as const) {
    out.push(line(label, [num(a.precision), num(a.recall), num(a.f1), cnt(a.support)]));
  }
  out.push(line('accuracy', [blank, blank, num(report.accuracy), cnt(report.examples)]));
  if (report.loss !== undefined) {
    // The loss is a mean in nats, not a share: it keeps at least 4 decimals.
    out.push(line('loss', [blank, blank, padLeft(report.loss.toFixed(Math.max(digits, 4)), col)]));
  }
  return out.join('\n') + '\n';
}

/** The confusion matrix as a terminal table: a row per true class, a column per predicted class. */
export function formatConfusionMatrix(report: ClassificationReport): string {
  const names = report.classNames.map(printable);
  const corner = 'true \\ predicted';
  const first = Math.max(len(corner), ...names.map(len));
  const widths = names.map((name, p) => Math.max(len(name), ...report.confusion.map((row) => String(row[p]).length)));
  const line = (label: string, cells: string[]) => [padRight(label, first), ...cells.map((c, p) => padLeft(c, widths[p]))].join('  ').trimEnd();
  const out = [line(corner, names)];
  report.confusion.forEach((row, t) => out.push(line(names[t], row.map(String))));
  return out.join('\n') + '\n';
}

/**
 * classification_report.csv: the shape of `pandas.DataFrame(classification_report(…,
 * output_dict=True))`: a header row of class names then `accuracy`, `macro avg`,
 * `weighted avg`; rows precision, recall, f1-score, support; full-precision plain numbers.
 * The accuracy column is the micro average, so its precision, recall and F1 are all the accuracy
 * and its support is the number of examples (pandas repeats the accuracy there instead). The
 * loss, a single number, is not part of this table; it is in the report object.
 */
export function classificationReportCsv(report: ClassificationReport): string {
  const cols = [
    ...report.classes.map((k) => ({ name: k.name, precision: k.precision, recall: k.recall, f1: k.f1, support: k.support })),
    { name: 'accuracy', precision: report.accuracy, recall: report.accuracy, f1: report.accuracy, support: report.examples },
    { name: 'macro avg', ...report.macro },
    { name: 'weighted avg', ...report.weighted },
  ];
  return csvText([
    ['metric', ...cols.map((c) => c.name)],
    ['precision', ...cols.map((c) => String(c.precision))],
    ['recall', ...cols.map((c) => String(c.recall))],
    ['f1-score', ...cols.map((c) => String(c.f1))],
    ['support', ...cols.map((c) => String(c.support))],
  ]);
}

/** confusion_matrix.csv: header `true\predicted,<class names>`, then a row per true class of counts. */
export function confusionMatrixCsv(report: ClassificationReport): string {
  return csvText([['true\\predicted', ...report.classNames], ...report.confusion.map((row, t) => [report.classNames[t], ...row.map(String)])]);
}

/** A line break or tab inside a class name would break the table's rows apart. */
function printable(name: string): string {
  return name.replace(/[\u0000-\u001f\u007f]/g, ' ');
}
