/**
 * Node side of the resume rules: a run saves its files as absolute paths, so a file given again
 * by a relative path is made absolute before it is compared (resolve.ts stays free of node:
 * modules: the browser build imports it).
 */
import { resolve } from 'node:path';
import { FILE_KEYS } from './resolve.js';

export function withAbsoluteFiles<T extends object>(given: T): T {
  const out = { ...given } as Record<string, unknown>;
  for (const k of FILE_KEYS) {
    if (typeof out[k] === 'string') out[k] = resolve(out[k] as string);
  }
  return out as T;
}
