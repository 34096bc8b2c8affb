/**
 * rnnlab in the browser: the library API without what needs Node (files, the C++ addon, the
 * run directory). Load a model trained in Node from its bytes with `decodeCheckpoint`, run it
 * on the wasm backend (`createBackend()` picks wasm, then js), train with the same TrainLoop
 * the CLI uses (with sinks of your own for its events and checkpoints), and generate.
 * Imported as `rnnlab/browser`. No module it loads imports a `node:` module; the Node-only
 * parts it can reach (the addon's loader, the wasm file reader) are imported lazily, under Node only.
 */
export { RnnlabError } from './errors.js';
export { Tensor, IntTensor, type FloatArray, type DType } from './tensor.js';
export { Rng } from './util/rng.js';

// engine
export type { Backend, BackendName, CellKind, Precision, RecurrentForwardArgs, RecurrentBackwardArgs, AdamArgs } from './backend/backend.js';
export { roundBf16, PRECISIONS } from './backend/bf16.js';
export { gates, cacheWidth } from './backend/backend.js';
export { JsBackend } from './backend/js/index.js';
export { createWasmBackend, type WasmBackend } from './backend/wasm/index.js';
export { createBackend, type BackendChoice, type BackendRequest } from './backend/select.js';

// layers and models
export type { Act, ForwardContext, Layer } from './nn/layer.js';
export { Param, makeParam, type Buffer } from './nn/param.js';
export { Embedding } from './nn/layers/embedding.js';
export { Recurrent, type RecurrentState } from './nn/layers/recurrent.js';
export { Dropout } from './nn/layers/dropout.js';
export { Linear } from './nn/layers/linear.js';
export { LastStep } from './nn/layers/last-step.js';
export { ReLU } from './nn/layers/relu.js';
export { Sequential } from './nn/layers/sequential.js';
export { Conv1d } from './nn/layers/conv1d.js';
export { BatchNorm1d } from './nn/layers/batchnorm.js';
export { TimePool } from './nn/layers/pooling.js';
export { BidirectionalRecurrent } from './nn/layers/bidirectional.js';
export { Classifier, validateClassifierConfig, type ClassifierConfig, type ClassifierKind, type PoolKind } from './nn/classifier.js';
export { modelSummary, type ModuleRow } from './nn/summary.js';
export { LanguageModel, type LossResult } from './nn/language-model.js';
export { countParameters, type Model } from './nn/model.js';
export { registerArchitecture, architecture, type Architecture } from './nn/architectures.js';
export { validateModelConfig, cellKind, type ModelConfig } from './nn/config.js';
export type { InitScheme } from './nn/init.js';

// training
export { Optimizer, type OptimizerOptions, type OptimizerName } from './optim/optimizer.js';
export { clipGradNorm, gradNorm } from './optim/clip.js';
export { TrainLoop, type TrainLoopOptions, type TrainSummary } from './train/loop.js';
export { LmTask, type LmTaskSettings } from './train/lm-task.js';
export type { Task } from './train/task.js';
export type { RunEvent, StartEvent, StepEvent, NonFiniteEvent, ValEvent, EndEvent, RunSink, StopReason } from './train/events.js';
export { DEFAULTS, flagOf, type RunConfig, type RunOptions, type TrainingSettings } from './run/config.js';
export { RUN_OPTIONS, validateRunOptions, type OptionSpec } from './run/options.js';
export { resolveNewRun, resolveResume } from './run/resolve.js';
export {
  encodeCheckpoint, decodeCheckpoint, requireLanguageModel, requireClassifier, type CheckpointContents, type CheckpointTraining, type LoadedModel, type TrainState,
} from './train/checkpoint-format.js';
export { encodeSafetensors, decodeSafetensors, type StTensor, type StFile } from './io/safetensors.js';

// classification
export { ClassifyTask, classifierEvaluation, epochBatches, makeBatch, type ClassBatch } from './classify/task.js';
export { labelScheme, classIndex, type LabelScheme } from './classify/labels.js';
export { TextClassifier, classifierMeta, schemeOf, preprocessingOf, type Prediction } from './classify/predict.js';
export { CLASSIFY_DEFAULTS, CLASSIFY_OPTIONS, type ClassifyConfig, type ClassifyOptions } from './classify/config.js';
export { classificationReport, confusionMatrix, reportFromConfusion, type ClassificationReport } from './eval/classification.js';
export { formatClassificationReport, formatConfusionMatrix, classificationReportCsv, confusionMatrixCsv } from './eval/classification-format.js';
export { confusionMatrixSpec } from './report/confusion-svg.js';
export { curvesSpec, curvePoints, CURVE_X, CURVE_Y, type CurveRun, type CurveOptions, type CurveX, type CurveY, type CurvePoint } from './report/curves.js';
export { barChartSpec, type Bar, type BarChartOptions } from './report/bars.js';
export {
  sweepSummarySpec, sweepHeatmapSpec, sweepBarsSpec, sweepSpec, stackSpecs, parseSweepResults, variedParams,
  type SweepResult, type SweepStatus,
} from './report/sweep-spec.js';
export { alignEmbeddings, type EmbeddingAlignment } from './text/embeddings/align.js';
export { vocabFromEmbeddings, vocabFromDataAndEmbeddings } from './text/embeddings/vocab.js';
export { cleanNewsEscapes } from './text/sources/clean.js';

// measuring
export { evaluateStream, evaluateDocs, streamEvaluation, documentEvaluation, evalResult, type EvalResult, type StreamDocuments } from './eval/perplexity.js';
export { notebookPerplexity, DocumentLosses, documentAt, type DocumentLoss } from './eval/notebook.js';
export { forEachTargetNll } from './eval/target-nll.js';
export { untrainedTwin } from './eval/untrained.js';

// text
export { createTokenizer, type Tokenizer, type TokenizerSettings, type TokenizerKind } from './text/tokenizers/tokenizer.js';
export { learnBpe } from './text/tokenizers/bpe.js';
export { Vocab, SPECIALS, PAD, SOS, EOS, UNK } from './text/vocab.js';
export { StreamBatcher } from './text/batching/stream.js';
export { WindowBatcher, WindowEpoch } from './text/batching/windows.js';
export { documentBatches, type DocBatch } from './text/batching/documents.js';
export { splitDocuments, splitStream } from './text/split.js';

// generation
export * from './generate/index.js';
export { LmStepModel } from './generate/lm-step-model.js';
export { prettify, Prettifier } from './generate/prettify.js';
