/**
 * rnnlab's library API for Node. Browsers import `rnnlab/browser` (src/browser.ts): the same
 * API without files, the native addon and the trainer. See README.md for a walk-through.
 */
export { RnnlabError } from './errors.js';
export { Tensor, IntTensor, type FloatArray, type DType } from './tensor.js';
export { Rng } from './util/rng.js';

// engine
export type { Backend, BackendName, CellKind, RecurrentForwardArgs, RecurrentBackwardArgs, AdamArgs } from './backend/backend.js';
export { gates, cacheWidth } from './backend/backend.js';
export { JsBackend } from './backend/js/index.js';
export { createBackend, type BackendChoice, type BackendRequest } from './backend/select.js';
export { createWasmBackend, type WasmBackend } from './backend/wasm/index.js';

// models and training
export { LanguageModel, type LossResult } from './nn/language-model.js';
export { RecurrentStack, type RecurrentState } from './nn/recurrent.js';
export { validateModelConfig, cellKind, type ModelConfig } from './nn/config.js';
export type { InitScheme } from './nn/init.js';
export { Optimizer, type OptimizerOptions, type OptimizerName } from './optim/optimizer.js';
export { clipGradNorm, gradNorm } from './optim/clip.js';
export { LmTrainer, type TrainOptions, type TrainEvents, type TrainSummary, type StepEvent, type ValEvent } from './train/lm-trainer.js';
export { prepareCorpus, readTexts, type Corpus, type CorpusOptions, type CorpusData, type Level, type Batching } from './train/corpus.js';
export { saveCheckpoint, loadCheckpoint, resolveModelPath, encodeCheckpoint, decodeCheckpoint, type LoadedModel, type TrainState } from './train/checkpoint.js';
export { encodeSafetensors, decodeSafetensors, type StTensor, type StFile } from './io/safetensors.js';

// measuring
export { evaluateStream, evaluateDocs, evalResult, type EvalResult } from './eval/perplexity.js';

// text
export { readDocuments, readAllText, type Doc, type SourceOptions, type SourceStats } from './text/sources/index.js';
export { createTokenizer, type Tokenizer, type TokenizerSettings, type TokenizerKind } from './text/tokenizers/tokenizer.js';
export { learnBpe } from './text/tokenizers/bpe.js';
export { Vocab, SPECIALS, PAD, SOS, EOS, UNK } from './text/vocab.js';
export { StreamBatcher } from './text/batching/stream.js';
export { documentBatches, type DocBatch } from './text/batching/documents.js';
export { splitDocuments, splitStream } from './text/split.js';

// generation
export * from './generate/index.js';
export { LmStepModel } from './generate/lm-step-model.js';
export { prettify } from './generate/prettify.js';
