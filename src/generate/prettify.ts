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

/** One token as prettify sees it (null: not text — [SOS], [PAD], empty). */
function cleanToken(t: string): { text: string; glued: boolean } | null {
  if (t === '[SOS]' || t === '[PAD]' || t === '') return null;
  if (t === '[UNK]') return { text: '<unk>', glued: false };
  if (t in WIKITEXT_GLUE) return { text: WIKITEXT_GLUE[t], glued: true };
  return { text: t, glued: false };
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
  const p = new Prettifier(opts);
  let out = '';
  for (const t of tokens) out += p.push(t);
  return out + p.end();
}

/**
 * prettify one token at a time, for streaming: `push` returns the text that became final
 * (what prettify of everything pushed so far and of any continuation starts with), `end` the
 * rest, so the concatenation of all the pieces is exactly prettify(all tokens). A token's
 * spacing depends on the two tokens after it, so the text runs up to three tokens behind;
 * capitalisation and quote pairing only look back. `[EOS]` ends the text.
 */
export class Prettifier {
  private readonly capitalize: boolean;
  private readonly toks: { text: string; glued: boolean }[] = [];
  /** Items decided so far (one per token of toks[0..items.length)). */
  private readonly items: Item[] = [];
  private readonly quotes: string[] = [];
  private sentenceStart = true;
  private ended = false;

  constructor(opts: PrettifyOptions = {}) {
    this.capitalize = opts.capitalize ?? true;
  }

  push(token: string): string {
    if (this.ended) return '';
    if (token === '[EOS]') return this.end();
    const t = cleanToken(token);
    if (!t) return '';
    this.toks.push(t);
    let out = '';
    while (this.items.length + 2 < this.toks.length) out += this.decide();
    return out;
  }

  end(): string {
    let out = '';
    while (this.items.length < this.toks.length) out += this.decide();
    this.ended = true;
    return out;
  }

  /** Decides the next item (its glue, capitalisation) and returns its text with the space before it. */
  private decide(): string {
    const toks = this.toks;
    const i = this.items.length;
    const text = (j: number): string => (j >= 0 && j < toks.length ? toks[j].text : '');
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
      const g = punctuationGlue(t, this.quotes);
      glueLeft = g.left;
      glueRight = g.right;
    }
    const item: Item = { text: t, glueLeft, glueRight };
    this.items.push(item);
    if (this.capitalize) this.capitalizeItem(i);
    const before = this.items[i - 1];
    return (before && !before.glueRight && !item.glueLeft ? ' ' : '') + item.text;
  }

  /**
   * The first word and every word after . ! ? … is capitalised, except after an abbreviation
   * or a single letter, or when , ; — – follows the mark; a quote opened after `,` or `:`
   * starts a sentence; English `i` becomes `I`.
   */
  private capitalizeItem(i: number): void {
    const items = this.items;
    const t = items[i].text;
    if (HAS_ALNUM.test(t)) {
      if (this.sentenceStart && !looksLikeAddress(t)) items[i].text = capitalizeFirst(t);
      else if (/^i(?:['’](?:m|ve|ll|d))?$/u.test(t)) items[i].text = capitalizeFirst(t);
      this.sentenceStart = false;
      return;
    }
    // Joined pieces (`1 . 5`, `e . g .`) and glued hyphens never end a sentence.
    if (items[i].glueLeft && items[i].glueRight) return;
    if (CONTINUERS.has(t)) {
      // «Стой!» — крикнул он / "Stop!", he said: the sentence goes on after the quote.
      this.sentenceStart = false;
    } else if (items[i].glueRight && QUOTE_CHARS.has(lastChar(t)) && (i === 0 || INTRODUCERS.has(items[i - 1].text))) {
      // Quoted speech after `said,` or `сказал:` starts its own sentence.
      this.sentenceStart = true;
    } else if (SENTENCE_END.test(t)) {
      const before = i > 0 ? items[i - 1].text.toLowerCase() : '';
      const abbreviation = t === '.' && (ABBREVIATIONS.has(before) || SINGLE_LETTER.test(before));
      if (!abbreviation) this.sentenceStart = true;
    }
  }
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

/** Prettifies text whose tokens are separated by whitespace, e.g. a word model's raw output. */
export function prettifyText(text: string, opts: PrettifyOptions = {}): string {
  return prettify(text.split(/\s+/u).filter((t) => t !== ''), opts);
}
