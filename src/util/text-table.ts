/** Aligned plain-text tables for the terminal, measured in code points (an emoji or accented letter is one column). */

export function len(s: string): number {
  return [...s].length;
}

export function padLeft(s: string, w: number): string {
  return ' '.repeat(Math.max(0, w - len(s))) + s;
}

export function padRight(s: string, w: number): string {
  return s + ' '.repeat(Math.max(0, w - len(s)));
}

/** Columns two spaces apart, each as wide as its widest cell; `right[c]` right-aligns column c (numbers). */
export function textTable(rows: readonly (readonly string[])[], right: readonly boolean[]): string {
  const widths = right.map((_, c) => Math.max(0, ...rows.map((r) => len(r[c] ?? ''))));
  return rows.map((r) => r.map((cell, c) => (right[c] ? padLeft(cell, widths[c]) : padRight(cell, widths[c]))).join('  ').trimEnd()).join('\n') + '\n';
}
