/**
 * Report pages as Markdown (GitHub-flavoured: pipe tables, fenced code), built from facts
 * already gathered: no files are read here, and every link is the relative one it is given.
 */
import { fmtRate, fmtTime, formatMetric } from '../util/format.js';
import { runDescription, settingRows, trainingLine, validationRows, type RunFactsInput } from './run-facts.js';
import { paramValues, variedParams, type SweepResult } from './sweep-spec.js';

export interface Figure {
  title: string;
  /** Relative to the report's folder, URL-encoded. */
  link: string;
}

export interface RunPage {
  name: string;
  facts: RunFactsInput;
  /** Token level ('char': bits per character). */
  level?: string;
  figures: Figure[];
  /** The model summary and the file it was read from. */
  summary: { text: string; source: string } | null;
  /** Language models: the command that reproduces the samples, and the samples. */
  samples: { command: string; texts: string[] } | null;
  /** Things a reader should know (no checkpoint yet, no evaluation to show). */
  notes: string[];
}

export interface SweepPage {
  name: string;
  results: readonly SweepResult[];
  figures: Figure[];
  /** The page of the run with the best validation perplexity. */
  best: RunPage | null;
}

/** Text safe inside a table cell: pipes escaped, line breaks flattened. */
export function mdCell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

export function mdTable(head: readonly string[], rows: readonly (readonly string[])[], numeric: readonly boolean[] = []): string {
  const line = (cells: readonly string[]) => `| ${cells.map(mdCell).join(' | ')} |`;
  return [line(head), `| ${head.map((_, i) => (numeric[i] ? '---:' : '---')).join(' | ')} |`, ...rows.map(line)].join('\n');
}

/** A code block whose fence is longer than any run of backticks in the text, so a sample cannot end it. */
export function fenced(text: string, lang = 'text'): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${lang}\n${text}\n${fence}`;
}

function heading(depth: number, text: string): string {
  return `${'#'.repeat(Math.min(6, depth))} ${text}`;
}

function validationTable(page: RunPage): string {
  const rows = validationRows(page.facts.events);
  if (rows.length === 0) return '_No validation yet._';
  const label = { untrained: 'untrained (step 0)', best: 'best (model.safetensors)', last: 'last' };
  if (page.facts.classifier) {
    return mdTable(['validation', 'step', 'loss', 'accuracy'],
      rows.map((r) => [label[r.what], String(r.val.step), r.val.loss.toFixed(4), r.val.accuracy === undefined ? '' : `${(100 * r.val.accuracy).toFixed(2)} %`]),
      [false, true, true, true]);
  }
  const bits = page.level === 'char' ? 'bits/char' : 'bits/token';
  return mdTable(['validation', 'step', 'loss', 'perplexity', bits],
    rows.map((r) => [label[r.what], String(r.val.step), r.val.loss.toFixed(4), formatMetric(r.val.perplexity), r.val.bits_per_token.toFixed(4)]),
    [false, true, true, true, true]);
}

function figures(list: readonly Figure[]): string[] {
  return list.flatMap((f, i) => [...(i ? [''] : []), `![${mdCell(f.title)}](${f.link})`]);
}

export function runMarkdown(page: RunPage, depth = 1): string {
  const out: string[] = [heading(depth, page.name), '', `${runDescription(page.facts)}.`, ''];
  for (const n of page.notes) out.push(`> ${n}`, '');
  const settings = settingRows(page.facts);
  out.push(heading(depth + 1, 'Configuration'), '');
  out.push(settings.length
    ? mdTable(['setting', 'value', 'default'], settings.map((s) => [`\`${s.flag}\``, s.value, s.default]))
    : '_No config.json._', '');
  out.push(heading(depth + 1, 'Results'), '', trainingLine(page.facts), '', validationTable(page), '');
  if (page.figures.length) out.push(...figures(page.figures), '');
  if (page.summary) out.push(heading(depth + 1, 'Model'), '', `From ${page.summary.source}:`, '', fenced(page.summary.text), '');
  if (page.samples) {
    out.push(heading(depth + 1, 'Samples'), '', `\`${page.samples.command}\``, '');
    for (const t of page.samples.texts) out.push(fenced(t), '');
  }
  return out.join('\n');
}

export function sweepMarkdown(page: SweepPage): string {
  const { results } = page;
  const varied = variedParams(results);
  const counts = new Map<string, number>();
  for (const r of results) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  const out: string[] = [heading(1, `Sweep ${page.name}`), ''];
  out.push(`${results.length} run${results.length === 1 ? '' : 's'}: ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}.`);
  if (varied.length) out.push(`Varied: ${varied.map((p) => `${p} (${paramValues(results, p).join(', ')})`).join('; ')}.`);
  out.push('');

  // Best first; runs without a perplexity (failed, pending) last, in their own order.
  const sorted = [...results].sort((a, b) => (a.val_perplexity ?? Infinity) - (b.val_perplexity ?? Infinity));
  const columns: { head: string; numeric: boolean; cell: (r: SweepResult) => string | undefined }[] = [
    { head: 'run', numeric: false, cell: (r) => r.run },
    ...varied.map((p) => ({ head: p, numeric: false, cell: (r: SweepResult) => (r.params[p] === undefined ? '' : String(r.params[p])) })),
    { head: 'status', numeric: false, cell: (r) => r.status },
    { head: 'val perplexity', numeric: true, cell: (r) => (r.val_perplexity === undefined ? undefined : formatMetric(r.val_perplexity)) },
    { head: 'val bits', numeric: true, cell: (r) => r.val_bits?.toFixed(4) },
    { head: 'test perplexity', numeric: true, cell: (r) => (r.test_perplexity === undefined ? undefined : formatMetric(r.test_perplexity)) },
    { head: 'parameters', numeric: true, cell: (r) => r.parameters?.toLocaleString('en-US') },
    { head: 'tokens/s', numeric: true, cell: (r) => (r.tokens_per_sec === undefined ? undefined : fmtRate(r.tokens_per_sec)) },
    { head: 'wall time', numeric: true, cell: (r) => (r.wall_seconds === undefined ? undefined : fmtTime(r.wall_seconds)) },
  ];
  // A column no run has a value for (no test file in this sweep) is left out.
  const shown = columns.filter((c) => sorted.some((r) => c.cell(r) !== undefined));
  out.push(heading(2, 'Results'), '', mdTable(shown.map((c) => c.head), sorted.map((r) => shown.map((c) => c.cell(r) ?? '')), shown.map((c) => c.numeric)), '');
  const failed = results.filter((r) => r.status === 'failed');
  if (failed.length) {
    out.push('Failed:', '', ...failed.map((r) => `- ${r.run}: ${mdCell(r.error?.split('\n')[0] ?? 'no error recorded')}`), '');
  }
  if (page.figures.length) out.push(...figures(page.figures), '');
  if (page.best) out.push(runMarkdown({ ...page.best, name: `Best run: ${page.best.name}` }, 2));
  return out.join('\n');
}
