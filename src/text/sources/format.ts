/** Which reader a path gets by its extension (no file access, so it runs in a browser too). */
import type { SourceFormat } from './types.js';

/** The format 'auto' resolves to for a path: by extension, after stripping `.gz`. */
export function detectFormat(path: string): Exclude<SourceFormat, 'auto'> {
  const ext = extension(path);
  if (ext === '.json') return 'json';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (ext === '.csv' || ext === '.tsv') return 'csv';
  return 'text';
}

/** The lower-cased extension of a path after stripping `.gz` ('' when none). */
export function extension(path: string): string {
  const name = path.toLowerCase().replace(/\.gz$/, '');
  const base = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot) : '';
}
