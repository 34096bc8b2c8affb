/**
 * How every command ends: RnnlabError (bad input) prints `error: <message>` and exits 1;
 * anything else is a bug, printed the same way with exit 2. Stack traces only with --debug.
 */
import { RnnlabError } from '../errors.js';

export function debugEnabled(): boolean {
  return process.argv.includes('--debug') || process.env.RNNLAB_DEBUG === '1';
}

export function action<A extends unknown[]>(fn: (...args: A) => Promise<void> | void) {
  return async (...args: A): Promise<void> => {
    try {
      await fn(...args);
    } catch (e) {
      const err = e as Error;
      const msg = (err && err.message ? err.message : String(e)).split('\n')[0];
      process.stderr.write(`error: ${msg}\n`);
      if (debugEnabled() && err?.stack) process.stderr.write(err.stack + '\n');
      process.exit(e instanceof RnnlabError ? 1 : 2);
    }
  };
}

/** Writes one JSON document to stdout. */
export function printJson(v: unknown): void {
  process.stdout.write(JSON.stringify(v, null, 2) + '\n');
}
