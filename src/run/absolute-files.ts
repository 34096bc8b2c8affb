/**
 * Node side of the resume rules: a run saves its files as absolute paths, so a file given again
 * by a relative path is made absolute before it is compared (resolve.ts stays free of node:
 * modules: the browser build imports it).
 */
import { resolve } from 'node:path';
import { isFileSetting, RUN_TABLE, type OptionTable } from './options.js';

export function withAbsoluteFiles<T extends object>(given: T, table: OptionTable = RUN_TABLE): T {
  const out = { ...given } as Record<string, unknown>;
  for (const [k, v] of Object.entries(out)) {
    if (typeof v === 'string' && isFileSetting(k, table)) out[k] = resolve(v);
  }
  return out as T;
}
