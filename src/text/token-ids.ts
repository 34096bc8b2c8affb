/**
 * Token ids packed in typed arrays, which live outside the JavaScript heap: 2 bytes a token while
 * every id fits in 16 bits (a vocabulary of at most 65,536 entries), 4 bytes otherwise. A corpus of
 * hundreds of millions of tokens then costs its ids and nothing per token besides.
 */
export type TokenIds = Uint16Array | Int32Array;

/** Largest id a Uint16Array holds. */
export const MAX_U16 = 0xffff;

/** An empty id array for a vocabulary of `vocabSize` entries: 16 bits when every id fits. */
export function idArray(vocabSize: number, length: number): TokenIds {
  return vocabSize - 1 <= MAX_U16 ? new Uint16Array(length) : new Int32Array(length);
}

/**
 * A growable id array, built token by token while a corpus is read: 16 bits wide until an id
 * above 65,535 arrives, then widened once to 32 bits. Ids are non-negative.
 */
export class IdBuilder {
  private buf: TokenIds;
  private n = 0;

  /** `capacity`: a guess at the final length (growing past it costs a copy). */
  constructor(capacity = 1 << 16) {
    this.buf = new Uint16Array(Math.max(16, Math.ceil(capacity)));
  }

  get length(): number {
    return this.n;
  }

  /** True once some id needed 32 bits. */
  get wide(): boolean {
    return this.buf instanceof Int32Array;
  }

  push(id: number): void {
    if (id > MAX_U16 && !(this.buf instanceof Int32Array)) this.widen();
    if (this.n === this.buf.length) this.grow();
    this.buf[this.n++] = id;
  }

  /** The ids so far as a view (no copy); valid until the next push. */
  view(): TokenIds {
    return this.buf.subarray(0, this.n);
  }

  /**
   * The ids, trimmed: a view when little capacity is unused, else an exact copy (so a generous
   * guess does not keep its spare room for the life of the corpus). The builder is spent.
   */
  finish(): TokenIds {
    const out = this.buf.length - this.n > (this.n >> 3) + 1024 ? this.buf.slice(0, this.n) : this.buf.subarray(0, this.n);
    this.buf = new Uint16Array(0);
    this.n = 0;
    return out;
  }

  // Only the ids written so far are copied: the untouched rest of a generous capacity costs no memory.
  private widen(): void {
    const next = new Int32Array(this.buf.length);
    next.set(this.buf.subarray(0, this.n));
    this.buf = next;
  }

  // 1.5×: the copy briefly needs old + new, so a smaller factor keeps that peak lower.
  private grow(): void {
    const next = this.buf instanceof Int32Array ? new Int32Array(this.nextCapacity()) : new Uint16Array(this.nextCapacity());
    next.set(this.buf.subarray(0, this.n));
    this.buf = next;
  }

  private nextCapacity(): number {
    return Math.max(this.buf.length + 1024, Math.ceil(this.buf.length * 1.5));
  }
}
