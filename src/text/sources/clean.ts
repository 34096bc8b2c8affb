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
const BACKSLASHES = /\\+(\$)?/g;
const NAMED: Record<string, string> = {
  quot: '"', amp: '&', lt: '<', gt: '>', apos: "'", nbsp: '\u00a0', hellip: '\u2026',
  lsquo: '\u2018', rsquo: '\u2019', ldquo: '\u201c', rdquo: '\u201d', ndash: '\u2013', mdash: '\u2014',
};
const REFERENCE = new RegExp(`&?#(\\d+);|(?:&|(?<![A-Za-z0-9_]))(${Object.keys(NAMED).join('|')});`, 'g');
/**
 * Windows-1252 for 0x80–0x9F (the bytes where it differs from Latin-1), as the HTML standard
 * reads a numeric reference in that range; undefined bytes (0x81 0x8D 0x8F 0x90 0x9D) stay.
 * Written out because Node's TextDecoder('windows-1252') decodes this range as Latin-1.
 */
const CP1252_80_9F = '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f'
  + '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

function numericReference(digits: string): string {
  const n = Number(digits);
  if (n >= 128 && n <= 159) return CP1252_80_9F[n - 128];
  if (n === 0 || n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff)) return '\ufffd';
  return String.fromCodePoint(n);
}

export function cleanNewsEscapes(text: string): string {
  return text
    .replace(BACKSLASHES, (_m, dollar: string | undefined) => (dollar ? '$' : ' '))
    .replace(REFERENCE, (_m, num: string | undefined, name: string | undefined) => (num !== undefined ? numericReference(num) : NAMED[name!]));
}
