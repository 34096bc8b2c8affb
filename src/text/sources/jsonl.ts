import { RnnlabError } from '../../errors.js';
import { splitLines } from './lines.js';
import { recordToDoc } from './records.js';
import type { Doc, SourceOptions } from './types.js';

/** JSON Lines: one record per line; blank lines are skipped. */
export async function* readJsonLines(chunks: AsyncIterable<string>, path: string, opts: SourceOptions): AsyncGenerator<Doc> {
  for await (const { text, line } of splitLines(chunks, path)) {
    if (text.trim().length === 0) continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new RnnlabError(`${path} line ${line}: invalid JSON (${(err as Error).message.replace(/\s+/g, ' ')})`);
    }
    yield recordToDoc(value, opts, path, `line ${line}`);
  }
}
