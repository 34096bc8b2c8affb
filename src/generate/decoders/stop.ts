import type { FinishReason } from './options.js';

/**
 * Finds the stop string in the decoded output. The whole output is re-decoded each time
 * because detokenizers may join tokens context-dependently (spacing, prettify), so only the
 * full text is authoritative. With a minimum length N, only an occurrence that starts after
 * the text of the first N tokens counts, so an output cut before it still holds N tokens.
 */
export class StopMatcher {
  constructor(
    private readonly stop: string | undefined,
    private readonly detokenize: ((ids: number[]) => string) | undefined,
    private readonly minLength = 0,
  ) {}

  /** The output text cut before the stop string, or null while it does not occur. */
  check(ids: number[]): string | null {
    if (!this.stop || !this.detokenize || ids.length <= this.minLength) return null;
    const text = this.detokenize(ids);
    const from = this.minLength > 0 ? this.detokenize(ids.slice(0, this.minLength)).length : 0;
    const at = text.indexOf(this.stop, from);
    return at < 0 ? null : text.slice(0, at);
  }

  /** The `text` field of a finished output (undefined without a detokenizer). */
  text(ids: number[], finishedBy: FinishReason, cut: string | undefined): string | undefined {
    if (finishedBy === 'stop') return cut;
    return this.detokenize ? this.detokenize(ids) : undefined;
  }
}
