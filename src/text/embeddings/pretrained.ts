/**
 * A vocabulary and the pretrained vectors for it, in one call, for any kind of run: the
 * vocabulary from the data's token counts, from the embedding file, or both (--vocab-from),
 * the file read keeping only the rows that vocabulary can use, then aligned to it.
 */
import type { Vocab, VocabBuildOptions } from '../vocab.js';
import { Vocab as VocabClass } from '../vocab.js';
import { alignEmbeddings, type EmbeddingAlignment } from './align.js';
import { readEmbeddings } from './read.js';
import { selectForBothVocab, selectForFileVocab, selectForVocab, vocabFromDataAndEmbeddings, vocabFromEmbeddings, type VocabSource } from './vocab.js';

export interface Pretrained {
  vocab: Vocab;
  embeddings: EmbeddingAlignment;
  dim: number;
}

/**
 * `dim`: the width the model was asked for (--embed given), or undefined to take the file's.
 * `seed` draws the rows the file does not cover.
 */
export async function pretrainedVocab(
  path: string, from: VocabSource, counts: Map<string, number>, opts: VocabBuildOptions, dim: number | undefined, seed: number,
): Promise<Pretrained> {
  let vocab: Vocab;
  let file;
  if (from === 'data') {
    vocab = VocabClass.build(counts, opts);
    file = await readEmbeddings(path, { dim, ...selectForVocab(vocab) });
  } else if (from === 'embeddings') {
    file = await readEmbeddings(path, { dim, ...selectForFileVocab(opts) });
    vocab = vocabFromEmbeddings(file.words, opts);
  } else {
    file = await readEmbeddings(path, { dim, ...selectForBothVocab(counts, opts) });
    vocab = vocabFromDataAndEmbeddings(counts, file.words, opts);
  }
  return { vocab, embeddings: alignEmbeddings(vocab, file, { seed }), dim: file.dim };
}
