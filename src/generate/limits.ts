/**
 * How much one generating command may ask for. Both limits are far above what a reader can
 * use and below what makes a machine swap: every generated token is kept (its id and raw
 * log-probability, tens of bytes as JavaScript numbers), and every step holds the logits of
 * every batch row (rows × vocabulary float32, twice: the model's and the decoder's copy).
 * A request above either is refused before the model is touched, with the figures, so the
 * user can split it (several runs with different --seed values) instead of watching it crawl.
 */
import { RnnlabError } from '../errors.js';

export const MAX_GENERATED_TOKENS = 10_000_000;
export const MAX_STEP_LOGITS_BYTES = 1024 ** 3;

export interface GenerationSize {
  /** Most tokens generated in all (every output at full length). */
  tokens: number;
  /** Batch rows decoded at once (outputs, or searches × beams). */
  rows: number;
  vocabSize: number;
}

/** Bytes of logits held at one step: rows × V × 4, model and decoder copy. */
export function stepLogitsBytes(rows: number, vocabSize: number): number {
  return rows * vocabSize * 4 * 2;
}

/**
 * Throws RnnlabError when a request is above the limits. `what` describes the request in the
 * caller's terms (`--num-samples 100 × --length 1000000`).
 */
export function checkGenerationSize(s: GenerationSize, what: string): void {
  if (s.tokens > MAX_GENERATED_TOKENS) {
    throw new RnnlabError(`${what} asks for up to ${group(s.tokens)} tokens, more than the ${group(MAX_GENERATED_TOKENS)} one command generates; ask for fewer or split the work over several runs (different --seed values)`);
  }
  const bytes = stepLogitsBytes(s.rows, s.vocabSize);
  if (bytes > MAX_STEP_LOGITS_BYTES) {
    throw new RnnlabError(`${what} decodes ${group(s.rows)} rows at once over a vocabulary of ${group(s.vocabSize)}: ${(bytes / 1024 ** 3).toFixed(1)} GiB of logits per step, more than the ${MAX_STEP_LOGITS_BYTES / 1024 ** 3} GiB allowed; ask for fewer outputs or beams`);
  }
}

function group(n: number): string {
  return n.toLocaleString('en-US');
}
