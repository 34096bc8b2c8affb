import { RnnlabError } from '../../errors.js';
import type { Rng } from '../../util/rng.js';
import { positiveInt } from './sizes.js';
import type { TokenIds } from '../token-ids.js';
import type { StreamWindow } from './stream.js';

/**
 * Window batching (d2l's random sampling, the TF.js text-generation example): the token stream
 * is read as many short, independent sequences. Window k of an epoch starts at offset + k·S
 * (stride S) and holds T inputs, its targets shifted by one token; each window is a row of its
 * own that a trainer runs from a zero recurrent state, so nothing is carried between batches.
 *
 * Per epoch an Rng draws the offset (in [0, S), as d2l does, so window edges move from epoch to
 * epoch) and then shuffles the order of all windows; rows are filled B windows at a time, the
 * last batch possibly shorter. The number of windows is the same for every offset (the count
 * that fits at the largest one), so every epoch has the same number of batches.
 */
export class WindowBatcher {
  /** Windows per epoch. */
  readonly windows: number;
  /** Offsets drawn per epoch lie in [0, maxOffset]. */
  readonly maxOffset: number;

  constructor(
    readonly ids: TokenIds,
    readonly T: number,
    readonly S: number,
  ) {
    positiveInt(T, 'sequence length');
    positiveInt(S, 'window stride');
    const room = ids.length - 1 - T; // the last window start that still has T targets
    if (room < 0) {
      throw new RnnlabError(`the data is too short for window batching with --seq ${T}: ${ids.length} tokens give no window of ${T} inputs and targets (use a smaller --seq)`);
    }
    this.maxOffset = Math.min(S - 1, room);
    this.windows = Math.floor((room - this.maxOffset) / S) + 1;
  }

  /** Number of targets in one epoch. */
  get tokensPerEpoch(): number {
    return this.windows * this.T;
  }

  /** One epoch's windows: the offset and then the order are drawn from `rng` (advanced in place); null keeps offset 0 and stream order. */
  epoch(rng: Rng | null, B: number): WindowEpoch {
    positiveInt(B, 'batch size');
    const offset = rng ? rng.int(this.maxOffset + 1) : 0;
    const order = Array.from({ length: this.windows }, (_, k) => k);
    if (rng) rng.shuffle(order);
    const starts = Int32Array.from(order, (k) => offset + k * this.S);
    return new WindowEpoch(this.ids, this.T, B, starts);
  }
}

/** The batches of one epoch: batch i holds windows starts[i·B …], one per row, batch-major [rows, T]. */
export class WindowEpoch {
  readonly batches: number;

  constructor(
    private readonly ids: TokenIds,
    private readonly T: number,
    private readonly B: number,
    /** Where each window starts in the stream, in the epoch's order. */
    readonly starts: Int32Array,
  ) {
    this.batches = Math.ceil(starts.length / B);
  }

  batch(i: number): StreamWindow {
    if (!Number.isInteger(i) || i < 0 || i >= this.batches) throw new RangeError(`batch ${i} is out of range (0–${this.batches - 1})`);
    const { ids, T } = this;
    const first = i * this.B, rows = Math.min(this.B, this.starts.length - first);
    const x = new Int32Array(rows * T), y = new Int32Array(rows * T);
    for (let r = 0; r < rows; r++) {
      const s = this.starts[first + r];
      x.set(ids.subarray(s, s + T), r * T);
      y.set(ids.subarray(s + 1, s + 1 + T), r * T);
    }
    return { x, y, B: rows, T };
  }
}
