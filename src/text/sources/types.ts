/** One document read from a source: its text and, for labelled data, its class label. */
export interface Doc {
  text: string;
  label?: string;
}

export type SourceFormat = 'auto' | 'text' | 'json' | 'jsonl' | 'csv';

/**
 * How to read a file. Every field is optional; defaults are chosen so that the course
 * datasets read with at most one option (`textField: 'summary'` for arXiv,
 * `textColumn: '1,2', labelColumn: 0, header: false` for the header-less AG News test CSV).
 */
export interface SourceOptions {
  /** 'auto' (default) picks by extension after stripping `.gz`: .json, .jsonl/.ndjson, .csv/.tsv, else text. */
  format?: SourceFormat;
  /** JSON / JSON Lines: the record field holding the text. Default: "text". */
  textField?: string;
  /** JSON / JSON Lines: optional record field holding the label (string, number or boolean). */
  labelField?: string;
  /**
   * CSV: the text column, by header name or 0-based index. A comma-separated list
   * ("title,description" or "1,2") joins those columns with one space.
   * Default: the column named "text" (any case), or the only column.
   */
  textColumn?: string | number;
  /** CSV: the label column, by header name or 0-based index. Default: the column named "label", if any. */
  labelColumn?: string | number;
  /**
   * CSV: whether the first row is a header. Default true: a header cannot be told from
   * data reliably, so files without one (AG News test.csv) must say `header: false`.
   */
  header?: boolean;
  /** CSV: field delimiter, one character. Default "," ("\t" for .tsv files). */
  delimiter?: string;
  /**
   * How the bytes are text: 'utf8' (default; a BOM is dropped), 'latin1' (ISO-8859-1, with
   * 0x80–0x9F read as Windows-1252) or 'utf16le' (a BOM is dropped).
   */
  encoding?: 'utf8' | 'latin1' | 'utf16le';
  /** Plain text: 'file' (default) makes the whole file one document; 'line' makes each non-blank line one. */
  unit?: 'file' | 'line';
}

/** Filled in while documents are read; `characters` counts code points of the (NFC) text. */
export interface SourceStats {
  documents: number;
  characters: number;
}
