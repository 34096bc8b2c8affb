import type { Tokenizer, TokenizerSettings } from './tokenizer.js';
import { normalizeText } from './char.js';

/*
 * Rule-based word tokenizer in the spirit of natasha/razdel. Where it deliberately differs from
 * razdel, the difference is marked "razdel:"; everything else follows razdel's own test cases.
 *  - A word is a run of letters, digits and combining marks: `mp3`, `GPT4o`, `1.5x` stay whole
 *    (razdel: letters and digits are different atoms, so `mp3` is `mp` + `3`). A combining mark
 *    always stays with its base: `x̅`, `мо̣локо` are one word each.
 *  - Inside a word: an apostrophe between a letter/digit and a letter (`don't`, `O'Neil`,
 *    `1990's`; razdel splits these), and `.`, `,` or `/` between two digits (`1.0`, `3,14`,
 *    `1/2`, `v1.2.3`).
 *  - Words joined by a single hyphen (`-`, U+2010, U+2011) or underscore form one token:
 *    `state-of-the-art`, `k-means`, `что-то`, `20.5-hour`, `2019-2020`, `snake_case` (as razdel).
 *    En/em dashes and the minus sign are always tokens of their own (razdel: any dash between
 *    two words joins them, so `1990–2000` is one token).
 *  - URLs (`scheme://…`, `www.…`) and e-mail addresses are one token; trailing sentence
 *    punctuation and unbalanced closing brackets are left out of a URL (razdel: split at every
 *    punctuation mark).
 *  - Emoji: one token per emoji sequence (modifiers, VS16, ZWJ chains, flags, keycaps), so
 *    👩‍💻 is one word. (The char tokenizer, by contrast, splits it into code points.)
 *  - Emoticons are punctuation like any other: `:)` is `:` + `)` (razdel keeps its list of
 *    smileys whole).
 *  - Han, Hiragana and Katakana: one token per code point (with its combining marks), because
 *    those scripts don't mark word boundaries with spaces (razdel would glue a whole run into
 *    one token). Only characters of those scripts count: U+00B7 and combining marks that the
 *    scripts merely share (U+0305, U+0323) are not CJK.
 *  - Punctuation: one token per mark, except runs of `. ? ! …` (`...`, `?!`) and runs of two
 *    or more `-` or `*`, which stay one token. Quotes and brackets are always separate.
 *  - Abbreviations are not special: `млн.` is `млн` + `.`.
 *  - Invisible format characters are never tokens: the zero-width space U+200B separates words
 *    like a space (Thai and Khmer text marks word boundaries with it); the word joiner U+2060,
 *    U+FEFF, the soft hyphen U+00AD and the direction marks and embeddings (U+200E, U+200F,
 *    U+061C, U+202A–U+202E, U+2066–U+2069) are dropped, so `co­operate` is `cooperate`.
 *    ZWNJ and ZWJ stay inside a word (ZWNJ spells Persian words, ZWJ joins emoji) and are
 *    dropped elsewhere. (razdel: each of these is a token of its own.)
 */

// Han, Hiragana and Katakana by script extension (which also covers the iteration marks and
// CJK punctuation), less the combining marks and U+00B7 that other scripts share with them.
const CJK = String.raw`(?![\p{M}\u00B7])[\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}]`;
// ZWNJ and ZWJ are invisible and occur inside words (ZWNJ in Persian, for one).
const ALNUM = String.raw`(?:(?!${CJK})[\p{L}\p{N}\p{M}\u200C\u200D])`;
// A word starts with a letter, digit or mark, never with ZWNJ/ZWJ.
const PIECE =
  `(?:(?!${CJK})[\\p{L}\\p{N}\\p{M}])${ALNUM}*(?:(?:(?<=[\\p{L}\\p{N}])['\u2019](?=\\p{L})|(?<=\\p{N})[.,/](?=\\p{N}))${ALNUM}+)*`;
const WORD = `${PIECE}(?:[-\u2010\u2011_](?=${ALNUM})${PIECE})*`;
const URL_CHAR = String.raw`[^\s<>"«»“”]`;
const URL = String.raw`(?:(?:https?|ftp)://|www\.)${URL_CHAR}+`;
const EMAIL = String.raw`[\p{L}\p{N}._%+\-]+@[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)+`;
const EMOJI_TAIL = String.raw`(?:[\p{Emoji_Modifier}\uFE0F\u20E3]|[\u{E0020}-\u{E007F}])*`;
const EMOJI =
  String.raw`\p{Regional_Indicator}{2}|[#*0-9]\uFE0F?\u20E3|` +
  String.raw`\p{Extended_Pictographic}${EMOJI_TAIL}(?:\u200D\p{Extended_Pictographic}${EMOJI_TAIL})*`;
const PUNCT_RUN = String.raw`[.?!…]+|-{2,}|\*{2,}`;

const TOKEN = new RegExp(
  `(?<url>${URL})|${EMAIL}|${EMOJI}|${CJK}\\p{M}*|${WORD}|${PUNCT_RUN}|[^\\s\u200C\u200D]`,
  'gu',
);

/** Format characters that are dropped, and the zero-width space, which separates like a space. */
const DROPPED = /[\u00AD\u061C\u200E\u200F\u202A-\u202E\u2060\u2066-\u2069\uFEFF]/gu;
const ZERO_WIDTH_SPACE = /\u200B/gu;
const INVISIBLE = /[\u00AD\u061C\u200B\u200E\u200F\u202A-\u202E\u2060\u2066-\u2069\uFEFF]/u;

const URL_TAIL = new Set(['.', ',', ';', ':', '!', '?', "'", '’', '…']);
const CLOSERS: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

/** How much of a greedy URL match to keep: no trailing punctuation, no unbalanced closer. */
function urlLength(url: string): number {
  let end = url.length;
  for (;;) {
    const last = url[end - 1];
    if (URL_TAIL.has(last)) {
      end--;
      continue;
    }
    const opener = CLOSERS[last];
    if (opener !== undefined) {
      const body = url.slice(0, end);
      if (count(body, opener) < count(body, last)) {
        end--;
        continue;
      }
    }
    return end;
  }
}

function count(s: string, ch: string): number {
  let n = 0;
  for (let i = s.indexOf(ch); i >= 0; i = s.indexOf(ch, i + 1)) n++;
  return n;
}

/** Tokenizes already-normalised text; exported for callers that normalise themselves. */
export function splitWords(text: string): string[] {
  // dropping a mark between a letter and its accent can let them compose: NFC again
  if (INVISIBLE.test(text)) text = text.replace(ZERO_WIDTH_SPACE, ' ').replace(DROPPED, '').normalize('NFC');
  const re = new RegExp(TOKEN);
  const out: string[] = [];
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    let token = m[0];
    if (m.groups?.url !== undefined) {
      token = token.slice(0, urlLength(token));
      re.lastIndex = m.index + token.length;
    }
    out.push(token);
  }
  return out;
}

export class WordTokenizer implements Tokenizer {
  readonly kind = 'word' as const;
  readonly roundTrips = false;
  readonly settings: TokenizerSettings;

  constructor(lowercase: boolean) {
    this.settings = { kind: 'word', lowercase };
  }

  tokenize(text: string): string[] {
    return splitWords(normalizeText(text, this.settings.lowercase));
  }

  detokenize(tokens: string[]): string {
    return tokens.join(' ');
  }
}
