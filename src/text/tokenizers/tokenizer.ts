import { RnnlabError } from '../../errors.js';
import { CharTokenizer } from './char.js';
import { WordTokenizer } from './word.js';
import { WordPunctTokenizer } from './wordpunct.js';
import { WhitespaceTokenizer } from './whitespace.js';
import { BpeTokenizer } from './bpe.js';

export { normalizeText } from './char.js';

export type TokenizerKind = 'char' | 'word' | 'wordpunct' | 'whitespace' | 'bpe';

export const TOKENIZER_KINDS: readonly TokenizerKind[] = ['char', 'word', 'wordpunct', 'whitespace', 'bpe'];

/** The token level a tokenizer kind belongs to (`--level`: word, wordpunct and whitespace are word level). */
export type Level = 'char' | 'word' | 'bpe';
export function levelOf(kind: string): Level {
  return kind === 'char' ? 'char' : kind === 'bpe' ? 'bpe' : 'word';
}

export interface TokenizerSettings {
  kind: TokenizerKind;
  lowercase: boolean;
  /** bpe only: merges in rank order. */
  merges?: [string, string][];
  /** bpe only, informational: the code points seen while learning, in code-point order. */
  alphabet?: string[];
  /** whitespace only: the corpus's unknown-word token, read as [UNK]. */
  unkToken?: string;
  /** whitespace only: every line break is an [EOS] token. */
  eosPerLine?: boolean;
  [k: string]: unknown;
}

export interface Tokenizer {
  readonly kind: TokenizerKind;
  /** Plain JSON: saved with a model and fed back to createTokenizer. */
  readonly settings: TokenizerSettings;
  /** NFC-normalises (and lower-cases if settings.lowercase) before splitting. */
  tokenize(text: string): string[];
  /** char: concatenation; word, wordpunct: single spaces (see prettify); bpe: exact inverse. */
  detokenize(tokens: string[]): string;
  /** True when detokenize(tokenize(s)) === normalizeText(s, lowercase) for every s. */
  readonly roundTrips: boolean;
}

/** Builds a tokenizer from settings, which may come from an untrusted checkpoint file. */
export function createTokenizer(settings: TokenizerSettings): Tokenizer {
  const s: unknown = settings;
  if (typeof s !== 'object' || s === null || Array.isArray(s)) {
    throw new RnnlabError(`tokenizer settings must be an object, got ${JSON.stringify(s)}`);
  }
  const { kind, lowercase } = s as Record<string, unknown>;
  if (typeof kind !== 'string' || !(TOKENIZER_KINDS as readonly string[]).includes(kind)) {
    throw new RnnlabError(
      `unknown tokenizer kind ${JSON.stringify(kind)}; expected one of ${TOKENIZER_KINDS.join(', ')}`,
    );
  }
  if (typeof lowercase !== 'boolean') {
    throw new RnnlabError(`tokenizer setting "lowercase" must be true or false, got ${JSON.stringify(lowercase)}`);
  }
  if (kind !== 'bpe') {
    for (const key of ['merges', 'alphabet']) {
      if (key in settings) throw new RnnlabError(`tokenizer setting "${key}" only applies to bpe, not ${kind}`);
    }
  }
  if (kind !== 'whitespace') {
    for (const key of ['unkToken', 'eosPerLine']) {
      if (key in settings) throw new RnnlabError(`tokenizer setting "${key}" only applies to whitespace, not ${kind}`);
    }
  }
  switch (kind as TokenizerKind) {
    case 'char':
      return new CharTokenizer(lowercase);
    case 'word':
      return new WordTokenizer(lowercase);
    case 'wordpunct':
      return new WordPunctTokenizer(lowercase);
    case 'whitespace':
      return new WhitespaceTokenizer(lowercase, settings.unkToken, settings.eosPerLine ?? false);
    case 'bpe': {
      const { alphabet } = settings;
      if (
        alphabet !== undefined &&
        (!Array.isArray(alphabet) ||
          !alphabet.every((ch) => typeof ch === 'string' && Array.from(ch).length === 1))
      ) {
        throw new RnnlabError('bpe tokenizer setting "alphabet" must be an array of single characters');
      }
      return new BpeTokenizer({ ...settings, kind: 'bpe', lowercase });
    }
  }
}
