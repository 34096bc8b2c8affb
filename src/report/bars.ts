/**
 * Bar charts for comparisons (perplexity per corpus, per model, per value of a swept setting):
 * a browser-safe Vega-Lite spec. Bars run horizontally so long category names stay readable,
 * each with its value printed at its end; a bar without a value (a failed run) shows a note
 * instead. With `series`, bars of one category are grouped and coloured by series.
 */
import type { TopLevelSpec } from 'vega-lite';
import { formatMetric } from '../util/format.js';

export interface Bar {
  category: string;
  /** null: nothing to draw (the note is printed instead). */
  value: number | null;
  /** Groups bars within a category (e.g. the model, when categories are corpora). */
  series?: string;
  /** Printed where a bar without a value would be ("failed", "pending"); default "n/a". */
  note?: string;
}

export interface BarChartOptions {
  title?: string;
  subtitle?: string;
  /** The value axis ("validation perplexity"). */
  valueTitle?: string;
  /** The category axis (the swept setting's name). */
  categoryTitle?: string;
  /** Width of the value axis in pixels (400). */
  width?: number;
}

/** A row of the chart's data; also what the dashboard's tooltip shows. */
export interface BarRow {
  category: string;
  series: string;
  value: number | null;
  /** The printed text: the value, or the note. */
  label: string;
  /** Where the label sits: the bar's end, or the axis for a missing bar. */
  at: number;
}

const BAR_STEP = 22;

export function barRows(bars: readonly Bar[]): BarRow[] {
  return bars.map((b) => ({
    category: b.category,
    series: b.series ?? '',
    value: b.value !== null && Number.isFinite(b.value) ? b.value : null,
    label: b.value !== null && Number.isFinite(b.value) ? formatMetric(b.value) : (b.note ?? 'n/a'),
    at: b.value !== null && Number.isFinite(b.value) ? b.value : 0,
  }));
}

export function barChartSpec(bars: readonly Bar[], options: BarChartOptions = {}): TopLevelSpec {
  const rows = barRows(bars);
  const categories = [...new Set(rows.map((r) => r.category))];
  const series = [...new Set(rows.map((r) => r.series))];
  const grouped = series.length > 1 || series[0] !== '';
  const y = { field: 'category', type: 'nominal' as const, sort: categories, title: options.categoryTitle ?? null, axis: { labelLimit: 240, ticks: false, domain: false } };
  const title = options.title ?? (options.valueTitle ?? 'value');
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    description: `Bar chart: ${title}.`,
    title: options.subtitle ? { text: title, subtitle: options.subtitle, anchor: 'start' } : { text: title, anchor: 'start' },
    data: { values: rows },
    width: options.width ?? 400,
    // One band per bar: a grouped category is as tall as its series together.
    height: { step: BAR_STEP * (grouped ? series.length : 1) },
    encoding: {
      y,
      ...(grouped ? { yOffset: { field: 'series', type: 'nominal' as const, sort: series } } : {}),
    },
    layer: [
      {
        mark: { type: 'bar', ...(grouped ? {} : { color: '#4c78a8' }) },
        encoding: {
          x: { field: 'value', type: 'quantitative', title: options.valueTitle ?? 'value', scale: { zero: true }, axis: { grid: true } },
          ...(grouped ? { color: { field: 'series', type: 'nominal' as const, sort: series, title: null } } : {}),
          tooltip: [
            { field: 'category', type: 'nominal', title: options.categoryTitle ?? 'category' },
            ...(grouped ? [{ field: 'series', type: 'nominal' as const, title: 'series' }] : []),
            { field: 'label', type: 'nominal', title: options.valueTitle ?? 'value' },
          ],
        },
      },
      {
        mark: { type: 'text', align: 'left', dx: 3, fontSize: 11 },
        encoding: {
          x: { field: 'at', type: 'quantitative' },
          text: { field: 'label', type: 'nominal' },
          color: { condition: { test: 'datum.value === null', value: '#b22' }, value: 'black' },
        },
      },
    ],
    view: { stroke: null },
  };
}
