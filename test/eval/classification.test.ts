import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RnnlabError } from '../../src/errors.js';
import { classificationReport, confusionMatrix, reportFromConfusion, rowNormalized } from '../../src/eval/classification.js';
import { Rng } from '../../src/util/rng.js';

/**
 * The scikit-learn example: 4 classes, 10 examples; "cat" is never predicted, "dog" never true.
 * By hand, confusion (rows true, columns predicted):
 *   ant [2 1 0 1]  support 4    predicted: ant 4, bee 4, cat 0, dog 2;  TP = 2, 2, 0, 0
 *   bee [1 2 0 0]  support 3    accuracy = 4/10
 *   cat [1 1 0 1]  support 3    ant P 2/4 R 2/4 F1 4/8;  bee P 2/4 R 2/3 F1 4/7
 *   dog [0 0 0 0]  support 0    cat P 0 (never predicted) R 0/3 F1 0;  dog P 0/2 R 0 (no support) F1 0
 * macro P = 1/4, R = (1/2 + 2/3)/4 = 7/24, F1 = (1/2 + 4/7)/4 = 15/56
 * weighted P = (4·1/2 + 3·1/2)/10 = 0.35, R = (2 + 2)/10 = 0.4, F1 = (4·1/2 + 3·4/7)/10 = 13/35
 */
const NAMES = ['ant', 'bee', 'cat', 'dog'];
const Y_TRUE = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2];
const Y_PRED = [0, 0, 1, 3, 1, 1, 0, 0, 1, 3];

/**
 * scikit-learn 1.2.1: classification_report(Y_TRUE, Y_PRED, labels=range(4), target_names=NAMES,
 * zero_division=0, output_dict=True) and confusion_matrix(Y_TRUE, Y_PRED, labels=range(4)).
 * (1.2 computes F1 as 2PR/(P+R): bee's 0.5714285714285715 is 4/7 rounded once more.)
 */
const SKLEARN = {
  ant: { precision: 0.5, recall: 0.5, 'f1-score': 0.5, support: 4 },
  bee: { precision: 0.5, recall: 0.6666666666666666, 'f1-score': 0.5714285714285715, support: 3 },
  cat: { precision: 0.0, recall: 0.0, 'f1-score': 0.0, support: 3 },
  dog: { precision: 0.0, recall: 0.0, 'f1-score': 0.0, support: 0 },
  accuracy: 0.4,
  'macro avg': { precision: 0.25, recall: 0.29166666666666663, 'f1-score': 0.2678571428571429, support: 10 },
  'weighted avg': { precision: 0.35, recall: 0.4, 'f1-score': 0.37142857142857144, support: 10 },
  confusion: [[2, 1, 0, 1], [1, 2, 0, 0], [1, 1, 0, 1], [0, 0, 0, 0]],
};

function close(got: number, want: number, what: string, tol = 1e-12): void {
  assert.ok(Math.abs(got - want) <= tol, `${what}: ${got} vs ${want}`);
}

