import { markdownCell, markdownTable } from '../util/markdown.js';
import type { CompareRow } from './compare.js';

const COLUMNS: { key: keyof CompareRow; title: string; csv: string; digits: number }[] = [
  { key: 'meanLength', title: 'length', csv: 'mean_length', digits: 1 },
  { key: 'distinct1', title: 'distinct-1', csv: 'distinct_1', digits: 3 },
  { key: 'distinct2', title: 'distinct-2', csv: 'distinct_2', digits: 3 },
  { key: 'repetition4', title: 'rep-4', csv: 'repetition_4', digits: 3 },
  { key: 'perplexity', title: 'own ppl', csv: 'perplexity', digits: 2 },
  { key: 'msPerToken', title: 'ms/token', csv: 'ms_per_token', digits: 3 },
];

/** A GitHub-flavoured Markdown table; examples shortened to one line of at most `exampleWidth` characters. */
export function toMarkdown(rows: readonly CompareRow[], exampleWidth = 60): string {
  const head = ['strategy', ...COLUMNS.map((c) => c.title), 'example'];
  const cells = rows.map((r) => [markdownCell(r.name), ...COLUMNS.map((c) => fixed(r[c.key] as number, c.digits)), markdownCell(shorten(r.example, exampleWidth))]);
  return markdownTable(head, cells, head.map((_, i) => i > 0 && i < head.length - 1));
}

/** RFC 4180 CSV (CRLF line ends, fields quoted when they hold a comma, quote or line break); empty cell = undefined metric. */
export function toCsv(rows: readonly CompareRow[]): string {
  const head = ['name', 'strategy', 'outputs', ...COLUMNS.map((c) => c.csv), 'example'];
  const lines = [head.join(',')];
  for (const r of rows) {
    const nums = COLUMNS.map((c) => {
      const x = r[c.key] as number;
      return Number.isFinite(x) ? String(x) : '';
    });
    lines.push([csvField(r.name), r.strategy, String(r.outputs), ...nums, csvField(r.example)].join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function fixed(x: number, digits: number): string {
  return Number.isFinite(x) ? x.toFixed(digits) : 'n/a';
}

function shorten(s: string, width: number): string {
  const chars = [...s];
  return chars.length <= width ? s : chars.slice(0, width - 1).join('') + '…';
}
