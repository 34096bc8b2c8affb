import type { Tokenizer, TokenizerSettings } from './tokenizer.js';

/**
 * The text every tokenizer actually sees: NFC, then lower-cased if asked. Lower-casing can
 * leave a base letter and a combining mark that now compose (and `İ` lower-cases to `i` + U+0307),
 * so the result is normalised once more; that makes the function idempotent.
 */
export function normalizeText(text: string, lowercase: boolean): string {
  const nfc = text.normalize('NFC');
  return lowercase ? nfc.toLowerCase().normalize('NFC') : nfc;
}

/**
 * One token per code point, never per UTF-16 unit: an astral emoji is one token, and a ZWJ
 * emoji sequence (👩‍💻 = 👩 ZWJ 💻) is three, which concatenation puts back together.
 */
export class CharTokenizer implements Tokenizer {
  readonly kind = 'char' as const;
  readonly roundTrips = true;
  readonly settings: TokenizerSettings;

  constructor(lowercase: boolean) {
    this.settings = { kind: 'char', lowercase };
  }

  tokenize(text: string): string[] {
    return Array.from(normalizeText(text, this.settings.lowercase));
  }

  detokenize(tokens: string[]): string {
    return tokens.join('');
  }
}
