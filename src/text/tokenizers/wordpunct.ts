import type { Tokenizer, TokenizerSettings } from './tokenizer.js';
import { normalizeText } from './char.js';

/*
 * NLTK's WordPunctTokenizer, `\w+|[^\w\s]+`, made Unicode-aware: \w is letters, digits,
 * combining marks and `_` (close to Python 3's str \w, which omits the marks; including them
 * keeps decomposed accents and Devanagari vowel signs inside their word).
 */
const WORDPUNCT = /[\p{L}\p{N}\p{M}_]+|[^\p{L}\p{N}\p{M}_\s]+/gu;

export function splitWordPunct(text: string): string[] {
  return text.match(WORDPUNCT) ?? [];
}

export class WordPunctTokenizer implements Tokenizer {
  readonly kind = 'wordpunct' as const;
  readonly roundTrips = false;
  readonly settings: TokenizerSettings;

  constructor(lowercase: boolean) {
    this.settings = { kind: 'wordpunct', lowercase };
  }

  tokenize(text: string): string[] {
    return splitWordPunct(normalizeText(text, this.settings.lowercase));
  }

  detokenize(tokens: string[]): string {
    return tokens.join(' ');
  }
}
