/** RFC 4180 CSV: fields quoted when they hold a comma, quote or line break; lines end in CRLF. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The whole text of a CSV file from rows of fields (already strings), with the final CRLF. */
export function csvText(rows: readonly (readonly string[])[]): string {
  return rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}
