import { compareCodePoints } from '../vocab.js';
import { RnnlabError } from '../../errors.js';
import type { Tokenizer, TokenizerSettings } from './tokenizer.js';
import { normalizeText } from './char.js';

/*
 * Byte-pair encoding over code points (not bytes), GPT-2 style:
 *  - Text is first cut into pieces: a letter run, a digit run or a run of other symbols, each
 *    taking at most one literal leading space (" world"), plus runs of whitespace. A token
 *    therefore never crosses a piece boundary, and the space is part of the token (no marker
 *    character), so joining the tokens gives back the text exactly.
 *  - The base alphabet is the set of code points seen while learning. Code points never seen
 *    are still encoded, as single-code-point tokens, so encoding loses nothing.
 *  - Learning repeatedly merges the most frequent adjacent pair, counted over the table of
 *    distinct pieces weighted by frequency, with counts updated incrementally. Ties go to the
 *    smaller (left, right) pair in code-point order, so learning is deterministic. Pairs seen
 *    fewer than `minFrequency` times (default 2) are never merged.
 *  - Encoding a piece applies merges by rank exactly as GPT-2 does: take the lowest-ranked
 *    adjacent pair, merge all its occurrences left to right, repeat.
 */

// Whitespace: a run keeps its last character unless that is a space the next word can take, so
// "\n\nThe" is "\n\n" + "The" (GPT-2 would cut "\n" + "\n") and "a   b" is "a" + "  " + " b".
const PIECE = / ?[\p{L}\p{M}]+| ?\p{N}+| ?[^\s\p{L}\p{M}\p{N}]+|\s*[^\S ](?=\S)|\s+(?!\S)|\s+/gu;

export function splitPieces(normalized: string): string[] {
  return normalized.match(PIECE) ?? [];
}

export interface LearnBpeOptions {
  lowercase: boolean;
  /** Pairs occurring fewer times than this are not merged; default 2. */
  minFrequency?: number;
}

export { compareCodePoints } from '../vocab.js';

/** Binary min-heap under a caller-given order. */
class Heap<T> {
  private items: T[] = [];
  constructor(private readonly less: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  peek(): T {
    return this.items[0];
  }

  push(item: T): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }

