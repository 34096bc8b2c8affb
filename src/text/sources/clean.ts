/**
 * The escapes of news corpora like AG News, undone (the classifier reader applies this unless
 * --no-clean). The files write an original line break as a backslash — "dwindling\band of" is
 * "dwindling", a break, "band of" — never as backslash-n (a literal `\n` occurs only where the
 * next line starts with n: "other\name"), and HTML character references lost their `&`:
 *   - a run of backslashes followed by `$`  → `$`  (an escaped dollar sign)
 *   - any other run of backslashes          → one space (a line break)
 *   - `#39;` / `&#39;`                       → the character (HTML rules: 128–159 are read as
 *     Windows-1252, so `#151;` is an em dash; 0, surrogates and values past U+10FFFF give U+FFFD)
 *   - `&quot;` and the other common named references, or the name alone (`quot;`) when no ASCII
 *     letter, digit or `_` comes right before it ("camp;" stays)
 * Backslashes first, then references, one left-to-right pass each, so nothing is decoded twice.
 * scripts/agnews_torch.py cleans the same way, so rnnlab and PyTorch see the same text.
 */
import { cp1252Char } from '../../util/cp1252.js';

const BACKSLASHES = /\\+(\$)?/g;
const NAMED: Record<string, string> = {
  quot: '"', amp: '&', lt: '<', gt: '>', apos: "'", nbsp: '\u00a0', hellip: '\u2026',
  lsquo: '\u2018', rsquo: '\u2019', ldquo: '\u201c', rdquo: '\u201d', ndash: '\u2013', mdash: '\u2014',
};
const REFERENCE = new RegExp(`&?#(\\d+);|(?:&|(?<![A-Za-z0-9_]))(${Object.keys(NAMED).join('|')});`, 'g');
function numericReference(digits: string): string {
  const n = Number(digits);
  if (n >= 128 && n <= 159) return cp1252Char(n);
  if (n === 0 || n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff)) return '\ufffd';
  return String.fromCodePoint(n);
}

export function cleanNewsEscapes(text: string): string {
  return text
    .replace(BACKSLASHES, (_m, dollar: string | undefined) => (dollar ? '$' : ' '))
    .replace(REFERENCE, (_m, num: string | undefined, name: string | undefined) => (num !== undefined ? numericReference(num) : NAMED[name!]));
}
