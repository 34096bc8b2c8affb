import { RnnlabError } from '../../errors.js';
import { recordToDoc } from './records.js';
import type { Doc, SourceOptions } from './types.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const COMMA = 0x2c;
const NEWLINE = 0x0a;

/** One top-level element of the array, still as JSON text. */
export interface JsonElement {
  json: string;
  index: number;
  line: number;
}

/**
 * Cuts a JSON array of objects into its elements without parsing the whole array, so a file
 * larger than memory can be read one record at a time: it tracks only string/escape state and
 * bracket depth, and hands each complete element to JSON.parse. A file that starts with "{"
 * instead of "[" is read as a sequence of whitespace-separated objects (JSON Lines saved as
 * .json, or a single record).
 */
export async function* splitJsonArray(chunks: AsyncIterable<string>, path: string): AsyncGenerator<JsonElement> {
  type Mode = 'start' | 'array' | 'sequence' | 'done';
  let mode: Mode = 'start';
  // Inside an array: what may come next outside an element.
  let expect: 'valueOrEnd' | 'value' | 'commaOrEnd' = 'valueOrEnd';
  let line = 1;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let parts: string[] = [];
  let index = 0;
  let elementLine = 0;

  const unexpected = (c: string, wanted: string): RnnlabError =>
    new RnnlabError(`${path} line ${line}: expected ${wanted}, found ${JSON.stringify(c)}`);

  for await (const chunk of chunks) {
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (c === NEWLINE) line++;
      if (depth > 0) {
        if (inString) {
          if (escaped) escaped = false;
          else if (c === BACKSLASH) escaped = true;
          else if (c === QUOTE) inString = false;
        } else if (c === QUOTE) {
          inString = true;
        } else if (c === LBRACE || c === LBRACKET) {
          depth++;
        } else if (c === RBRACE || c === RBRACKET) {
          depth--;
          if (depth === 0) {
            parts.push(chunk.slice(start, i + 1));
            const json = parts.join('');
            parts = [];
            yield { json, index, line: elementLine };
            index++;
            if (mode === 'array') expect = 'commaOrEnd';
          }
        }
        continue;
      }
      if (c === 0x20 || c === NEWLINE || c === 0x09 || c === 0x0d) continue;
      const ch = chunk[i];
      if (mode === 'start') {
        if (c === LBRACKET) mode = 'array';
        else if (c === LBRACE) {
          mode = 'sequence';
          i--; // re-read the brace as the first element
        } else throw new RnnlabError(`${path} line ${line}: expected a JSON array of records ("[") but found ${JSON.stringify(ch)}`);
        continue;
      }
      if (mode === 'done') throw new RnnlabError(`${path} line ${line}: unexpected ${JSON.stringify(ch)} after the end of the JSON array`);
      if (c === LBRACE && (mode === 'sequence' || expect !== 'commaOrEnd')) {
        depth = 1;
        start = i;
        elementLine = line;
        continue;
      }
      if (mode === 'sequence') throw unexpected(ch, 'a JSON object ("{")');
      if (c === COMMA && expect === 'commaOrEnd') {
        expect = 'value';
      } else if (c === RBRACKET && expect !== 'value') {
        mode = 'done';
      } else if (expect === 'commaOrEnd') {
        throw unexpected(ch, '"," or "]"');
      } else if (c === RBRACKET) {
        throw new RnnlabError(`${path} line ${line}: trailing comma before "]"`);
      } else {
        throw new RnnlabError(`${path} element [${index}] (line ${line}): expected a JSON object (a record), found ${JSON.stringify(ch)}…`);
      }
    }
    if (depth > 0) parts.push(chunk.slice(start));
  }
  if (depth > 0) throw new RnnlabError(`${path}: the file ends inside element [${index}] (which starts on line ${elementLine})`);
  if (mode === 'array') throw new RnnlabError(`${path}: the file ends before the JSON array is closed with "]"`);
  if (mode === 'start') throw new RnnlabError(`${path} contains no JSON (only whitespace)`);
}

/** A JSON array of records (or a sequence of objects), each turned into a Doc. */
export async function* readJsonArray(chunks: AsyncIterable<string>, path: string, opts: SourceOptions): AsyncGenerator<Doc> {
  for await (const { json, index, line } of splitJsonArray(chunks, path)) {
    const where = `element [${index}] (line ${line})`;
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch (err) {
      throw new RnnlabError(`${path} ${where}: invalid JSON (${(err as Error).message.replace(/\s+/g, ' ')})`);
    }
    yield recordToDoc(value, opts, path, where);
  }
}
