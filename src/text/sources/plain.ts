import { splitLines } from './lines.js';
import { readTextChunks } from './open.js';
import type { Doc } from './types.js';

/**
 * The whole file as one NFC string, for character-level models that treat a book as one
 * stream. Missing, empty and binary files are rejected with a one-line error.
 */
export async function readAllText(path: string): Promise<string> {
  return joinChunks(readTextChunks(path));
}

export async function joinChunks(chunks: AsyncIterable<string>): Promise<string> {
  const parts: string[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  // NFC after joining: a base letter and its combining mark may sit in different chunks.
  return parts.join('').normalize('NFC');
}

/** Plain text: the whole file as one document, or each non-blank line as one. */
export async function* readPlainText(chunks: AsyncIterable<string>, unit: 'file' | 'line'): AsyncGenerator<Doc> {
  if (unit === 'file') {
    yield { text: await joinChunks(chunks) };
    return;
  }
  for await (const { text } of splitLines(chunks)) {
    if (text.trim().length > 0) yield { text };
  }
}
