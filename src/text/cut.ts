/**
 * Cutting a long text into pieces that tokenize, piece by piece, exactly as the whole text does,
 * so a large file never has to be one string or one array of tokens.
 *
 * A piece always ends on a non-space character followed by whitespace (the cut falls right
 * before the whitespace). Every tokenizer agrees there:
 *  - no token of char, word, wordpunct or whitespace crosses whitespace, and their look-arounds
 *    fail on whitespace just as they fail at the end of a string;
 *  - bpe's pieces never end with whitespace, and its whitespace runs only look forward;
 *  - whitespace with eosPerLine counts line breaks, which stay whole;
 *  - NFC never combines a whitespace character with what precedes or follows it (whitespace
 *    has combining class 0 and composes with nothing), so normalising the pieces one by one
 *    gives the normalised whole;
 *  - lower-casing reads context only for a final sigma, and whitespace ends that context on both
 *    sides. U+FEFF is the one exception (a "case-ignorable" format character that JavaScript
 *    counts as whitespace), so no cut is made before it.
 * A stretch without any such place (no whitespace at all) is kept whole, however long.
 */

/** JavaScript's `\s`: ASCII whitespace, the Unicode space separators, line/paragraph separators and U+FEFF. */
export function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

function cutsBefore(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return c !== 0xfeff && isSpace(c) && !isSpace(text.charCodeAt(i - 1));
}

/** The last index in (start, end) before which `text` may be cut, or -1. */
export function lastCut(text: string, end = text.length, start = 0): number {
  for (let i = Math.min(end, text.length) - 1; i > start; i--) if (cutsBefore(text, i)) return i;
  return -1;
}

/** The first index in [from, text.length) before which `text` may be cut (and > 0), or -1. */
export function firstCut(text: string, from: number): number {
  for (let i = Math.max(1, from); i < text.length; i++) if (cutsBefore(text, i)) return i;
  return -1;
}

/** One text as pieces of about `size` UTF-16 units (longer where no cut is near). */
export function* cutText(text: string, size: number): Generator<string> {
  let at = 0;
  while (text.length - at > size) {
    let p = lastCut(text, at + size, at);
    if (p === -1) p = firstCut(text, at + size);
    if (p === -1) break;
    yield text.slice(at, p);
    at = p;
  }
  if (at < text.length || text.length === 0) yield at === 0 ? text : text.slice(at);
}

/** Text chunks (of any size, cut anywhere between code points) re-cut into pieces of at least `size` units. */
export async function* cutChunks(chunks: AsyncIterable<string>, size: number): AsyncGenerator<string> {
  let carry = '';
  // No cut lies at an index up to `clean` of carry, so a long stretch without whitespace is scanned once.
  let clean = 0;
  for await (const chunk of chunks) {
    const text = carry + chunk;
    if (text.length < size) {
      carry = text;
      continue;
    }
    const p = lastCut(text, text.length, clean);
    if (p === -1) {
      carry = text;
      clean = text.length - 1;
      continue;
    }
    yield text.slice(0, p);
    carry = text.slice(p);
    clean = Math.max(0, carry.length - 1);
  }
  if (carry.length > 0) yield carry;
}
