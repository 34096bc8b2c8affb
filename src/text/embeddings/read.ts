import { RnnlabError } from '../../errors.js';
import { readBinaryRows } from './binary-format.js';
import { ByteReader } from './byte-reader.js';
import { detectEmbeddingFormat } from './detect.js';
import { readTextRows } from './text-format.js';
import { EMBEDDING_FORMATS, type EmbeddingFile, type ReadEmbeddingsOptions } from './types.js';

/**
 * Pretrained word vectors from a GloVe, word2vec text or word2vec binary file, gzipped or
 * not, streamed: only the rows `keep` accepts are stored. Every problem with the file is one
 * RnnlabError line naming the file (and the line, for a row that is wrong).
 */
export async function readEmbeddings(path: string, opts: ReadEmbeddingsOptions = {}): Promise<EmbeddingFile> {
  const format = opts.format ?? 'auto';
  if (!EMBEDDING_FORMATS.includes(format)) {
    throw new RnnlabError(`unknown embedding file format "${format}" (expected one of: ${EMBEDDING_FORMATS.join(', ')})`);
  }
  if (opts.dim !== undefined && !(Number.isInteger(opts.dim) && opts.dim >= 1)) {
    throw new RnnlabError(`pretrained embeddings need an embedding layer: --embed must be a positive integer, got ${opts.dim}`);
  }
  const maxWords = opts.maxWords ?? Infinity;
  if (!(maxWords >= 1) || (maxWords !== Infinity && !Number.isInteger(maxWords))) {
    throw new RnnlabError(`the number of embedding rows to keep must be a positive integer, got ${opts.maxWords}`);
  }
  const reader = await ByteReader.open(path);
  try {
    const resolved = format === 'auto' ? await detectEmbeddingFormat(reader) : format;
    const rowOpts = { keep: opts.keep, dim: opts.dim, maxWords };
    const store = resolved === 'word2vec-bin' ? await readBinaryRows(reader, rowOpts) : await readTextRows(reader, resolved, rowOpts);
    if (store.lines === 0) throw new RnnlabError(`${path} holds no vectors`);
    return store.result(resolved, reader.gzip);
  } finally {
    reader.close();
  }
}
