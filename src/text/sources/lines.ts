import { RnnlabError } from '../../errors.js';
import { MAX_STRING_CHARS } from './data-file.js';

/** A line of text and its 1-based line number. */
export interface NumberedLine {
  text: string;
  line: number;
}

/**
 * Splits "\n"-only text chunks (as produced by readTextChunks) into lines, holding only the
 * current partial line in memory. A final line without a newline is still a line.
 */
export async function* splitLines(chunks: AsyncIterable<string>, path = 'the text'): AsyncGenerator<NumberedLine> {
  let partial = '';
  let line = 0;
  for await (const chunk of chunks) {
    let start = 0;
    let nl = chunk.indexOf('\n');
    while (nl !== -1) {
      const text = partial + chunk.slice(start, nl);
      partial = '';
      yield { text, line: ++line };
      start = nl + 1;
      nl = chunk.indexOf('\n', start);
    }
    if (partial.length + chunk.length - start > MAX_STRING_CHARS) {
      throw new RnnlabError(`${path} line ${line + 1} is longer than one JavaScript string can hold (${MAX_STRING_CHARS.toLocaleString('en-US')} characters)`);
    }
    partial += chunk.slice(start);
  }
  if (partial.length > 0) yield { text: partial, line: ++line };
}
