export type { EmbeddingFile, EmbeddingFormat, EmbeddingStats, ReadEmbeddingsOptions } from './types.js';
export { EMBEDDING_FORMATS } from './types.js';
export { readEmbeddings } from './read.js';
export { alignEmbeddings, type EmbeddingAlignment } from './align.js';
export {
  selectForBothVocab,
  selectForFileVocab,
  selectForVocab,
  vocabFromDataAndEmbeddings,
  vocabFromEmbeddings,
  type VocabSource,
} from './vocab.js';
export { pretrainedVocab, type Pretrained } from './pretrained.js';
