/**
 * The confusion matrix as a picture: a heat map with the true class down the y axis and the
 * predicted class along x, each cell coloured by its share of the true class's row (so a rare
 * class's mistakes are as visible as a common one's) and labelled with its count, under a title
 * giving accuracy and macro-F1.
 *
 * `confusionMatrixSpec` builds a Vega-Lite spec, plain JSON and browser-safe, for the web
 * dashboard to embed as it is; `renderConfusionSvg` draws the same spec to SVG in Node (vega is
 * loaded only then, see vega-svg.ts).
 */
import type { TopLevelSpec } from 'vega-lite';
import { RnnlabError } from '../errors.js';
import type { ClassificationReport } from '../eval/classification.js';
import { rowNormalized } from '../eval/classification.js';
import { renderVegaLiteSvg } from './vega-svg.js';

export interface ConfusionPlotOptions {
  /** Leads the title, before the accuracy and macro-F1 ("Confusion matrix"). */
  title?: string;
  /** Side of one cell in pixels; by default 64 up to 7 classes, then 480/C (the matrix stays ~480 pixels), at least 30. */
  cellSize?: number;
}

/** The row of data behind one cell; also what the dashboard's tooltip shows. */
export interface ConfusionCell {
  true_class: string;
  predicted_class: string;
  count: number;
  /** count / examples of the true class; 0 in the row of a class with no true examples. */
  share: number;
}

/** Counts up to 4 digits fit a 30-pixel cell at the 11-pixel label font. */
const MIN_CELL = 30, MAX_CELL = 64, PLOT_SIDE = 480;
/**
 * ColorBrewer's Blues, from white: an empty cell fades into the page (Vega's 'blues' scheme
 * starts at a light blue, which makes zeros look like something).
 */
const BLUES = ['#f7fbff', '#deebf7', '#c6dbef', '#9ecae1', '#6baed6', '#4292c6', '#2171b5', '#08519c', '#08306b'];
/** Above this share the cell is dark enough (#4292c6 and darker) to need a white label. */
const DARK_SHARE = 0.6;
/** Vega's text-width estimate for its 10-pixel axis labels, per character. */
const LABEL_CHAR_PX = 6;

export function confusionCells(report: ClassificationReport): ConfusionCell[] {
  const shares = rowNormalized(report.confusion);
  const names = report.classNames;
  return report.confusion.flatMap((row, t) =>
    row.map((count, p): ConfusionCell => ({ true_class: names[t], predicted_class: names[p], count, share: shares[t][p] })));
}

export function confusionMatrixSpec(report: ClassificationReport, options: ConfusionPlotOptions = {}): TopLevelSpec {
  const names = report.classNames;
  const cell = options.cellSize ?? Math.max(MIN_CELL, Math.min(MAX_CELL, Math.floor(PLOT_SIDE / names.length)));
  if (!(cell > 0 && Number.isFinite(cell))) throw new RnnlabError(`the cell size must be a positive number of pixels, got ${cell}`);
  // Upright predicted-class labels when every name fits its column, slanted otherwise.
  const upright = Math.max(...names.map((n) => [...n].length)) * LABEL_CHAR_PX <= cell - 4;
  const subtitle = [`${report.examples} examples`, 'colour: share of the true class'];
  if (report.loss !== undefined) subtitle.unshift(`loss ${report.loss.toFixed(4)}`);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    description: 'Confusion matrix: true class (rows) against predicted class (columns).',
    title: {
      text: `${options.title ?? 'Confusion matrix'}: accuracy ${report.accuracy.toFixed(3)}, macro-F1 ${report.macro.f1.toFixed(3)}`,
      subtitle: subtitle.join(' · '),
      anchor: 'start',
    },
    data: { values: confusionCells(report) },
    width: { step: cell },
    height: { step: cell },
    encoding: {
      // The class order is the report's (the class indices), not alphabetical.
      x: { field: 'predicted_class', type: 'nominal', sort: names, title: 'predicted class', axis: { labelAngle: upright ? 0 : -45, labelLimit: 160 } },
      y: { field: 'true_class', type: 'nominal', sort: names, title: 'true class', axis: { labelLimit: 160 } },
    },
    layer: [
      {
        mark: { type: 'rect', stroke: '#e6e6e6', strokeWidth: 1 }, // outlines the near-white empty cells
        encoding: {
          // A fixed 0–1 domain, so the same colour means the same share in every plot.
          color: { field: 'share', type: 'quantitative', scale: { domain: [0, 1], range: BLUES }, title: 'share of row', legend: { format: '.0%' } },
          tooltip: [
            { field: 'true_class', type: 'nominal', title: 'true' },
            { field: 'predicted_class', type: 'nominal', title: 'predicted' },
            { field: 'count', type: 'quantitative' },
            { field: 'share', type: 'quantitative', format: '.1%' },
          ],
        },
      },
      {
        mark: { type: 'text', fontSize: 11 },
        encoding: {
          text: { field: 'count', type: 'quantitative', format: 'd' }, // plain digits: no thousands separator
          color: { condition: { test: `datum.share > ${DARK_SHARE}`, value: 'white' }, value: 'black' },
        },
      },
    ],
    config: { view: { stroke: null }, axis: { grid: false, ticks: false, domain: false } },
  };
}

/** The heat map as an SVG document (a string starting with `<svg`), the same string for the same report. */
export async function renderConfusionSvg(report: ClassificationReport, options: ConfusionPlotOptions = {}): Promise<string> {
  return renderVegaLiteSvg(confusionMatrixSpec(report, options));
}
