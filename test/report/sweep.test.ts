import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { RnnlabError } from '../../src/errors.js';
import { renderSweepPlots } from '../../src/report/sweep-plots.js';
import { parseSweepResults, sweepCells, sweepSummarySpec, variedParams, type SweepResult } from '../../src/report/sweep-spec.js';
import { renderVegaLiteSvg } from '../../src/report/vega-svg.js';
import { writeSyntheticRun } from './runs.js';
import { elements, parseXml, textContent, type XmlElement } from './xml.js';

const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });
function temp(): string {
  const d = mkdtempSync(join(tmpdir(), 'rnnlab-sweep-plot-'));
  dirs.push(d);
  return d;
}

/** hidden × lr (× cell), perplexity growing with both; one run failed, one pending. */
function grid(cells: string[] = ['lstm']): SweepResult[] {
  const out: SweepResult[] = [];
  for (const cell of cells) {
    for (const hidden of [256, 64, 128]) { // not in order: the axis sorts numbers
      for (const lr of [0.003, 0.001]) {
        const run = `${cell}-h${hidden}-lr${lr}`;
        const ppl = 4 + hidden / 64 + lr * 1000 + (cell === 'gru' ? 0.5 : 0);
        if (hidden === 128 && lr === 0.003) out.push({ run, params: { cell, hidden, lr }, status: 'failed', error: 'out of memory\nat …' });
        else if (hidden === 256 && lr === 0.001 && cell === 'lstm') out.push({ run, params: { cell, hidden, lr }, status: 'pending' });
        else out.push({ run, params: { cell, hidden, lr }, status: 'done', val_perplexity: ppl, parameters: hidden * 1000, tokens_per_sec: 5000, wall_seconds: 60 });
      }
    }
  }
  return out;
}

/** The texts of the cells (text marks), in drawing order. */
function markTexts(svg: XmlElement): string[] {
  return elements(svg, 'text').filter((e) => e.attrs['aria-roledescription'] === 'text mark').map(textContent);
}

describe('sweep plots', () => {
  it('the varied settings are the ones whose values differ; results.json is checked', () => {
    assert.deepEqual(variedParams(grid()), ['hidden', 'lr'], 'cell is the same in every run');
    assert.deepEqual(variedParams(grid(['lstm', 'gru'])), ['cell', 'hidden', 'lr']);
    assert.throws(() => parseSweepResults({ runs: [] }, 's/results.json'), (e: unknown) => e instanceof RnnlabError && /s\/results.json is not a sweep's results/.test(e.message));
    assert.throws(() => parseSweepResults([{ run: 'a', params: { x: [1] }, status: 'done' }]), (e: unknown) => e instanceof RnnlabError && /entry 1 is not a sweep run/.test(e.message));
    assert.throws(() => parseSweepResults([{ run: 'a', params: {}, status: 'finished' }]), RnnlabError);
  });

  it('heat map: hidden × lr with every perplexity printed in its cell, failed and pending runs named', async () => {
    const results = grid();
    const cells = sweepCells(results);
    assert.equal(cells.length, 6);
    const svg = parseXml(await renderVegaLiteSvg(sweepSummarySpec(results)));
    const labels = markTexts(svg);
    assert.deepEqual([...labels].sort(), ['6', '7', '8', '11', 'failed', 'pending'].sort());
    const axes = elements(svg, 'g').filter((g) => g.attrs['aria-roledescription'] === 'axis').map((g) => g.attrs['aria-label']);
    assert.ok(axes.some((a) => /^X-axis titled 'hidden'/.test(a)) && axes.some((a) => /^Y-axis titled 'lr'/.test(a)), axes.join('\n'));
    const t = elements(svg, 'text').map(textContent);
    const xLabels = t.filter((x) => ['64', '128', '256'].includes(x));
    assert.deepEqual(xLabels, ['64', '128', '256'], 'numeric settings in numeric order');
    // One coloured cell per run with a perplexity, plus the grey background of every cell.
    assert.equal(elements(svg, 'path').filter((e) => e.attrs['aria-roledescription'] === 'rect mark').length, 6 + 4);
  });

  it('three varied settings: one heat map per value of the third', async () => {
    const svg = parseXml(await renderVegaLiteSvg(sweepSummarySpec(grid(['lstm', 'gru']).map((r) => ({ ...r, params: { hidden: r.params.hidden, lr: r.params.lr, cell: r.params.cell } })))));
    const t = elements(svg, 'text').map(textContent);
    assert.ok(t.includes('cell=lstm') && t.includes('cell=gru'), 'a panel header per cell');
    assert.ok(t.includes('Validation perplexity: hidden × lr (per cell)'));
    assert.equal(markTexts(svg).length, 12);
    assert.ok(markTexts(svg).includes('9.5'), 'gru’s cells are there, its 256 × 0.001 run included');
  });

  it('one varied setting: a bar chart; renderSweepPlots writes it and the curves into the sweep folder', async () => {
    const dir = temp();
    const results: SweepResult[] = [
      { run: 'h32', params: { hidden: 32 }, status: 'done', val_perplexity: 7.25 },
      { run: 'h16', params: { hidden: 16 }, status: 'done', val_perplexity: 9.5 },
      { run: 'h64', params: { hidden: 64 }, status: 'failed', error: 'boom' },
    ];
    writeFileSync(join(dir, 'results.json'), JSON.stringify(results));
    writeSyntheticRun(join(dir, 'h32'), { steps: 200, seed: 1 });
    writeSyntheticRun(join(dir, 'h16'), { steps: 120, seed: 2 });
    const files = await renderSweepPlots(dir);
    assert.equal(files.summary, join(dir, 'sweep-perplexity.svg'));
    assert.equal(files.curves, join(dir, 'sweep-curves.svg'));
    const bars = parseXml(readFileSync(files.summary!, 'utf8'));
    assert.deepEqual(markTexts(bars), ['9.5', '7.25', 'failed'], 'bars in order of the setting, failed run labelled');
    assert.equal(elements(bars, 'path').filter((e) => e.attrs['aria-roledescription'] === 'bar').length, 2);
    const curves = parseXml(readFileSync(files.curves!, 'utf8'));
    const t = elements(curves, 'text').map(textContent);
    assert.ok(t.includes('h32') && t.includes('h16') && !t.includes('h64'), 'the curves of the runs that have metrics');
  });

  it('renderSweepPlots on a sweep that has not started: the summary only; png on request', async () => {
    const dir = temp();
    writeFileSync(join(dir, 'results.json'), JSON.stringify(grid().map((r) => ({ run: r.run, params: r.params, status: 'pending' }))));
    const files = await renderSweepPlots(dir, { format: 'png', prefix: 'grid' });
    assert.equal(files.curves, null);
    assert.equal(files.summary, join(dir, 'grid-perplexity.png'));
    assert.deepEqual([...readFileSync(files.summary!).subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  });
});
