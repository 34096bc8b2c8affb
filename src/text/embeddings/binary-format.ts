import { RnnlabError } from '../../errors.js';
import type { ByteReader } from './byte-reader.js';
import { parseHeader } from './detect.js';
import { checkDim, quoteWord } from './messages.js';
import { RowStore } from './rows.js';
import type { RowOptions } from './text-format.js';

/** Longer than any word; a file without a space this far is not word2vec binary. */
const MAX_WORD_BYTES = 64 * 1024;

/**
 * word2vec binary (the C tool's -binary 1 output, also gensim's): a `count dim` line, then
 * per word its bytes up to a space and `dim` little-endian float32, which the C tool
 * follows with "\n" and other writers do not; the newline is skipped before each word,
 * as the C reader and gensim do.
 */
export async function readBinaryRows(reader: ByteReader, opts: RowOptions): Promise<RowStore> {
  const path = reader.path;
  const first = await reader.readUntil(0x0a, 64, () => notBinary(path));
  if (first === null) throw new RnnlabError(`${path} is empty`);
  const header = first.terminated ? parseHeader(first.bytes) : null;
  if (!header) throw notBinary(path);
  if (header.dim < 1) throw new RnnlabError(`${path}: the word2vec header announces ${header.dim}-dimensional vectors`);
  checkDim(path, header.dim, opts.dim);
  const { count, dim } = header;
  const store = new RowStore(dim, opts.keep, opts.maxWords);
  const bytesPerVector = 4 * dim;
  const truncated = (i: number) =>
    new RnnlabError(`${path} is truncated: its header announces ${count.toLocaleString('en-US')} vectors of ${dim} float32 but the file ends after ${i.toLocaleString('en-US')}`);
  for (let i = 0; i < count && !store.full; i++) {
    await skipNewlines(reader);
    let wordBytes = reader.takeUntil(0x20);
    if (wordBytes === undefined) {
      const read = await reader.readUntil(0x20, MAX_WORD_BYTES, () => noWord(path, i));
      if (read === null || !read.terminated) throw truncated(i);
      wordBytes = read.bytes;
    }
    const word = store.decodeWord(wordBytes);
    if (reader.buffered < bytesPerVector && (await reader.fill(bytesPerVector)) < bytesPerVector) throw truncated(i);
    const bytes = reader.take(bytesPerVector);
    const at = store.offer(word);
    if (at < 0) continue;
    const out = store.vectors;
    for (let k = 0; k < dim; k++) {
      const v = bytes.readFloatLE(4 * k);
      if (!Number.isFinite(v)) throw new RnnlabError(`${path}: vector ${(i + 1).toLocaleString('en-US')} (${quoteWord(word)}) has a value that is not a finite number`);
      out[at + k] = v;
    }
  }
  if (!store.full) await checkEnd(reader, count);
  return store;
}

/** Awaits only when the buffer is empty: most vectors are already buffered. */
async function skipNewlines(reader: ByteReader): Promise<void> {
  while ((reader.buffered > 0 || (await reader.fill(1)) > 0) && reader.peek(1)[0] === 0x0a) reader.take(1);
}

/** Only whitespace may follow the last vector: anything else means the header's count is wrong. */
async function checkEnd(reader: ByteReader, count: number): Promise<void> {
  for (;;) {
    const n = await reader.fill(1);
    if (n === 0) return;
    const rest = reader.take(n);
    if (rest.some((b) => b !== 0x0a && b !== 0x0d && b !== 0x20 && b !== 0x09)) {
      throw new RnnlabError(`${reader.path} holds more data after the ${count.toLocaleString('en-US')} vectors its header announces`);
    }
  }
}

function notBinary(path: string): RnnlabError {
  return new RnnlabError(`${path} is not a word2vec binary file: its first line is not "count dim"`);
}

function noWord(path: string, i: number): RnnlabError {
  return new RnnlabError(`${path} is not a valid word2vec binary file: no space ends the word of vector ${(i + 1).toLocaleString('en-US')} within 64 KiB`);
}
