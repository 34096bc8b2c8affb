/**
 * Windows-1252, the encoding stray non-UTF-8 bytes in English text corpora usually come from
 * (GloVe's files hold a few: dashes and quotes). It differs from Latin-1 only in 0x80–0x9F,
 * spelled out here because Node's TextDecoder('windows-1252') decodes that range as Latin-1;
 * the five bytes it leaves undefined (0x81 0x8D 0x8F 0x90 0x9D) keep their Latin-1 reading.
 */
const C1 = '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f'
  + '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

/** The character of one Windows-1252 byte. */
export function cp1252Char(byte: number): string {
  return byte >= 0x80 && byte <= 0x9f ? C1[byte - 0x80] : String.fromCharCode(byte);
}

export function decodeCp1252(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += cp1252Char(b);
  return s;
}
