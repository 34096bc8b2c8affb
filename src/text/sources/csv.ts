import { RnnlabError } from '../../errors.js';
import { parseCsv } from './csv-parse.js';
import type { Doc, SourceOptions } from './types.js';

/** CSV/TSV rows as Docs: the text column(s) joined by a space, and an optional label column. */
export async function* readCsv(chunks: AsyncIterable<string>, path: string, opts: SourceOptions, delimiter: string): AsyncGenerator<Doc> {
  const hasHeader = opts.header ?? true;
  let header: string[] | null = null;
  let width = -1;
  let textCols: number[] = [];
  let labelCol = -1;
  for await (const { fields, line, endLine, multilineQuote } of parseCsv(chunks, path, delimiter)) {
    if (width === -1) {
      width = fields.length;
      if (hasHeader) header = fields.map((f) => f.trim());
      textCols = textColumns(opts.textColumn, header, width, path);
      labelCol = labelColumn(opts.labelColumn, header, width, textCols, path);
      if (hasHeader) continue;
    }
    if (fields.length !== width) {
      // a quoted field that swallowed line breaks is the likely cause: say where it opens
      const span = multilineQuote > 0 ? ` (the record runs to line ${endLine}: a quoted field opens on line ${multilineQuote} and holds line breaks — an unbalanced quote?)` : '';
      throw new RnnlabError(`${path} line ${line}: expected ${width} fields, found ${fields.length}${span}`);
    }
    const text = textCols.length === 1 ? fields[textCols[0]] : textCols.map((c) => fields[c]).join(' ');
    yield labelCol === -1 ? { text } : { text, label: fields[labelCol] };
  }
}

function textColumns(spec: string | number | undefined, header: string[] | null, width: number, path: string): number[] {
  if (spec === undefined) {
    const named = header ? findName(header, 'text') : -1;
    if (named !== -1) return [named];
    if (width === 1) return [0];
    throw new RnnlabError(`${path}: choose the text column with --text-column (${columnList(header, width)})`);
  }
  if (typeof spec === 'number') return [columnIndex(spec, header, width, path)];
  // A header name may itself contain a comma, so try the whole string before splitting.
  const whole = header ? findName(header, spec.trim()) : -1;
  if (whole !== -1) return [whole];
  const parts = spec.split(',').map((s) => s.trim());
  if (parts.some((p) => p.length === 0)) throw new RnnlabError(`${path}: --text-column "${spec}" has an empty column name`);
  return parts.map((p) => columnIndex(p, header, width, path));
}

function labelColumn(spec: string | number | undefined, header: string[] | null, width: number, textCols: number[], path: string): number {
  if (spec === undefined) {
    const named = header ? findName(header, 'label') : -1;
    return textCols.includes(named) ? -1 : named;
  }
  return columnIndex(typeof spec === 'string' ? spec.trim() : spec, header, width, path);
}

function columnIndex(spec: string | number, header: string[] | null, width: number, path: string): number {
  if (typeof spec === 'string') {
    const named = header ? findName(header, spec) : -1;
    if (named !== -1) return named;
    if (!/^\d+$/.test(spec)) {
      if (!header) throw new RnnlabError(`${path}: column "${spec}" must be a 0-based index because the file has no header row (--no-header)`);
      throw new RnnlabError(`${path}: no column named "${spec}" (${columnList(header, width)}); if the file has no header row, use --no-header and 0-based indices`);
    }
    spec = Number(spec);
  }
  if (!Number.isInteger(spec) || spec < 0 || spec >= width) {
    throw new RnnlabError(`${path}: column index ${spec} is out of range (rows have ${width} fields, indices 0–${width - 1})`);
  }
  return spec;
}

/** Exact name first, then case-insensitive, so "Text" finds "text" without making exact names ambiguous. */
function findName(header: string[], name: string): number {
  const exact = header.indexOf(name);
  if (exact !== -1) return exact;
  const lower = name.toLowerCase();
  return header.findIndex((h) => h.toLowerCase() === lower);
}

function columnList(header: string[] | null, width: number): string {
  if (!header) return `the file has ${width} columns and no header, so use 0-based indices`;
  return `columns: ${header.map((h) => JSON.stringify(h)).join(', ')}`;
}
