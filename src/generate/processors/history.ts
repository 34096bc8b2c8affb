/**
 * The tokens a row has seen so far (prime + generated), indexed for the two processors that
 * look back: repetition penalty (which distinct tokens occurred) and no-repeat-n-gram (which
 * tokens would complete an n-gram that already occurred). Updating is O(n) per token, so a
 * long generation never rescans its history; beams `clone()` when they branch.
 */
export class TokenHistory {
  readonly tokens: number[] = [];
  private seen = new Set<number>();
  /** (n−1)-gram context (comma-joined) → tokens that followed it. */
  private follow: Map<string, Set<number>> | null;

  /** How many of `tokens` were given to the constructor (the prime); the rest were generated. */
  private promptLength: number;

  /** `tokens` is the prime; `ngram` is the n of no-repeat-n-gram, 0 when that rule is off. */
  constructor(tokens: Iterable<number> = [], readonly ngram = 0) {
    this.follow = ngram > 0 ? new Map() : null;
    for (const t of tokens) this.push(t);
    this.promptLength = this.tokens.length;
  }

  /** Tokens pushed after construction: what the decoder generated so far. */
  get generated(): number {
    return this.tokens.length - this.promptLength;
  }

  push(token: number): void {
    this.tokens.push(token);
    this.seen.add(token);
    const n = this.ngram;
    const len = this.tokens.length;
    if (this.follow && len >= n) {
      const key = this.contextKey(len - n, len - 1);
      let set = this.follow.get(key);
      if (!set) this.follow.set(key, (set = new Set()));
      set.add(token);
    }
  }

  /** Distinct tokens seen so far. */
  distinct(): Iterable<number> {
    return this.seen;
  }

  /** Tokens that, appended now, would repeat an n-gram already in the history. */
  bannedNext(): Iterable<number> {
    const n = this.ngram;
    const len = this.tokens.length;
    if (!this.follow || len < n - 1) return [];
    return this.follow.get(this.contextKey(len - n + 1, len)) ?? [];
  }

  clone(): TokenHistory {
    const c = new TokenHistory([], this.ngram);
    for (const t of this.tokens) c.tokens.push(t); // not push(...): long primes would overflow the argument limit
    c.promptLength = this.promptLength;
    c.seen = new Set(this.seen);
    if (this.follow) c.follow = new Map([...this.follow].map(([k, v]) => [k, new Set(v)]));
    return c;
  }

  private contextKey(from: number, to: number): string {
    return this.tokens.slice(from, to).join(',');
  }
}
