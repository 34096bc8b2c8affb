import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { RnnlabError } from '../../src/errors.js';
import { barChartSpec } from '../../src/report/bars.js';
import { plotFormat, renderPlot, writePlot } from '../../src/report/plot-file.js';
import { svgToPng } from '../../src/report/png.js';
import { pngSize } from './png-size.js';
import { parseXml } from './xml.js';

const dir = mkdtempSync(join(tmpdir(), 'rnnlab-png-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('PNG', () => {
  const spec = barChartSpec([{ category: 'lstm', value: 5.2 }, { category: 'gru', value: 5.5 }], { title: 'Perplexity' });

  it('a plot as PNG: the signature, the SVG’s size times the scale, drawn (not blank)', async () => {
    const svg = parseXml((await renderPlot(spec, 'svg')) as string);
    const w = Number(svg.attrs.width), h = Number(svg.attrs.height);
    assert.ok(w > 100 && h > 50, `${w}×${h}`);
    const two = pngSize((await renderPlot(spec, 'png')) as Uint8Array);
    assert.deepEqual(two, { width: 2 * w, height: 2 * h }, 'twice the SVG by default');
    const one = await renderPlot(spec, 'png', 1) as Uint8Array;
    assert.deepEqual(pngSize(one), { width: w, height: h });
    // A blank page of the same size compresses to almost nothing; bars, axes and text do not.
    const blank = await svgToPng(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"></svg>`, { scale: 1 });
    assert.deepEqual(pngSize(blank), { width: w, height: h });
    assert.ok(one.length > 4 * blank.length, `${one.length} bytes drawn, ${blank.length} blank`);
  });

  it('svgToPng renders any SVG; the file writer picks the format by extension and refuses others', async () => {
    const bytes = await svgToPng('<svg xmlns="http://www.w3.org/2000/svg" width="30" height="20"><rect width="30" height="20" fill="red"/></svg>', { scale: 3 });
    assert.deepEqual(pngSize(bytes), { width: 90, height: 60 });
    await writePlot(join(dir, 'p.PNG'), spec, { scale: 1 });
    pngSize(readFileSync(join(dir, 'p.PNG')));
    await writePlot(join(dir, 'p.svg'), spec);
    parseXml(readFileSync(join(dir, 'p.svg'), 'utf8'));
    assert.throws(() => plotFormat('plot.jpg'), (e: unknown) => e instanceof RnnlabError && e.message === '--out must name a .svg or .png file, got "plot.jpg"');
    await assert.rejects(writePlot(join(dir, 'p.pdf'), spec), RnnlabError);
  });
});
