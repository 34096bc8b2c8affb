import { RnnlabError } from '../../errors.js';
import { inspectDataFile, MAX_STRING_CHARS, memoryForText, refuseWholeText } from './data-file.js';
import type { TextEncoding } from './decode.js';
import { splitLines } from './lines.js';
import { readTextChunks } from './open.js';
import type { Doc } from './types.js';

/**
 * The whole file as one NFC string, for character-level models that treat a book as one
 * stream. Missing, empty, binary and too large files are rejected with a one-line error.
 */
export async function readAllText(path: string, encoding: TextEncoding = 'utf8'): Promise<string> {
  const file = await inspectDataFile(path);
  refuseWholeText(path, file, memoryForText());
  return joinChunks(readTextChunks(path, { encoding, file }), path);
}

export async function joinChunks(chunks: AsyncIterable<string>, path: string): Promise<string> {
  const parts: string[] = [];
  let length = 0;
  for await (const chunk of chunks) {
    length += chunk.length;
    if (length > MAX_STRING_CHARS) {
      throw new RnnlabError(`${path} holds more than ${MAX_STRING_CHARS.toLocaleString('en-US')} characters, more than one JavaScript string can hold, and a plain-text file is read whole: split it, or make it JSON Lines (one document a line)`);
    }
    parts.push(chunk);
  }
  // NFC after joining: a base letter and its combining mark may sit in different chunks.
  return parts.join('').normalize('NFC');
}

/** Plain text: the whole file as one document, or each non-blank line as one. */
export async function* readPlainText(chunks: AsyncIterable<string>, unit: 'file' | 'line', path: string): AsyncGenerator<Doc> {
  if (unit === 'file') {
    yield { text: await joinChunks(chunks, path) };
    return;
  }
  for await (const { text } of splitLines(chunks, path)) {
    if (text.trim().length > 0) yield { text };
  }
}
