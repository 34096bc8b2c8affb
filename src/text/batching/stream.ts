import { RnnlabError } from '../../errors.js';
import { positiveInt } from './sizes.js';
import type { TokenIds } from '../token-ids.js';

/** One window of a token stream, batch-major [B, T]; y is x shifted by one token. */
export interface StreamWindow {
  x: Int32Array;
  y: Int32Array;
  B: number;
  T: number;
}

/**
 * Stream batching for truncated BPTT. The n ids are cut into B rows of
 * rowLen = floor((n-1)/B) inputs (row b starts at id b·rowLen) and each row is walked in
 * windows of T steps. Window k+1 of a row starts exactly where window k ended, which is what
 * lets the trainer carry the recurrent state across windows. Ids past B·rowLen are unused.
 */
export class StreamBatcher {
  readonly rowLen: number;
  readonly windows: number;

  constructor(
    readonly ids: TokenIds,
    readonly B: number,
    readonly T: number,
  ) {
    positiveInt(B, 'batch size');
    positiveInt(T, 'sequence length');
    if (ids.length - 1 < B) {
      throw new RnnlabError(`the data is too short for batch size ${B}: ${ids.length} tokens give fewer than one target per row (use a smaller --batch)`);
    }
    this.rowLen = Math.floor((ids.length - 1) / B);
    this.windows = Math.ceil(this.rowLen / T);
  }

  /** Number of targets in one pass over all windows. */
  get tokensPerEpoch(): number {
    return this.B * this.rowLen;
  }

  /** Time steps in window k: T, except possibly the last. */
  windowLength(k: number): number {
    this.check(k);
    return Math.min(this.T, this.rowLen - k * this.T);
  }

  window(k: number): StreamWindow {
    const Tk = this.windowLength(k);
    const { B, ids, rowLen } = this;
    const x = new Int32Array(B * Tk);
    const y = new Int32Array(B * Tk);
    for (let b = 0; b < B; b++) {
      const start = b * rowLen + k * this.T;
      x.set(ids.subarray(start, start + Tk), b * Tk);
      y.set(ids.subarray(start + 1, start + 1 + Tk), b * Tk);
    }
    return { x, y, B, T: Tk };
  }

  private check(k: number): void {
    if (!Number.isInteger(k) || k < 0 || k >= this.windows) {
      throw new RangeError(`window ${k} is out of range (0–${this.windows - 1})`);
    }
  }
}
