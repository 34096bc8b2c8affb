/**
 * rnnlab's library API for Node: everything in `rnnlab/browser` (src/browser.ts) plus what
 * needs Node — reading files, a training run kept in a run directory, checkpoint files, the
 * native addon (through createBackend). See README.md for a walk-through.
 */
export * from './browser.js';

export { TrainingRun, train, type RunSetup } from './run/session.js';
export { RunDirectory } from './run/run-dir.js';
export { ClassifierRun } from './classify/session.js';
export { readEmbeddings, pretrainedVocab, type EmbeddingFile } from './text/embeddings/index.js';
export { renderConfusionSvg } from './report/confusion-svg.js';
export { renderVegaLiteSvg } from './report/vega-svg.js';
export { svgToPng, type PngOptions } from './report/png.js';
export { writePlot, renderPlot, plotFormat, type PlotFormat } from './report/plot-file.js';
export { readRun, readSweep, isSweepDir, runNames, type RunRecord, type SweepRecord } from './report/run-data.js';
export { renderSweepPlots, writeSweepPlots, type SweepPlotOptions, type SweepPlotFiles } from './report/sweep-plots.js';
export { writeReport, readReportSubjects, checkReportPath, type ReportOptions, type ReportSubject } from './report/run-report.js';
export { prepareCorpus, readTexts, type Corpus, type CorpusOptions, type CorpusData, type Level, type Batching, type LoadProgress, type TokenIds } from './train/corpus.js';
export { saveCheckpoint, loadCheckpoint, loadLanguageModel, resolveModelPath, recordedPrecision } from './train/checkpoint.js';
export { readDocuments, readAllText, type Doc, type SourceOptions, type SourceStats } from './text/sources/index.js';
export { scoreCorpus, outOfVocabulary, type CorpusScore, type ScoreOptions, type OutOfVocabulary } from './eval/score-corpus.js';
export { formatCorpusLines, formatCorpusTable, notebookLabel, type CorpusReport } from './eval/corpus-format.js';
export { runSeed } from './run/run-seed.js';
export { Sweep, runSweep, trainArgs, type SweepOptions, type SweepEvent } from './sweep/runner.js';
export { expandGrid, parseSweepFile, normalizeSpec, runName, type SweepSpec, type SweepSpecInput, type SweepRun, type SweepValue } from './sweep/grid.js';
export { writeResults, resultsTable, sortByPerplexity, type SweepResult, type RunStatus } from './sweep/results.js';
export { exportPytorch, type PytorchExportOptions, type PytorchExportResult } from './interop/pytorch/export.js';
export { exportOnnx, ONNX_OPSETS, type OnnxExportOptions, type OnnxModelSource } from './interop/onnx/export.js';
export { importModel, type ImportOptions, type ImportResult } from './interop/import.js';
