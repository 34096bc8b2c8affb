import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RnnlabError } from '../../src/errors.js';
import { classificationReport, reportFromConfusion, type ClassificationReport } from '../../src/eval/classification.js';
import { confusionCells, confusionMatrixSpec, renderConfusionSvg } from '../../src/report/confusion-svg.js';
import { elements, parseXml, textContent, type XmlElement } from './xml.js';

// Names that need escaping in SVG, one with a comma, one that is longer than a cell is wide.
const NAMES_2 = ['R&D <spend>', 'ops, other'];
const REPORT_2 = reportFromConfusion([[17, 3], [5, 25]], NAMES_2, { loss: 0.4123 });

/** 10 classes, counts from 0 to 4 digits; "c9" is never true, "c8" never predicted. */
function tenClassReport(): ClassificationReport {
  const names = Array.from({ length: 10 }, (_, i) => `c${i}`);
  const m = names.map((_, t) => names.map((__, p) => (t === 9 || p === 8 ? 0 : t === p ? 1000 + 37 * t : (t * 7 + p * 3) % 11)));
  return reportFromConfusion(m, names);
}

function size(svg: XmlElement): { width: number; height: number } {
  const width = Number(svg.attrs.width), height = Number(svg.attrs.height);
  assert.equal(svg.attrs.viewBox, `0 0 ${width} ${height}`);
  return { width, height };
}

/** The text of every <text> element, entities decoded. */
function texts(svg: XmlElement): string[] {
  return elements(svg, 'text').map(textContent);
}

function checkPicture(svgText: string, report: ClassificationReport): XmlElement {
  assert.ok(svgText.startsWith('<svg '), svgText.slice(0, 40));
  const svg = parseXml(svgText);
  assert.equal(svg.name, 'svg');
  assert.equal(svg.attrs.xmlns, 'http://www.w3.org/2000/svg');
  const t = texts(svg);
  for (const name of report.classNames) assert.equal(t.filter((x) => x === name).length, 2, `"${name}" labels one row and one column`);
  // One label per cell, in row-major order: the counts, exactly as counted.
  const C = report.classNames.length;
  const cellLabels = elements(svg, 'text').filter((e) => e.attrs['aria-roledescription'] === 'text mark').map(textContent);
  assert.deepEqual(cellLabels, report.confusion.flat().map(String));
  assert.equal(elements(svg, 'path').filter((e) => e.attrs['aria-roledescription'] === 'rect mark').length, C * C, 'one coloured cell per pair');
  const title = t.find((x) => x.startsWith('Confusion matrix'));
  assert.equal(title, `Confusion matrix: accuracy ${report.accuracy.toFixed(3)}, macro-F1 ${report.macro.f1.toFixed(3)}`);
  return svg;
}

describe('confusion matrix picture', () => {
  it('the spec: plain JSON, a cell per (true, predicted) pair with its count and row share, classes in report order', () => {
    const report = classificationReport([0, 0, 0, 1, 2, 2], [0, 1, 1, 1, 2, 0], ['b', 'a', 'c']);
    const spec = confusionMatrixSpec(report, { title: 'Validation' });
    assert.deepEqual(JSON.parse(JSON.stringify(spec)), spec, 'survives JSON, so the dashboard can ship it as is');
    const cells = confusionCells(report);
    assert.equal(cells.length, 9);
    assert.deepEqual(cells[1], { true_class: 'b', predicted_class: 'a', count: 2, share: 2 / 3 });
    assert.deepEqual(cells[5], { true_class: 'a', predicted_class: 'c', count: 0, share: 0 });
    assert.deepEqual(spec.data, { values: cells });
    const s = JSON.stringify(spec);
    assert.ok(s.includes('"sort":["b","a","c"]'), 'class order is the index order, not alphabetical');
    assert.ok(s.includes(`"Validation: accuracy ${(3 / 6).toFixed(3)}, macro-F1 ${report.macro.f1.toFixed(3)}"`));
    assert.throws(() => confusionMatrixSpec(report, { cellSize: 0 }), (e: unknown) => e instanceof RnnlabError && /positive number of pixels, got 0/.test(e.message));
  });

  it('renders 2 classes to well-formed SVG with every class name and count as text, sized for two cells', async () => {
    const svgText = await renderConfusionSvg(REPORT_2);
    const svg = checkPicture(svgText, REPORT_2);
    assert.ok(texts(svg).some((t) => t.startsWith('loss 0.4123 · 50 examples')), 'the subtitle carries the loss and the number of examples');
    const { width, height } = size(svg);
    // Two 64-pixel cells, axis labels, the legend and the title: small, but not cramped.
    assert.ok(width >= 250 && width <= 650, `width ${width}`);
    assert.ok(height >= 150 && height <= 350, `height ${height}`);
  });

  it('renders 10 classes larger than 2, within a page', async () => {
    const report = tenClassReport();
    const svg = checkPicture(await renderConfusionSvg(report), report);
    const ten = size(svg), two = size(parseXml(await renderConfusionSvg(REPORT_2)));
    assert.ok(ten.width > two.width && ten.height > two.height, `10 classes ${ten.width}×${ten.height}, 2 classes ${two.width}×${two.height}`);
    // 10 cells of 48 pixels = 480 for the matrix itself, plus labels, legend, title.
    assert.ok(ten.width >= 480 && ten.width <= 900, `width ${ten.width}`);
    assert.ok(ten.height >= 480 && ten.height <= 800, `height ${ten.height}`);
    const small = size(parseXml(await renderConfusionSvg(report, { cellSize: 30 })));
    assert.ok(small.width < ten.width && small.height < ten.height, 'cellSize shrinks the picture');
  });

  it('is deterministic: the same report gives the same SVG string, whatever was drawn before or alongside', async () => {
    const first = await renderConfusionSvg(REPORT_2);
    await renderConfusionSvg(tenClassReport()); // moves Vega's process-wide gradient counter
    assert.equal(await renderConfusionSvg(REPORT_2), first);
    const together = await Promise.all([renderConfusionSvg(REPORT_2), renderConfusionSvg(tenClassReport()), renderConfusionSvg(REPORT_2)]);
    assert.equal(together[0], first);
    assert.equal(together[2], first);
    assert.ok(first.includes('id="gradient_0"') && first.includes('url(#gradient_0)'), 'the legend gradient is named per drawing');
  });
});
