import { RnnlabError } from '../../errors.js';
import type { Doc, SourceOptions } from './types.js';

const DEFAULT_TEXT_FIELD = 'text';

/**
 * Turns one parsed JSON value into a Doc. `where` locates it for error messages
 * ("line 12" or "element [4] (line 40)") because a bad record deep in a large file is
 * otherwise impossible to find.
 */
export function recordToDoc(value: unknown, opts: SourceOptions, path: string, where: string): Doc {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new RnnlabError(`${path} ${where}: expected a JSON object (a record), found ${describe(value)}`);
  }
  const record = value as Record<string, unknown>;
  const textField = opts.textField ?? DEFAULT_TEXT_FIELD;
  if (!Object.hasOwn(record, textField)) {
    const hint = opts.textField === undefined ? '; choose the text field with --text-field' : '';
    throw new RnnlabError(`${path} ${where}: record has no field "${textField}" (fields: ${fieldList(record)})${hint}`);
  }
  const text = record[textField];
  if (typeof text !== 'string') {
    throw new RnnlabError(`${path} ${where}: field "${textField}" is ${describe(text)}, not a string`);
  }
  if (opts.labelField === undefined) return { text };
  if (!Object.hasOwn(record, opts.labelField)) {
    throw new RnnlabError(`${path} ${where}: record has no label field "${opts.labelField}" (fields: ${fieldList(record)})`);
  }
  const label = record[opts.labelField];
  if (typeof label !== 'string' && typeof label !== 'number' && typeof label !== 'boolean') {
    throw new RnnlabError(`${path} ${where}: label field "${opts.labelField}" is ${describe(label)}, not a string or number`);
  }
  return { text, label: String(label) };
}

function fieldList(record: Record<string, unknown>): string {
  const keys = Object.keys(record);
  if (keys.length === 0) return 'none';
  const shown = keys.slice(0, 20).map((k) => JSON.stringify(k)).join(', ');
  return keys.length > 20 ? `${shown}, … ${keys.length - 20} more` : shown;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'object':
      return 'an object';
    case 'number':
      return `a number (${value})`;
    case 'boolean':
      return `a boolean (${value})`;
    case 'string':
      return 'a string';
    default:
      return typeof value;
  }
}
