import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { barChartSpec, barRows } from '../../src/report/bars.js';
import { renderVegaLiteSvg } from '../../src/report/vega-svg.js';
import { elements, parseXml, textContent } from './xml.js';

describe('bar charts', () => {
  it('perplexity per corpus per model: grouped bars, each with its value printed; a missing one says why', async () => {
    const bars = [
      { category: 'Anna Karenina', series: 'char-LSTM', value: 5.1234 },
      { category: 'Anna Karenina', series: 'untrained', value: 71.02 },
      { category: 'WikiText-2', series: 'char-LSTM', value: 6.5 },
      { category: 'WikiText-2', series: 'untrained', value: null, note: 'not run' },
    ];
    assert.deepEqual(barRows(bars)[3], { category: 'WikiText-2', series: 'untrained', value: null, label: 'not run', at: 0 });
    const spec = barChartSpec(bars, { title: 'Perplexity per corpus', valueTitle: 'perplexity' });
    assert.deepEqual(JSON.parse(JSON.stringify(spec)), spec);
    const svg = parseXml(await renderVegaLiteSvg(spec));
    const marks = elements(svg, 'text').filter((e) => e.attrs['aria-roledescription'] === 'text mark').map(textContent);
    assert.deepEqual(marks, ['5.123', '71.02', '6.5', 'not run']);
    assert.equal(elements(svg, 'path').filter((e) => e.attrs['aria-roledescription'] === 'bar').length, 3);
    const t = elements(svg, 'text').map(textContent);
    for (const s of ['Perplexity per corpus', 'Anna Karenina', 'WikiText-2', 'char-LSTM', 'untrained', 'perplexity']) assert.ok(t.includes(s), s);
  });

  it('ungrouped bars have no legend, and grow with their count', async () => {
    const few = parseXml(await renderVegaLiteSvg(barChartSpec([{ category: 'rnn', value: 9 }, { category: 'gru', value: 6 }])));
    const many = parseXml(await renderVegaLiteSvg(barChartSpec(['a', 'b', 'c', 'd', 'e', 'f'].map((c, i) => ({ category: c, value: i + 1 })))));
    assert.equal(elements(few, 'g').filter((g) => g.attrs['aria-roledescription'] === 'legend').length, 0);
    assert.ok(Number(many.attrs.height) > Number(few.attrs.height) + 60, `${many.attrs.height} vs ${few.attrs.height}`);
  });
});
