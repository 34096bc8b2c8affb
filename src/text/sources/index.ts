import { RnnlabError } from '../../errors.js';
import { readCsv } from './csv.js';
import { readJsonArray } from './json-array.js';
import { readJsonLines } from './jsonl.js';
import { inspectDataFile, memoryForText, readFailure, refuseWholeText } from './data-file.js';
import { checkEncoding } from './decode.js';
import { readTextChunks } from './open.js';
import { readPlainText } from './plain.js';
import { codePointLength } from './stats.js';
import type { Doc, SourceFormat, SourceOptions, SourceStats } from './types.js';
import { detectFormat, extension } from './format.js';

export type { Doc, SourceFormat, SourceOptions, SourceStats } from './types.js';
export { readAllText } from './plain.js';
export { readTextChunks } from './open.js';
export { codePointLength } from './stats.js';
export { detectFormat } from './format.js';
export { ENCODINGS, type TextEncoding } from './decode.js';

const FORMATS: readonly SourceFormat[] = ['auto', 'text', 'json', 'jsonl', 'csv'];

/**
 * Streams the documents of a file, one at a time, NFC-normalised. Gzip is detected by its
 * magic bytes. `stats`, when given, is updated as each document is produced (so it is
 * partial if the caller stops early). A file that yields no document at all, or only
 * documents of whitespace, is an error: there is nothing in it to learn or score.
 * `onRead` hears the bytes read so far (see readTextChunks).
 */
export async function* readDocuments(path: string, opts: SourceOptions = {}, stats?: SourceStats, onRead?: (bytes: number) => void): AsyncGenerator<Doc> {
  const format = opts.format ?? 'auto';
  if (!FORMATS.includes(format)) {
    throw new RnnlabError(`unknown source format "${format}" (expected one of: ${FORMATS.join(', ')})`);
  }
  const resolved = format === 'auto' ? detectFormat(path) : format;
  const unit = opts.unit ?? 'file';
  if (unit !== 'file' && unit !== 'line') throw new RnnlabError(`unknown text unit "${unit}" (expected file or line)`);
  const delimiter = opts.delimiter ?? (extension(path) === '.tsv' ? '\t' : ',');
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new RnnlabError(`CSV delimiter must be one character other than a quote or newline, got ${JSON.stringify(delimiter)}`);
  }

  const encoding = checkEncoding(opts.encoding ?? 'utf8');

  const file = await inspectDataFile(path);
  if (resolved === 'text' && unit === 'file') refuseWholeText(path, file, memoryForText());
  const chunks = readTextChunks(path, { encoding, file, onRead });
  const docs =
    resolved === 'json' ? readJsonArray(chunks, path, opts)
    : resolved === 'jsonl' ? readJsonLines(chunks, path, opts)
    : resolved === 'csv' ? readCsv(chunks, path, opts, delimiter)
    : readPlainText(chunks, unit, path);

  let count = 0;
  let blank = 0;
  try {
    for await (const doc of docs) {
      const text = doc.text.normalize('NFC');
      const out: Doc = doc.label === undefined ? { text } : { text, label: doc.label.normalize('NFC') };
      count++;
      if (!/\S/u.test(text)) blank++;
      if (stats) {
        stats.documents++;
        stats.characters += codePointLength(text);
      }
      yield out;
    }
  } catch (err) {
    // a parser's RangeError (a field longer than a string can be) becomes one clear line
    throw err instanceof RangeError ? readFailure(path, err) : err;
  }
  if (count === 0) throw new RnnlabError(`${path} contains no documents`);
  if (blank === count) {
    const what = resolved === 'text' ? 'holds only whitespace' : count === 1 ? 'has one document, and its text is only whitespace' : `has ${count.toLocaleString('en-US')} documents, and every text is empty or only whitespace`;
    throw new RnnlabError(`${path} ${what}: there is no text to learn from or score`);
  }
}
