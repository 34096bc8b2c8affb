/**
 * The character classes rnnlab's tokenizers use, as code-point ranges for model.py. Python's
 * `re` has no \p{…}, and its Unicode database is older than Node's: tables computed here by the
 * same regular expressions the tokenizers use make model.py classify every character exactly as
 * this rnnlab does, whatever Python it runs on. `assigned` lets model.py refuse a character its
 * own Unicode database does not know (NFC and lower-casing could then differ).
 */

/** [first, last] code-point ranges, inclusive. */
export type Ranges = [number, number][];

const CLASSES: Record<string, RegExp> = {
  L: /^\p{L}$/u,
  N: /^\p{N}$/u,
  M: /^\p{M}$/u,
  // the word tokenizer's CJK: Han, Hiragana, Katakana by script extension, less marks and U+00B7
  cjk: /^(?![\p{M}\u00B7])[\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}]$/u,
  ext_pict: /^\p{Extended_Pictographic}$/u,
  emoji_modifier: /^\p{Emoji_Modifier}$/u,
  regional_indicator: /^\p{Regional_Indicator}$/u,
  space: /^\s$/u,
  assigned: /^\P{Cn}$/u,
};

function ranges(re: RegExp): Ranges {
  const out: Ranges = [];
  let start = -1;
  for (let c = 0; c <= 0x110000; c++) {
    // lone surrogates are never text (files are decoded strictly), so they belong to no class
    const hit = c <= 0x10ffff && !(c >= 0xd800 && c <= 0xdfff) && re.test(String.fromCodePoint(c));
    if (hit && start < 0) start = c;
    else if (!hit && start >= 0) {
      out.push([start, c - 1]);
      start = -1;
    }
  }
  return out;
}

let cached: Record<string, Ranges> | null = null;

/** Every class model.py reads, with the Unicode version they come from. */
export function unicodeTables(): { unicode: string; classes: Record<string, Ranges> } {
  cached ??= Object.fromEntries(Object.entries(CLASSES).map(([k, re]) => [k, ranges(re)]));
  return { unicode: process.versions.unicode ?? 'unknown', classes: cached };
}