describe('classification metrics', () => {
  it('match the hand computation exactly', () => {
    const r = classificationReport(Y_TRUE, Y_PRED, NAMES);
    assert.deepEqual(r.confusion, [[2, 1, 0, 1], [1, 2, 0, 0], [1, 1, 0, 1], [0, 0, 0, 0]]);
    assert.equal(r.examples, 10);
    assert.equal(r.accuracy, 4 / 10);
    assert.deepEqual(r.classes, [
      { name: 'ant', precision: 2 / 4, recall: 2 / 4, f1: 4 / 8, support: 4, predicted: 4 },
      { name: 'bee', precision: 2 / 4, recall: 2 / 3, f1: 4 / 7, support: 3, predicted: 4 },
      { name: 'cat', precision: 0, recall: 0, f1: 0, support: 3, predicted: 0 },
      { name: 'dog', precision: 0, recall: 0, f1: 0, support: 0, predicted: 2 },
    ]);
    close(r.macro.precision, 1 / 4, 'macro P');
    close(r.macro.recall, 7 / 24, 'macro R');
    close(r.macro.f1, 15 / 56, 'macro F1');
    assert.equal(r.macro.support, 10);
    close(r.weighted.precision, 0.35, 'weighted P');
    close(r.weighted.recall, 0.4, 'weighted R');
    close(r.weighted.f1, 13 / 35, 'weighted F1');
    assert.equal(r.weighted.support, 10);
    assert.equal(r.loss, undefined);
    assert.ok(!('loss' in r), 'no loss key when none was given (JSON stays clean)');
  });

  it("match scikit-learn's classification_report (zero_division=0, labels=range(C))", () => {
    const r = classificationReport(Int32Array.from(Y_TRUE), Int32Array.from(Y_PRED), NAMES);
    assert.deepEqual(r.confusion, SKLEARN.confusion);
    r.classes.forEach((k) => {
      const want = SKLEARN[k.name as 'ant' | 'bee' | 'cat' | 'dog'];
      close(k.precision, want.precision, `${k.name} precision`);
      close(k.recall, want.recall, `${k.name} recall`);
      close(k.f1, want['f1-score'], `${k.name} f1`);
      assert.equal(k.support, want.support);
    });
    close(r.accuracy, SKLEARN.accuracy, 'accuracy');
    for (const [ours, key] of [[r.macro, 'macro avg'], [r.weighted, 'weighted avg']] as const) {
      close(ours.precision, SKLEARN[key].precision, `${key} precision`);
      close(ours.recall, SKLEARN[key].recall, `${key} recall`);
      close(ours.f1, SKLEARN[key]['f1-score'], `${key} f1`);
      assert.equal(ours.support, SKLEARN[key].support);
    }
  });

  it('a class absent from labels and predictions counts 0 in the macro averages (scikit-learn with labels=range(5))', () => {
    // precision_recall_fscore_support(Y_TRUE, Y_PRED, labels=range(5), zero_division=0, average='macro')
    // = (0.2, 0.2333333333333333, 0.21428571428571433); the weighted averages do not move.
    const r = classificationReport(Y_TRUE, Y_PRED, [...NAMES, 'eel']);
    assert.deepEqual(r.classes[4], { name: 'eel', precision: 0, recall: 0, f1: 0, support: 0, predicted: 0 });
    close(r.macro.precision, 0.2, 'macro P');
    close(r.macro.recall, 0.2333333333333333, 'macro R');
    close(r.macro.f1, 0.21428571428571433, 'macro F1');
    close(r.weighted.f1, 13 / 35, 'weighted F1');
    assert.equal(r.accuracy, 0.4);
  });

  it('zero-division conventions: never predicted → precision 0; no true examples → recall 0; neither → F1 0', () => {
    // Everything predicted as class 0: class 1 is never predicted; class 2 has no true examples.
    const r = classificationReport([0, 1, 1], [0, 0, 0], ['a', 'b', 'c']);
    assert.deepEqual(r.classes.map((k) => [k.precision, k.recall, k.f1]), [
      [1 / 3, 1, 0.5],
      [0, 0, 0],
      [0, 0, 0],
    ]);
    // A class predicted but never true: precision 0/k, recall 0 by convention, F1 0.
    const s = classificationReport([0, 0], [0, 1], ['a', 'b']);
    assert.deepEqual(s.classes[1], { name: 'b', precision: 0, recall: 0, f1: 0, support: 0, predicted: 1 });
    assert.equal(s.accuracy, 0.5);
  });

  it('a perfect and a perfectly wrong binary classifier', () => {
    const perfect = classificationReport([0, 1, 1, 0], [0, 1, 1, 0], ['neg', 'pos']);
    assert.equal(perfect.accuracy, 1);
    for (const a of [perfect.macro, perfect.weighted, ...perfect.classes]) assert.deepEqual([a.precision, a.recall, a.f1], [1, 1, 1]);
    const wrong = classificationReport([0, 1, 1, 0], [1, 0, 0, 1], ['neg', 'pos']);
    assert.equal(wrong.accuracy, 0);
    assert.deepEqual([wrong.macro.f1, wrong.weighted.f1], [0, 0]);
    assert.deepEqual(wrong.confusion, [[0, 2], [2, 0]]);
  });

  it('on random labels: F1 is the harmonic mean, weighted recall is accuracy, rows and columns sum to supports and predictions', () => {
    const rng = new Rng(3);
    const C = 6, n = 500;
    const yt = Array.from({ length: n }, () => Math.floor(rng.next() * C));
    const yp = yt.map((t) => (rng.next() < 0.6 ? t : Math.floor(rng.next() * C)));
    const r = classificationReport(yt, yp, ['a', 'b', 'c', 'd', 'e', 'f'], { loss: 0.73 });
    assert.equal(r.loss, 0.73);
    close(r.weighted.recall, r.accuracy, 'weighted recall = accuracy');
    assert.equal(r.accuracy, yt.filter((t, i) => t === yp[i]).length / n);
    for (const [c, k] of r.classes.entries()) {
      assert.equal(k.support, yt.filter((t) => t === c).length);
      assert.equal(k.predicted, yp.filter((p) => p === c).length);
      const harmonic = k.precision + k.recall > 0 ? (2 * k.precision * k.recall) / (k.precision + k.recall) : 0;
      close(k.f1, harmonic, `${k.name} F1`);
    }
    close(r.macro.f1, r.classes.reduce((s, k) => s + k.f1, 0) / C, 'macro F1');
  });

  it('confusion matrices add up batch by batch to the whole, and the report from counts equals the report from labels', () => {
    const whole = confusionMatrix(Y_TRUE, Y_PRED, 4);
    const acc = confusionMatrix(Y_TRUE.slice(0, 3), Y_PRED.slice(0, 3), 4);
    assert.equal(confusionMatrix(Y_TRUE.slice(3), Y_PRED.slice(3), 4, acc), acc, 'adds in place and returns the same matrix');
    assert.deepEqual(acc, whole);
    assert.deepEqual(reportFromConfusion(acc, NAMES, { loss: 1.5 }), classificationReport(Y_TRUE, Y_PRED, NAMES, { loss: 1.5 }));
    const r = reportFromConfusion(acc, NAMES);
    acc[0][0] = 99;
    assert.equal(r.confusion[0][0], 2, 'the report keeps its own copy');
  });

  it('row-normalised shares; a row without examples stays 0', () => {
    assert.deepEqual(rowNormalized([[2, 1, 0, 1], [0, 0, 0, 0]]), [[0.5, 0.25, 0, 0.25], [0, 0, 0, 0]]);
  });

  it('refuses bad input with one-line RnnlabErrors', () => {
    const bad: [() => unknown, RegExp][] = [
      [() => classificationReport([0, 1], [0], NAMES), /differ in length \(2 vs 1\)/],
      [() => classificationReport([0, 4], [0, 1], NAMES), /true label 4 at position 1 is not a class index in 0\.\.3/],
      [() => classificationReport([0, 1], [0, -1], NAMES), /predicted label -1 at position 1/],
      [() => classificationReport([0.5], [0], NAMES), /true label 0\.5/],
      [() => classificationReport([], [], NAMES), /no examples/],
      [() => classificationReport([0], [0], []), /at least one class name/],
      [() => classificationReport([0], [0], ['a', 'a']), /"a" appears twice/],
      [() => classificationReport([0], [0], ['a', '']), /non-empty/],
      [() => reportFromConfusion([[1, 0]], ['a', 'b']), /must be 2×2/],
      [() => reportFromConfusion([[1, -1], [0, 0]], ['a', 'b']), /non-negative integers\), got -1/],
      [() => confusionMatrix([0], [0], 0), /positive integer/],
      [() => confusionMatrix([0], [0], 2, [[0, 0, 0]]), /not 2×2/],
    ];
    for (const [f, message] of bad) {
      assert.throws(f, (e: unknown) => e instanceof RnnlabError && message.test(e.message) && !e.message.includes('\n'), String(message));
    }
  });
});
