/*
 * Turns word-level tokens (from the word or wordpunct tokenizer) back into readable text.
 * The tokens carry no record of the original spacing, so these are heuristics:
 *  - no space before , . ; : ! ? … ) ] } % or a closing quote; none after ( [ { or an opening
 *    quote. " and ' alternate open/close; « » „ “ ” ‘ ’ are paired, „…“ and ‚…‘ included.
 *  - a lone hyphen between two alphanumeric tokens joins them (`state - of - the - art` →
 *    `state-of-the-art`; the price is that `of - 5` also becomes `of-5`); en/em dashes and
 *    `--` keep their spaces.
 *  - an apostrophe between a word and s/t/re/ve/ll/d/m joins (`don ' t` → `don't`); PTB-style
 *    `'s` and `n't` attach to the previous word; WikiText's `@-@`, `@,@`, `@.@` become `-`, `,`, `.`.
 *  - `.` between digits (`1 . 5`), `,` before exactly three digits (`1 , 000`) and `:` before two
 *    digits (`10 : 30`) join; `e . g .` → `e.g.`.
 *  - with capitalize (the default) the first word and every word after . ! ? … is capitalised,
 *    except after an abbreviation (`млн.`, `Dr.`) or a single letter, or when , ; — – follows
 *    the mark (`"Stop!", he said`); a quote opened after `,` or `:` starts a sentence
 *    (`said: «Это`); English `i` becomes `I`.
 *  - `[SOS]` and `[PAD]` are dropped, `[EOS]` ends the text, `[UNK]` is shown as `<unk>`.
 */

export interface PrettifyOptions {
  capitalize?: boolean;
}

interface Item {
  text: string;
  glueLeft: boolean;
  glueRight: boolean;
}

const CLOSING_CHARS = new Set([...',.;:!?…)]}%']);
const OPENING_CHARS = new Set([...'([{']);
const SENTENCE_END = /[.!?…]/u;
const HYPHENS = new Set(['-', '\u2010', '\u2011']);
const APOSTROPHES = new Set(["'", '\u2019']);
const CONTRACTION_TAILS = new Set(['s', 't', 're', 've', 'll', 'd', 'm']);
const PTB_CONTRACTION = /^(?:['’](?:s|re|ve|ll|d|m)|n['’]t)$/iu;
const WIKITEXT_GLUE: Record<string, string> = { '@-@': '-', '@,@': ',', '@.@': '.' };
const CURRENCY = new Set(['$', '£']);
// Words after whose period a sentence usually goes on.
const ABBREVIATIONS = new Set([
  'mr', 'mrs', 'ms', 'dr', 'prof', 'st', 'vs', 'cf', 'fig', 'eq', 'al', 'no', 'vol', 'pp', 'approx',
  'т', 'е', 'д', 'п', 'г', 'гг', 'вв', 'млн', 'млрд', 'тыс', 'руб', 'коп', 'см', 'др', 'пр', 'им', 'ул', 'проф',
]);
const ALNUM_START = /^[\p{L}\p{N}]/u;
const ALNUM_END = /[\p{L}\p{N}]$/u;
const HAS_ALNUM = /[\p{L}\p{N}]/u;
const DIGITS = /^\p{N}+$/u;
const SINGLE_LETTER = /^\p{L}$/u;
// Opener expected by each closing quote; “ and ‘ close German-style „ and ‚ but open otherwise.
const QUOTE_CLOSES: Record<string, string> = { '»': '«', '”': '“', '’': '‘', '“': '„', '‘': '‚' };
const QUOTE_OPENERS = new Set(['«', '„', '“', '‚', '‘']);
const GENERIC_QUOTES = new Set(['"', "'"]);

function cleanTokens(tokens: readonly string[]): { text: string; glued: boolean }[] {
  const out: { text: string; glued: boolean }[] = [];
  for (const t of tokens) {
    if (t === '[EOS]') break;
    if (t === '[SOS]' || t === '[PAD]' || t === '') continue;
    if (t === '[UNK]') out.push({ text: '<unk>', glued: false });
    else if (t in WIKITEXT_GLUE) out.push({ text: WIKITEXT_GLUE[t], glued: true });
    else out.push({ text: t, glued: false });
  }
  return out;
}

/** Decides, for a token made only of punctuation, which sides attach; updates quote state. */
function punctuationGlue(text: string, quotes: string[]): { left: boolean; right: boolean } {
  const chars = Array.from(text);
  let left = false;
  let right = false;
  chars.forEach((ch, k) => {
    let role: 'open' | 'close' | 'other';
    if (GENERIC_QUOTES.has(ch)) {
      const afterCloser = k > 0 && CLOSING_CHARS.has(chars[k - 1]);
      const open = quotes.lastIndexOf(ch);
      if (open >= 0 || afterCloser) {
        if (open >= 0) quotes.length = open;
        role = 'close';
      } else {
        quotes.push(ch);
        role = 'open';
      }
    } else if (ch in QUOTE_CLOSES && (quotes[quotes.length - 1] === QUOTE_CLOSES[ch] || !QUOTE_OPENERS.has(ch))) {
      const open = quotes.lastIndexOf(QUOTE_CLOSES[ch]);
      if (open >= 0) quotes.length = open;
      role = 'close';
    } else if (QUOTE_OPENERS.has(ch)) {
      quotes.push(ch);
      role = 'open';
    } else if (CLOSING_CHARS.has(ch)) {
      role = 'close';
    } else if (OPENING_CHARS.has(ch)) {
      role = 'open';
    } else {
      role = 'other';
    }
    if (k === 0) left = role === 'close';
    if (k === chars.length - 1) right = role === 'open';
  });
  return { left, right };
}

