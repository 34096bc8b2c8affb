import { RnnlabError } from '../../errors.js';
import type { ByteReader } from './byte-reader.js';
import type { EmbeddingFormat } from './types.js';

/** How much of the (decompressed) start of a file decides the format. */
const SNIFF_BYTES = 64 * 1024;

export interface Word2VecHeader {
  count: number;
  dim: number;
}

/** `count dim`, the first line of both word2vec formats; null for any other line. */
export function parseHeader(line: Buffer): Word2VecHeader | null {
  if (line.length > 64) return null;
  const m = /^(\d+)[ \t]+(\d+)[ \t]*\r?$/.exec(stripBom(line).toString('latin1'));
  if (!m) return null;
  const count = Number(m[1]);
  const dim = Number(m[2]);
  return Number.isSafeInteger(count) && Number.isSafeInteger(dim) ? { count, dim } : null;
}

export function stripBom(line: Buffer): Buffer {
  return line[0] === 0xef && line[1] === 0xbb && line[2] === 0xbf ? line.subarray(3) : line;
}

/**
 * A byte no text embedding file holds: controls other than tab, newline, vertical tab, form
 * feed and carriage return. A float32's mantissa bytes hit one about one time in eight,
 * so a binary vector of any useful width has some within its first few values.
 */
export function isNonTextByte(b: number): boolean {
  return b < 0x09 || (b > 0x0d && b < 0x20) || b === 0x7f;
}

/**
 * The format of a file from its first bytes: a first line of exactly two integers is a
 * word2vec header, and what follows it is text (word2vec) or not (word2vec-bin); otherwise
 * GloVe, unless the start holds NUL bytes, which no text format has.
 */
export async function detectEmbeddingFormat(reader: ByteReader): Promise<EmbeddingFormat> {
  const head = reader.peek(await reader.fill(SNIFF_BYTES));
  if (head.length === 0) throw new RnnlabError(`${reader.path} is empty`);
  const nl = head.indexOf(0x0a);
  const header = parseHeader(nl === -1 ? head : head.subarray(0, nl));
  if (header) {
    const rest = nl === -1 ? head.subarray(head.length) : head.subarray(nl + 1);
    return rest.some(isNonTextByte) ? 'word2vec-bin' : 'word2vec';
  }
  if (head.indexOf(0) !== -1) {
    throw new RnnlabError(`${reader.path} looks binary but is not a word2vec binary file (its first line is not "count dim"), nor GloVe or word2vec text`);
  }
  return 'glove';
}
