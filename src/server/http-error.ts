/**
 * Errors an HTTP request gets: a status and one clear line, sent as `{ "error": "…" }`. A
 * library RnnlabError (bad settings, an unreadable model) is the client's fault: 400. Anything
 * else is a bug in the server: 500, with the details on the server's stderr only.
 */
import { RnnlabError } from '../errors.js';

export class HttpError extends Error {
  constructor(readonly status: 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 429 | 503, message: string) {
    super(message);
  }
}

export function errorStatus(e: unknown): { status: number; message: string } {
  if (e instanceof HttpError) return { status: e.status, message: e.message };
  if (e instanceof RnnlabError) return { status: 400, message: e.message.split('\n')[0] };
  return { status: 500, message: 'internal error (see the server\'s log)' };
}
