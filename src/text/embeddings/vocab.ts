import { Vocab, type VocabBuildOptions } from '../vocab.js';
import type { ReadEmbeddingsOptions } from './types.js';

/**
 * Where a vocabulary comes from, and how to read the embedding file for it:
 *
 *   data        vocab = Vocab.build(counts, opts)            read with selectForVocab(vocab)
 *   embeddings  vocab = vocabFromEmbeddings(file.words, opts) read with selectForFileVocab(opts)
 *   both        vocab = vocabFromDataAndEmbeddings(counts, file.words, opts)
 *                                                             read with selectForBothVocab(counts, opts)
 *
 * then alignEmbeddings(vocab, file, { seed }). Each select* gives the `keep` (and
 * `maxWords`) that store exactly the rows the vocabulary can use.
 */
export type VocabSource = 'data' | 'embeddings' | 'both';

type Selection = Pick<ReadEmbeddingsOptions, 'keep' | 'maxWords'>;
type FileVocabOptions = Pick<VocabBuildOptions, 'specials' | 'maxVocab'>;

/** Specials, then the file's words in file order (most frequent first), cut at maxVocab (specials included). */
export function vocabFromEmbeddings(words: readonly string[], opts: FileVocabOptions): Vocab {
  return Vocab.fromOrdered(words, opts);
}

/**
 * The data's words ∪ the file's: specials, the data's words by count (minFreq applies to
 * them), then the file's other words in file order, cut at maxVocab (specials included).
 */
export function vocabFromDataAndEmbeddings(counts: Map<string, number>, words: readonly string[], opts: VocabBuildOptions): Vocab {
  const data = Vocab.build(counts, { specials: opts.specials, minFreq: opts.minFreq });
  return Vocab.fromOrdered(data.tokens.concat(words), opts);
}

/** For a vocabulary fixed before the file is read: rows of its words and of their lower-case forms. */
export function selectForVocab(vocab: Vocab): Selection {
  const wanted = new Set<string>();
  for (const t of vocab.tokens) wanted.add(t).add(t.toLowerCase());
  return { keep: (w) => wanted.has(w) };
}

/** For vocabFromEmbeddings: the first maxVocab − specials distinct words, then stop reading. */
export function selectForFileVocab(opts: FileVocabOptions): Selection {
  const checked = Vocab.fromOrdered([], opts); // the same refusal of a bad maxVocab as the vocabulary's
  const special = new Set(checked.tokens);
  const maxWords = opts.maxVocab === undefined ? undefined : opts.maxVocab - special.size;
  // maxVocab = specials leaves no room; keep a single row so the file is still checked.
  return { keep: (w) => !special.has(w), maxWords: maxWords === 0 ? 1 : maxWords };
}

/**
 * For vocabFromDataAndEmbeddings: the rows of the data's words that make the cut (and of their
 * lower-case forms), and the first new words of the file while the vocabulary has room.
 * Stateful: it counts the new words it accepts, which is right because readEmbeddings offers
 * rows in file order and never offers a kept word again.
 */
export function selectForBothVocab(counts: Map<string, number>, opts: VocabBuildOptions): Selection {
  const data = vocabFromDataAndEmbeddings(counts, [], opts); // the data's words that make the cut
  const special = new Set(opts.specials);
  const lower = new Set<string>();
  for (const t of data.tokens) lower.add(t.toLowerCase());
  let room = (opts.maxVocab ?? Infinity) - data.size;
  return {
    keep: (w) => {
      if (special.has(w)) return false;
      if (data.has(w)) return true;
      if (room > 0) {
        room--;
        return true;
      }
      return lower.has(w);
    },
  };
}
