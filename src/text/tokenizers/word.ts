import type { Tokenizer, TokenizerSettings } from './tokenizer.js';
import { normalizeText } from './char.js';

/*
 * Rule-based word tokenizer in the spirit of natasha/razdel, with these decisions (razdel's own
 * behaviour noted where it differs):
 *  - A word is a run of letters, digits and combining marks: `mp3`, `GPT4o`, `1.5x` stay whole
 *    (razdel splits letters from digits).
 *  - Inside a word: an apostrophe between a letter/digit and a letter (`don't`, `O'Neil`,
 *    `1990's`; razdel splits these), and `.`, `,` or `/` between two digits (`1.0`, `3,14`,
 *    `1/2`, `v1.2.3`).
 *  - Words joined by a single hyphen (`-`, U+2010, U+2011) or underscore form one token:
 *    `state-of-the-art`, `k-means`, `что-то`, `20.5-hour`, `2019-2020`, `snake_case` (as razdel).
 *    En/em dashes and the minus sign are always tokens of their own.
 *  - URLs (`scheme://…`, `www.…`) and e-mail addresses are one token; trailing sentence
 *    punctuation and unbalanced closing brackets are left out of a URL.
 *  - Emoji: one token per emoji sequence (modifiers, VS16, ZWJ chains, flags, keycaps), so
 *    👩‍💻 is one word. (The char tokenizer, by contrast, splits it into code points.)
 *  - Han, Hiragana and Katakana: one token per code point, because those scripts don't mark
 *    word boundaries with spaces (razdel would glue a whole run into one token).
 *  - Punctuation: one token per mark, except runs of `. ? ! …` (`...`, `?!`) and runs of two
 *    or more `-` or `*`, which stay one token. Quotes and brackets are always separate.
 *  - Abbreviations are not special: `млн.` is `млн` + `.`.
 */

const CJK = String.raw`\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}`;
// Soft hyphen, ZWNJ and ZWJ are invisible and occur inside words (ZWNJ in Persian, for one).
const ALNUM = String.raw`(?:(?![${CJK}])[\p{L}\p{N}\p{M}\u00AD\u200C\u200D])`;
const PIECE =
  `${ALNUM}+(?:(?:(?<=[\\p{L}\\p{N}])['\u2019](?=\\p{L})|(?<=\\p{N})[.,/](?=\\p{N}))${ALNUM}+)*`;
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
  `(?<url>${URL})|${EMAIL}|${EMOJI}|[${CJK}]|${WORD}|${PUNCT_RUN}|\\S`,
  'gu',
);

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
