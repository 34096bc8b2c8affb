/**
 * rnnlab's library API for Node: everything in `rnnlab/browser` (src/browser.ts) plus what
 * needs Node — files, the trainer that writes checkpoints, the native addon (through
 * createBackend). See README.md for a walk-through.
 */
export * from './browser.js';

export { LmTrainer, type TrainOptions, type TrainEvents, type TrainSummary, type StepEvent, type ValEvent } from './train/lm-trainer.js';
export { prepareCorpus, readTexts, type Corpus, type CorpusOptions, type CorpusData, type Level, type Batching } from './train/corpus.js';
export { saveCheckpoint, loadCheckpoint, resolveModelPath } from './train/checkpoint.js';
export { readDocuments, readAllText, type Doc, type SourceOptions, type SourceStats } from './text/sources/index.js';
