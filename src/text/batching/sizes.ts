import { RnnlabError } from '../../errors.js';

/** A batch size, sequence length or stride: a positive integer, or one clear line naming it. */
export function positiveInt(x: number, what: string): void {
  if (!Number.isInteger(x) || x < 1) throw new RnnlabError(`${what} must be a positive integer, got ${x}`);
}
