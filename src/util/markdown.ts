/** GitHub-flavoured Markdown tables (pure, browser-safe). */

/** A table cell: pipes and backslashes escaped, line breaks shown as ↵ (a row is one line). */
export function markdownCell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n|\r/g, ' ↵ ');
}

/** A table from cells already formatted (escape text with markdownCell); `right[i]`: column i is numbers, right-aligned. */
export function markdownTable(head: readonly string[], rows: readonly (readonly string[])[], right: readonly boolean[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), `|${head.map((_, i) => (right[i] ? ' ---: ' : ' --- ')).join('|')}|`, ...rows.map(line)].join('\n') + '\n';
}
