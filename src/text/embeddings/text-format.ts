import { RnnlabError } from '../../errors.js';
import type { ByteReader } from './byte-reader.js';
import { parseHeader, stripBom, type Word2VecHeader } from './detect.js';
import { checkDim, count, quoteWord } from './messages.js';
import { RowStore } from './rows.js';

/** Longer than any real row (a 1000-dimensional row is ~12 KB); beyond it the file is not one we read. */
const MAX_LINE_BYTES = 1 << 20;

export interface RowOptions {
  keep?: (word: string) => boolean;
  dim?: number;
  maxWords: number;
}

/**
 * GloVe (`word v1 … vD` per line) and word2vec text (the same after a `count dim` line).
 * Fields are separated by spaces or tabs; word2vec's trailing space and CRLF endings are
 * fine; blank lines are skipped. Only kept rows have their numbers parsed (that is where
 * the time goes); every row's width is checked.
 */
export async function readTextRows(reader: ByteReader, format: 'glove' | 'word2vec', opts: RowOptions): Promise<RowStore> {
  const path = reader.path;
  const tooLong = (line: number) => () => new RnnlabError(`${path}: line ${line} is longer than 1 MiB, which no embedding row is (is it an embedding file?)`);
  const bounds: number[] = [];
  let header: Word2VecHeader | null = null;
  let store: RowStore | undefined;
  let widthFrom = '';
  let lineNo = 0;
  for (;;) {
    let line = reader.takeUntil(0x0a) ?? (await reader.readUntil(0x0a, MAX_LINE_BYTES, tooLong(lineNo + 1)))?.bytes;
    if (line === undefined) break;
    lineNo++;
    if (lineNo === 1) line = stripBom(line);
    if (line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
    if (line.indexOf(0) !== -1) {
      throw new RnnlabError(`${path}: line ${lineNo} holds NUL bytes, so this is a binary file, not ${format === 'glove' ? 'GloVe' : 'word2vec'} text`);
    }
    if (format === 'word2vec' && lineNo === 1) {
      header = parseHeader(line);
      if (!header) throw new RnnlabError(`${path} is not word2vec text: its first line should be "count dim", got ${quoteWord(line.toString('utf8'))}`);
      if (header.dim < 1) throw new RnnlabError(`${path}: the word2vec header announces ${header.dim}-dimensional vectors`);
      checkDim(path, header.dim, opts.dim);
      store = new RowStore(header.dim, opts.keep, opts.maxWords);
      widthFrom = 'the header says';
      continue;
    }
    const n = splitFields(line, bounds);
    if (n === 0) continue;
    if (!store) {
      if (n < 2) throw new RnnlabError(`${path}: line ${lineNo} has a word but no numbers`);
      checkDim(path, n - 1, opts.dim);
      store = new RowStore(n - 1, opts.keep, opts.maxWords);
      widthFrom = `line ${lineNo} has`;
    }
    const dim = store.dim;
    // Fields before the last `dim` are the word: a few GloVe 840B words hold spaces (". . .").
    // A row with more numbers than `dim` is told apart by the field before them being a number.
    const wordFields = n - dim;
    if (wordFields < 1 || (wordFields > 1 && isNumber(line.toString('latin1', bounds[2 * wordFields - 2], bounds[2 * wordFields - 1])))) {
      throw new RnnlabError(`${path}: line ${lineNo} has ${count(n - 1, 'number')} after its word but ${widthFrom} ${dim}; every row must have the same width`);
    }
    if (header && store.lines >= header.count) {
      throw new RnnlabError(`${path}: line ${lineNo} is one vector more than the ${header.count.toLocaleString('en-US')} its header announces`);
    }
    const word = store.decodeWord(line.subarray(bounds[0], bounds[2 * wordFields - 1]));
    const at = store.offer(word);
    if (at >= 0) parseValues(line, bounds, wordFields, store.vectors, at, dim, () => `${path}: line ${lineNo}`, word);
    if (store.full) break;
  }
  if (!store) throw new RnnlabError(lineNo === 0 ? `${path} is empty` : `${path} holds no vectors`);
  if (header && !store.full && store.lines < header.count) {
    throw new RnnlabError(`${path} is truncated: its header announces ${header.count.toLocaleString('en-US')} vectors but it holds ${store.lines.toLocaleString('en-US')}`);
  }
  return store;
}

/** Start and end offsets of the space- or tab-separated fields, into `bounds`; returns how many. */
function splitFields(line: Buffer, bounds: number[]): number {
  bounds.length = 0;
  let start = -1;
  for (let i = 0; i < line.length; i++) {
    const b = line[i];
    if (b === 0x20 || b === 0x09) {
      if (start !== -1) {
        bounds.push(start, i);
        start = -1;
      }
    } else if (start === -1) {
      start = i;
    }
  }
  if (start !== -1) bounds.push(start, line.length);
  return bounds.length / 2;
}

function parseValues(line: Buffer, bounds: number[], first: number, out: Float32Array, at: number, dim: number, where: () => string, word: string): void {
  for (let k = 0; k < dim; k++) {
    const f = 2 * (first + k);
    const v = toNumber(line.toString('latin1', bounds[f], bounds[f + 1])); // numbers are ASCII: latin1 is the cheap decoding
    if (Number.isNaN(v)) {
      const text = line.toString('utf8', bounds[f], bounds[f + 1]);
      throw new RnnlabError(`${where()}: ${quoteWord(text)} is not a finite number (value ${k + 1} of ${quoteWord(word)})`);
    }
    out[at + k] = v;
  }
}

/**
 * A decimal number, or NaN. Number() alone is too lenient: it trims whitespace (a stray
 * form feed or no-break space would read as 0) and reads 0x/0o/0b literals; the first,
 * second and last characters rule those out. Infinity and NaN are refused too: one would
 * poison training.
 */
function toNumber(s: string): number {
  const first = s.charCodeAt(0);
  const last = s.charCodeAt(s.length - 1);
  const startOk = (first >= 0x30 && first <= 0x39) || first === 0x2d || first === 0x2b || first === 0x2e;
  const endOk = (last >= 0x30 && last <= 0x39) || last === 0x2e;
  if (!startOk || !endOk) return NaN;
  if (first === 0x30 && s.length > 2 && /[xob]/i.test(s[1])) return NaN;
  const v = Number(s);
  return Number.isFinite(v) ? v : NaN;
}

function isNumber(s: string): boolean {
  return !Number.isNaN(toNumber(s));
}
