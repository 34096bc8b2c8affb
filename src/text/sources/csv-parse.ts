import { RnnlabError } from '../../errors.js';

const QUOTE = 0x22;
const NEWLINE = 0x0a;

/** One CSV record and the (1-based) line it starts on. */
export interface CsvRecord {
  fields: string[];
  line: number;
  /** The line it ends on: later than `line` when a quoted field holds a line break. */
  endLine: number;
  /** The line where the first quoted field holding a line break opens (0: none). */
  multilineQuote: number;
}

/**
 * RFC 4180 records from "\n"-only text chunks (readTextChunks has already turned CRLF into
 * "\n", inside quoted fields too). Quoted fields may hold delimiters, newlines and doubled
 * quotes. A quote inside an unquoted field is kept literally, as Python's csv module does;
 * anything but a delimiter or newline after a closing quote is an error. Blank lines are
 * skipped. Only the current record is held in memory.
 */
export async function* parseCsv(chunks: AsyncIterable<string>, path: string, delimiter: string): AsyncGenerator<CsvRecord> {
  const delim = delimiter.charCodeAt(0);
  let line = 1;
  let recordLine = 1;
  let recordStarted = false;
  let fields: string[] = [];
  let field = '';
  let fieldHasText = false; // distinguishes the start of a field from an empty prefix
  let inQuotes = false;
  let quoteClosed = false;
  let quoteLine = 0;
  let multilineQuote = 0;

  for await (const chunk of chunks) {
    let seg = 0; // start of the part of `chunk` not yet appended to `field`
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (inQuotes) {
        if (c === QUOTE) {
          field += chunk.slice(seg, i);
          seg = i + 1;
          inQuotes = false;
          quoteClosed = true;
        } else if (c === NEWLINE) {
          if (multilineQuote === 0) multilineQuote = quoteLine;
          line++;
        }
        continue;
      }
      if (quoteClosed) {
        quoteClosed = false;
        if (c === QUOTE) {
          // A doubled quote: keep this one as text and go back inside the quotes.
          seg = i;
          inQuotes = true;
          continue;
        }
        if (c !== delim && c !== NEWLINE) {
          const ch = JSON.stringify(String.fromCodePoint(chunk.codePointAt(i)!));
          // a quote that opened lines earlier is where the mistake is (an unbalanced quote)
          if (quoteLine !== line) {
            throw new RnnlabError(`${path} line ${quoteLine}: the quoted field ${fields.length + 1} that opens here runs on to line ${line}, where ${ch} follows its closing quote: an unbalanced quote? (a quote inside a quoted field must be doubled: "")`);
          }
          throw new RnnlabError(`${path} line ${line}: unexpected ${ch} after the closing quote of field ${fields.length + 1} (a quote inside a quoted field must be doubled: "")`);
        }
      }
      if (c === NEWLINE) {
        if (recordStarted) {
          fields.push(field + chunk.slice(seg, i));
          yield { fields, line: recordLine, endLine: line, multilineQuote };
        }
        multilineQuote = 0;
        fields = [];
        field = '';
        fieldHasText = false;
        recordStarted = false;
        seg = i + 1;
        line++;
        continue;
      }
      if (!recordStarted) {
        recordStarted = true;
        recordLine = line;
      }
      if (c === delim) {
        fields.push(field + chunk.slice(seg, i));
        field = '';
        fieldHasText = false;
        seg = i + 1;
      } else if (c === QUOTE && !fieldHasText) {
        inQuotes = true;
        quoteLine = line;
        fieldHasText = true;
        seg = i + 1;
      } else {
        fieldHasText = true;
      }
    }
    field += chunk.slice(seg);
  }
  if (inQuotes) throw new RnnlabError(`${path} line ${quoteLine}: the quoted field ${fields.length + 1} that opens here is never closed (the file ends inside it): an unbalanced quote?`);
  if (recordStarted) {
    fields.push(field);
    yield { fields, line: recordLine, endLine: line, multilineQuote };
  }
}
