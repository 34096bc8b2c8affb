import { RnnlabError } from '../errors.js';

export const PAD = '[PAD]';
export const SOS = '[SOS]';
export const EOS = '[EOS]';
export const UNK = '[UNK]';
export const SPECIALS: readonly string[] = Object.freeze([PAD, SOS, EOS, UNK]);

/** At most this many distinct unknown tokens are quoted in an error message. */
const MAX_REPORTED = 10;

export interface VocabBuildOptions {
  /** Tokens given the first ids, in this order (usually SPECIALS). */
  specials: readonly string[];
  /** Tokens seen fewer times than this are left out. Default 1. */
  minFreq?: number;
  /** Maximum size, specials included. */
  maxVocab?: number;
}

/**
 * Token ↔ id mapping. Ids are positions in `tokens`, which is saved with a model, so the same
 * list always gives the same ids; `build` is deterministic for the same counts.
 */
export class Vocab {
  readonly tokens: readonly string[];
  private readonly ids: Map<string, number>;

  constructor(tokens: readonly string[]) {
    const ids = new Map<string, number>();
    tokens.forEach((t, i) => {
      if (typeof t !== 'string') throw new RnnlabError(`vocabulary entry ${i} is not a string`);
      if (ids.has(t)) throw new RnnlabError(`vocabulary has the token ${JSON.stringify(t)} twice (ids ${ids.get(t)} and ${i})`);
      ids.set(t, i);
    });
    this.tokens = Object.freeze([...tokens]);
    this.ids = ids;
  }

  /**
   * Specials first (in the given order), then tokens by descending count, ties by code-point
   * order of the token; `minFreq` and `maxVocab` (which counts the specials) cut the tail.
   */
  static build(counts: Map<string, number>, opts: VocabBuildOptions): Vocab {
    const minFreq = opts.minFreq ?? 1;
    if (!Number.isFinite(minFreq)) throw new RnnlabError(`--min-freq must be a number, got ${opts.minFreq}`);
    const kept: [string, number][] = [];
    for (const [token, count] of counts) {
      if (count >= minFreq && count > 0) kept.push([token, count]);
    }
    kept.sort((a, b) => b[1] - a[1] || compareCodePoints(a[0], b[0]));
    return Vocab.fromOrdered(kept.map(([t]) => t), opts);
  }

  /**
   * Specials first (in the given order), then `tokens` in their own order, each once (the
   * first occurrence counts; a special met in `tokens` keeps its place among the specials);
   * `maxVocab` (which counts the specials) cuts the tail. For lists that are already
   * ranked, such as an embedding file's words (most frequent first), or data then file.
   */
  static fromOrdered(tokens: Iterable<string>, opts: Pick<VocabBuildOptions, 'specials' | 'maxVocab'>): Vocab {
    const specials = [...opts.specials];
    if (new Set(specials).size !== specials.length) throw new RnnlabError(`special tokens must be distinct, got ${specials.join(' ')}`);
    const maxVocab = opts.maxVocab ?? Infinity;
    if (!(maxVocab >= specials.length) || (maxVocab !== Infinity && !Number.isInteger(maxVocab))) {
      throw new RnnlabError(`--max-vocab must be an integer of at least ${specials.length} (the number of special tokens), got ${opts.maxVocab}`);
    }
    const seen = new Set(specials);
    const out = specials;
    for (const t of tokens) {
      if (out.length >= maxVocab) break;
      if (seen.has(t)) continue;
      seen.add(t);
      out.push(t);
    }
    return new Vocab(out);
  }

  /** Checks a deserialised token list (from a model file) before trusting it. */
  static fromJSON(tokens: unknown): Vocab {
    if (!Array.isArray(tokens)) throw new RnnlabError('vocabulary must be a JSON array of token strings');
    return new Vocab(tokens as string[]);
  }

  toJSON(): string[] {
    return [...this.tokens];
  }

  get size(): number {
    return this.tokens.length;
  }

  /** The id of a token, or -1. */
  id(token: string): number {
    return this.ids.get(token) ?? -1;
  }

  has(token: string): boolean {
    return this.ids.has(token);
  }

  get pad(): number {
    return this.id(PAD);
  }

  get sos(): number {
    return this.id(SOS);
  }

  get eos(): number {
    return this.id(EOS);
  }

  get unk(): number {
    return this.id(UNK);
  }

  /**
   * Ids for tokens. Unknown tokens map to [UNK] ('unk') or raise an error naming them
   * ('error'); 'unk' with a vocabulary that has no [UNK] raises too, but only when an
   * unknown token actually occurs. `oov` counts the unknown tokens.
   */
  encode(tokens: readonly string[], onUnknown: 'unk' | 'error'): { ids: Int32Array; oov: number } {
    const ids = new Int32Array(tokens.length);
    const unk = this.unk;
    let oov = 0;
    let unknown: Set<string> | null = null;
    for (let i = 0; i < tokens.length; i++) {
      const id = this.ids.get(tokens[i]);
      if (id !== undefined) {
        ids[i] = id;
        continue;
      }
      oov++;
      ids[i] = unk;
      if (onUnknown === 'error' || unk === -1) (unknown ??= new Set()).add(tokens[i]);
    }
    if (unknown) {
      if (onUnknown === 'error') throw new RnnlabError(`tokens not in the vocabulary: ${quoteSome(unknown)}`);
      throw new RnnlabError(`cannot map unknown tokens to ${UNK}: the vocabulary has no ${UNK} token (unknown: ${quoteSome(unknown)})`);
    }
    return { ids, oov };
  }

  decode(ids: ArrayLike<number>): string[] {
    const out = new Array<string>(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const t = this.tokens[ids[i]];
      if (t === undefined) throw new RnnlabError(`token id ${ids[i]} is outside the vocabulary (size ${this.size})`);
      out[i] = t;
    }
    return out;
  }
}

/** Adds each token to the running counts (building a vocabulary over many documents). */
export function countTokens(counts: Map<string, number>, tokens: Iterable<string>): Map<string, number> {
  for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
  return counts;
}

/** Code-point order; plain `<` compares UTF-16 units, which misorders astral characters against U+E000–U+FFFF. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    return fixup(x) - fixup(y);
  }
  return a.length - b.length;
}

/** Lifts surrogates above U+E000–U+FFFF so unit comparison matches code-point comparison. */
function fixup(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

function quoteSome(tokens: Set<string>): string {
  const shown = [...tokens].slice(0, MAX_REPORTED).map((t) => JSON.stringify(t));
  const more = tokens.size - shown.length;
  return shown.join(', ') + (more > 0 ? ` and ${more} more` : '');
}
