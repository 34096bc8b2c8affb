/** Text generation: the StepModel contract, logits processors, decoders, metrics, strategy comparison. */
export type { DecodeState, StepModel } from './step-model.js';
export { validateSamplingOptions, SAMPLING_OPTION_KEYS, type SamplingOptions } from './processors/options.js';
export { TokenHistory } from './processors/history.js';
export {
  applyPipeline,
  processLogits,
  processedDistribution,
  processedLogProbs,
  type HistoryInput,
  type PipelineOptions,
} from './processors/pipeline.js';
export {
  validateDecodeOptions,
  validateBeamOptions,
  type BeamOptions,
  type DecodeOptions,
  type FinishReason,
  type Generation,
} from './decoders/options.js';
export { greedy } from './decoders/greedy.js';
export { sample } from './decoders/sample.js';
export { beamSearch } from './decoders/beam.js';
export { beamSample } from './decoders/beam-sample.js';
export { lengthNormalised } from './decoders/beam-engine.js';
export { rowRng } from './decoders/draw.js';
export { generate, STRATEGIES, type Strategy } from './decode.js';
export {
  distinctN,
  repetitionRate,
  meanLength,
  perplexity,
  scoreSequences,
  generationMetrics,
  type GenerationMetrics,
} from './metrics.js';
export { DEFAULT_GRID, parseGrid, validateGrid, type StrategySpec } from './grid.js';
export { checkStrategyOptions, MAX_BEAMS, type StrategyOptions } from './strategy-check.js';
export { checkGenerationSize, MAX_GENERATED_TOKENS, MAX_STEP_LOGITS_BYTES, type GenerationSize } from './limits.js';
export { compareStrategies, toCsv, toMarkdown, type CompareOptions, type CompareRow } from './compare.js';