function capitalizeFirst(word: string): string {
  const first = String.fromCodePoint(word.codePointAt(0) as number);
  return first.toUpperCase() + word.slice(first.length);
}

function looksLikeAddress(word: string): boolean {
  return word.includes('://') || word.includes('@') || word.startsWith('www.');
}

export function prettify(tokens: string[], opts: PrettifyOptions = {}): string {
  const capitalize = opts.capitalize ?? true;
  const toks = cleanTokens(tokens);
  const items: Item[] = [];
  const quotes: string[] = [];
  const text = (j: number): string => (j >= 0 && j < toks.length ? toks[j].text : '');

  for (let i = 0; i < toks.length; i++) {
    const t = toks[i].text;
    const prev = text(i - 1);
    const next = text(i + 1);
    const joinsWords = ALNUM_END.test(prev) && ALNUM_START.test(next);
    let glueLeft = false;
    let glueRight = false;

    if (toks[i].glued) {
      glueLeft = glueRight = true;
    } else if (/^\s+$/u.test(t)) {
      glueLeft = glueRight = true;
    } else if (HYPHENS.has(t) && joinsWords) {
      glueLeft = glueRight = true;
    } else if (APOSTROPHES.has(t) && joinsWords && CONTRACTION_TAILS.has(next.toLowerCase())) {
      glueLeft = glueRight = true;
    } else if (PTB_CONTRACTION.test(t) && ALNUM_END.test(prev)) {
      glueLeft = true;
    } else if (DIGITS.test(prev) && DIGITS.test(next) && numberJoin(t, next)) {
      glueLeft = glueRight = true;
    } else if (t === '.' && SINGLE_LETTER.test(prev) && SINGLE_LETTER.test(next) && text(i + 2) === '.') {
      glueLeft = glueRight = true;
    } else if (CURRENCY.has(t) && /^\p{N}/u.test(next)) {
      glueRight = true;
    } else if (!HAS_ALNUM.test(t)) {
      const g = punctuationGlue(t, quotes);
      glueLeft = g.left;
      glueRight = g.right;
    }
    items.push({ text: t, glueLeft, glueRight });
  }

  if (capitalize) capitalizeSentences(items);

  let out = '';
  items.forEach((item, i) => {
    if (i > 0 && !items[i - 1].glueRight && !item.glueLeft) out += ' ';
    out += item.text;
  });
  return out;
}

function numberJoin(t: string, next: string): boolean {
  if (t === '.') return true;
  if (t === ',') return next.length === 3;
  if (t === ':') return next.length === 2;
  return false;
}

const CONTINUERS = new Set([',', ';', '—', '–']);
const INTRODUCERS = new Set([',', ':']);
const QUOTE_CHARS = new Set([...'"\'«»„“”‚‘’']);

function lastChar(s: string): string {
  const chars = Array.from(s);
  return chars[chars.length - 1] ?? '';
}

function capitalizeSentences(items: Item[]): void {
  let sentenceStart = true;
  for (let i = 0; i < items.length; i++) {
    const t = items[i].text;
    if (HAS_ALNUM.test(t)) {
      if (sentenceStart && !looksLikeAddress(t)) items[i].text = capitalizeFirst(t);
      else if (/^i(?:['’](?:m|ve|ll|d))?$/u.test(t)) items[i].text = capitalizeFirst(t);
      sentenceStart = false;
      continue;
    }
    // Joined pieces (`1 . 5`, `e . g .`) and glued hyphens never end a sentence.
    if (items[i].glueLeft && items[i].glueRight) continue;
    if (CONTINUERS.has(t)) {
      // «Стой!» — крикнул он / "Stop!", he said: the sentence goes on after the quote.
      sentenceStart = false;
    } else if (items[i].glueRight && QUOTE_CHARS.has(lastChar(t)) && (i === 0 || INTRODUCERS.has(items[i - 1].text))) {
      // Quoted speech after `said,` or `сказал:` starts its own sentence.
      sentenceStart = true;
    } else if (SENTENCE_END.test(t)) {
      const before = i > 0 ? items[i - 1].text.toLowerCase() : '';
      const abbreviation = t === '.' && (ABBREVIATIONS.has(before) || SINGLE_LETTER.test(before));
      if (!abbreviation) sentenceStart = true;
    }
  }
}

/** Prettifies text whose tokens are separated by whitespace, e.g. a word model's raw output. */
export function prettifyText(text: string, opts: PrettifyOptions = {}): string {
  return prettify(text.split(/\s+/u).filter((t) => t !== ''), opts);
}
