import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classificationReport } from '../../src/eval/classification.js';
import { classificationReportCsv, confusionMatrixCsv, formatClassificationReport, formatConfusionMatrix } from '../../src/eval/classification-format.js';

// The example of classification.test.ts: "cat" never predicted, "dog" never true.
const REPORT = classificationReport([0, 0, 0, 0, 1, 1, 1, 2, 2, 2], [0, 0, 1, 3, 1, 1, 0, 0, 1, 3], ['ant', 'bee', 'cat', 'dog']);

/** print(classification_report(…, labels=range(4), target_names=…, zero_division=0)), scikit-learn 1.2.1. */
const SKLEARN_TEXT = `              precision    recall  f1-score   support

         ant       0.50      0.50      0.50         4
         bee       0.50      0.67      0.57         3
         cat       0.00      0.00      0.00         3
         dog       0.00      0.00      0.00         0

    accuracy                           0.40        10
   macro avg       0.25      0.29      0.27        10
weighted avg       0.35      0.40      0.37        10
`;

/** The same with digits=4. */
const SKLEARN_TEXT_4 = `              precision    recall  f1-score   support

         ant     0.5000    0.5000    0.5000         4
         bee     0.5000    0.6667    0.5714         3
         cat     0.0000    0.0000    0.0000         3
         dog     0.0000    0.0000    0.0000         0

    accuracy                         0.4000        10
   macro avg     0.2500    0.2917    0.2679        10
weighted avg     0.3500    0.4000    0.3714        10
`;

/** scikit-learn's text with its accuracy line moved after the averages, where rnnlab prints it. */
function accuracyLast(text: string): string {
  const lines = text.trimEnd().split('\n');
  const i = lines.findIndex((l) => l.trimStart().startsWith('accuracy'));
  const [acc] = lines.splice(i, 1);
  return [...lines, acc].join('\n') + '\n';
}

describe('classification report formatting', () => {
  it("prints scikit-learn's classification_report lines, character for character, accuracy last", () => {
    assert.equal(formatClassificationReport(REPORT), accuracyLast(SKLEARN_TEXT));
    assert.equal(formatClassificationReport(REPORT, { digits: 4 }), accuracyLast(SKLEARN_TEXT_4));
  });

  it('widens the name column for long names and adds the loss line when the report carries one', () => {
    const r = classificationReport([0, 1, 1], [0, 1, 0], ['short', 'a much longer class name'], { loss: 0.693147 });
    const text = formatClassificationReport(r);
    const lines = text.trimEnd().split('\n');
    assert.equal(lines[2], '                   short       0.50      1.00      0.67         1');
    assert.equal(lines[3], 'a much longer class name       1.00      0.50      0.67         2');
    assert.equal(lines.at(-1), '                    loss                         0.6931');
    // Every number ends in the same column as its header.
    const ends = (header: string) => lines[0].indexOf(header) + header.length;
    for (const l of lines.slice(2).filter((x) => x.length > 0)) {
      const headers = l.trimStart().startsWith('loss') || l.trimStart().startsWith('accuracy') ? ['f1-score'] : ['precision', 'recall', 'f1-score', 'support'];
      for (const h of headers) assert.match(l[ends(h) - 1], /\d/, `${h} column of: ${l}`);
      if (headers.length === 4) assert.equal(l.length, ends('support'), l);
    }
  });

  it('keeps a class name with a line break on its row', () => {
    const r = classificationReport([0, 1], [0, 1], ['two\nlines', 'b']);
    assert.ok(formatClassificationReport(r).includes('two lines       1.00'));
    assert.ok(formatConfusionMatrix(r).includes('two lines  '));
  });

  it('prints the confusion matrix with class names, rows = true class', () => {
    assert.equal(
      formatConfusionMatrix(REPORT),
      [
        'true \\ predicted  ant  bee  cat  dog',
        'ant                 2    1    0    1',
        'bee                 1    2    0    0',
        'cat                 1    1    0    1',
        'dog                 0    0    0    0',
      ].join('\n') + '\n',
    );
    const wide = classificationReport(Array(1234).fill(0), Array(1234).fill(0), ['a', 'b']);
    assert.equal(formatConfusionMatrix(wide), 'true \\ predicted     a  b\na                 1234  0\nb                    0  0\n');
  });

  it('writes classification_report.csv: class names (then accuracy, macro avg, weighted avg) across, metrics down', () => {
    assert.equal(
      classificationReportCsv(REPORT),
      [
        'metric,ant,bee,cat,dog,accuracy,macro avg,weighted avg',
        'precision,0.5,0.5,0,0,0.4,0.25,0.35',
        'recall,0.5,0.6666666666666666,0,0,0.4,0.29166666666666663,0.4',
        'f1-score,0.5,0.5714285714285714,0,0,0.4,0.26785714285714285,0.37142857142857144',
        'support,4,3,3,0,10,10,10',
      ].join('\r\n') + '\r\n',
    );
  });

  it('writes confusion_matrix.csv: predicted classes across, a row per true class', () => {
    assert.equal(confusionMatrixCsv(REPORT), 'true\\predicted,ant,bee,cat,dog\r\nant,2,1,0,1\r\nbee,1,2,0,0\r\ncat,1,1,0,1\r\ndog,0,0,0,0\r\n');
  });

  it('quotes class names holding a comma or a quote (RFC 4180)', () => {
    const r = classificationReport([0, 1], [1, 1], ['yes, really', 'say "no"']);
    assert.equal(confusionMatrixCsv(r), 'true\\predicted,"yes, really","say ""no"""\r\n"yes, really",0,1\r\n"say ""no""",0,1\r\n');
    assert.ok(classificationReportCsv(r).startsWith('metric,"yes, really","say ""no""",accuracy,'));
  });
});