  pop(): T {
    const a = this.items;
    const top = a[0];
    const last = a.pop() as T;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l], a[m])) m = l;
        if (r < a.length && this.less(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}

// Pair (a, b) of symbol ids as one number; ids stay below 2^26, so keys stay below 2^52.
const SHIFT = 2 ** 26;

export function learnBpe(
  texts: Iterable<string>,
  merges: number,
  opts: LearnBpeOptions,
): TokenizerSettings {
  if (!Number.isInteger(merges) || merges < 0) {
    throw new RnnlabError(`the number of BPE merges must be a non-negative integer, got ${merges}`);
  }
  const minFrequency = opts.minFrequency ?? 2;
  if (!Number.isInteger(minFrequency) || minFrequency < 1) {
    throw new RnnlabError(`BPE minFrequency must be a positive integer, got ${minFrequency}`);
  }

  const pieceCounts = new Map<string, number>();
  for (const text of texts) {
    for (const piece of splitPieces(normalizeText(text, opts.lowercase))) {
      pieceCounts.set(piece, (pieceCounts.get(piece) ?? 0) + 1);
    }
  }

  const alphabetSet = new Set<string>();
  for (const piece of pieceCounts.keys()) for (const ch of piece) alphabetSet.add(ch);
  const alphabet = [...alphabetSet].sort(compareCodePoints);
  const strs = [...alphabet];
  const idOf = new Map(alphabet.map((s, i) => [s, i]));

  const words: number[][] = [];
  const freqs: number[] = [];
  for (const [piece, f] of pieceCounts) {
    words.push(Array.from(piece, (ch) => idOf.get(ch) as number));
    freqs.push(f);
  }

  const pairCounts = new Map<number, number>();
  const where = new Map<number, number[]>();
  for (let w = 0; w < words.length; w++) {
    const word = words[w];
    for (let i = 0; i + 1 < word.length; i++) {
      const key = word[i] * SHIFT + word[i + 1];
      pairCounts.set(key, (pairCounts.get(key) ?? 0) + freqs[w]);
      const list = where.get(key);
      if (list === undefined) where.set(key, [w]);
      else if (list[list.length - 1] !== w) list.push(w);
    }
  }

  // Lazy heap: an entry may be stale; it is only trusted when its count is the current one.
  type Entry = { count: number; key: number };
  const pairOrder = (x: number, y: number): number =>
    compareCodePoints(strs[Math.floor(x / SHIFT)], strs[Math.floor(y / SHIFT)]) ||
    compareCodePoints(strs[x % SHIFT], strs[y % SHIFT]);
  const heap = new Heap<Entry>((p, q) =>
    p.count !== q.count ? p.count > q.count : pairOrder(p.key, q.key) < 0,
  );
  for (const [key, count] of pairCounts) heap.push({ count, key });

  const learned: [string, string][] = [];
  const stamp = new Int32Array(words.length).fill(-1);
  const delta = new Map<number, number>();

  while (learned.length < merges && heap.size > 0) {
    const top = heap.pop();
    const current = pairCounts.get(top.key) ?? 0;
    if (current !== top.count) {
      // Counts only fall without a push, so a stale entry above the true count is re-filed.
      if (current > 0 && current < top.count) heap.push({ count: current, key: top.key });
      continue;
    }
    if (current < minFrequency) break;

    const a = Math.floor(top.key / SHIFT);
    const b = top.key % SHIFT;
    const c = strs.length;
    if (c >= SHIFT) break;
    strs.push(strs[a] + strs[b]);
    learned.push([strs[a], strs[b]]);

    const step = learned.length;
    delta.clear();
    for (const w of where.get(top.key) ?? []) {
      if (stamp[w] === step) continue;
      stamp[w] = step;
      const old = words[w];
      const merged: number[] = [];
      let hit = false;
      for (let i = 0; i < old.length; i++) {
        if (i + 1 < old.length && old[i] === a && old[i + 1] === b) {
          merged.push(c);
          hit = true;
          i++;
        } else {
          merged.push(old[i]);
        }
      }
      if (!hit) continue;
      const f = freqs[w];
      for (let i = 0; i + 1 < old.length; i++) {
        const key = old[i] * SHIFT + old[i + 1];
        delta.set(key, (delta.get(key) ?? 0) - f);
      }
      for (let i = 0; i + 1 < merged.length; i++) {
        const key = merged[i] * SHIFT + merged[i + 1];
        delta.set(key, (delta.get(key) ?? 0) + f);
        // Only pairs with the new symbol are new to this word; the rest are indexed already.
        if (merged[i] === c || merged[i + 1] === c) {
          const list = where.get(key);
          if (list === undefined) where.set(key, [w]);
          else if (list[list.length - 1] !== w) list.push(w);
        }
      }
      words[w] = merged;
    }
    where.delete(top.key);
    for (const [key, d] of delta) {
      if (d === 0) continue;
      const count = (pairCounts.get(key) ?? 0) + d;
      if (count <= 0) {
        pairCounts.delete(key);
        where.delete(key);
      } else {
        pairCounts.set(key, count);
        if (d > 0) heap.push({ count, key });
      }
    }
  }

  return { kind: 'bpe', lowercase: opts.lowercase, merges: learned, alphabet };
}

/**
 * Checks merges read back from a checkpoint: pairs of non-empty strings, no repeats, and every
 * operand buildable from single code points and earlier merges.
 */
export function validateMerges(merges: unknown): [string, string][] {
  if (!Array.isArray(merges)) {
    throw new RnnlabError('bpe tokenizer settings need a "merges" array of [left, right] pairs');
  }
  const built = new Set<string>();
  const seen = new Set<string>();
  const buildable = (s: string): boolean => built.has(s) || Array.from(s).length === 1;
  merges.forEach((m: unknown, i: number) => {
    if (
      !Array.isArray(m) || m.length !== 2 ||
      typeof m[0] !== 'string' || typeof m[1] !== 'string' || m[0] === '' || m[1] === ''
    ) {
      throw new RnnlabError(`bpe merge #${i} must be a pair of non-empty strings, got ${JSON.stringify(m)}`);
    }
    const [l, r] = m as [string, string];
    const id = JSON.stringify(m);
    if (seen.has(id)) throw new RnnlabError(`bpe merge #${i} ${id} appears twice`);
    if (!buildable(l) || !buildable(r)) {
      throw new RnnlabError(`bpe merge #${i} ${id} uses a symbol that no earlier merge produces`);
    }
    seen.add(id);
    built.add(l + r);
  });
  return merges as [string, string][];
}

/** Every token a BPE can emit for text made of its alphabet: the alphabet plus merge results. */
export function bpeTokens(settings: TokenizerSettings): string[] {
  const alphabet = Array.isArray(settings.alphabet) ? (settings.alphabet as string[]) : [];
  const out = new Set<string>(alphabet);
  for (const [l, r] of settings.merges ?? []) out.add(l + r);
  return [...out];
}

const CACHE_LIMIT = 100_000;
const NO_RANK = -1;
// Heap entries pack (rank, position): rank · 2^31 + position.
const POS = 2 ** 31;

export class BpeTokenizer implements Tokenizer {
  readonly kind = 'bpe' as const;
  readonly roundTrips = true;
  readonly settings: TokenizerSettings;
  private readonly ranks = new Map<string, Map<string, number>>();
  private cache = new Map<string, string[]>();

  constructor(settings: TokenizerSettings) {
    const merges = validateMerges(settings.merges);
    this.settings = settings;
    merges.forEach(([l, r], rank) => {
      let inner = this.ranks.get(l);
      if (inner === undefined) this.ranks.set(l, (inner = new Map()));
      inner.set(r, rank);
    });
  }

  tokenize(text: string): string[] {
    const out: string[] = [];
    for (const piece of splitPieces(normalizeText(text, this.settings.lowercase))) {
      let tokens = this.cache.get(piece);
      if (tokens === undefined) {
        tokens = this.encodePiece(piece);
        if (this.cache.size >= CACHE_LIMIT) this.cache = new Map();
        this.cache.set(piece, tokens);
      }
      for (const t of tokens) out.push(t);
    }
    return out;
  }

  detokenize(tokens: string[]): string {
    return tokens.join('');
  }

  private rank(l: string, r: string): number {
    return this.ranks.get(l)?.get(r) ?? NO_RANK;
  }

  /**
   * GPT-2's merge loop made O(n log n) for long pieces: a heap of (rank, position) over a linked
   * list of symbols. All occurrences of the lowest rank are merged, left to right, before pairs
   * created meanwhile are considered, exactly as the quadratic loop would.
   */
  private encodePiece(piece: string): string[] {
    const syms = Array.from(piece);
    const n = syms.length;
    if (n < 2) return syms;
    const next = new Int32Array(n);
    const prev = new Int32Array(n);
    const alive = new Uint8Array(n).fill(1);
    for (let i = 0; i < n; i++) {
      next[i] = i + 1 < n ? i + 1 : -1;
      prev[i] = i - 1;
    }
    const heap = new Heap<number>((x, y) => x < y);
    for (let i = 0; i + 1 < n; i++) {
      const r = this.rank(syms[i], syms[i + 1]);
      if (r !== NO_RANK) heap.push(r * POS + i);
    }
    const pending: number[] = [];
    const offer = (left: number): void => {
      const right = left < 0 ? -1 : next[left];
      if (right < 0) return;
      const r = this.rank(syms[left], syms[right]);
      if (r !== NO_RANK) pending.push(r * POS + left);
    };
    while (heap.size > 0) {
      const rank = Math.floor(heap.peek() / POS);
      while (heap.size > 0 && Math.floor(heap.peek() / POS) === rank) {
        const left = heap.pop() % POS;
        const right = next[left];
        if (!alive[left] || right < 0 || this.rank(syms[left], syms[right]) !== rank) continue;
        syms[left] += syms[right];
        alive[right] = 0;
        next[left] = next[right];
        if (next[right] >= 0) prev[next[right]] = left;
        offer(prev[left]);
        offer(left);
      }
      for (const e of pending) heap.push(e);
      pending.length = 0;
    }
    const out: string[] = [];
    for (let i = 0; i >= 0; i = next[i]) out.push(syms[i]);
    return out;
  }
}
