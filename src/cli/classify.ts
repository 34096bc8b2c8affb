/**
 * `rnnlab classify train | eval | predict`: text classifiers (CNN, RNN, GRU, LSTM) with
 * pretrained embeddings. Column flags belong to each command, because files differ in layout
 * (AG News' training subset has a header with label,text; its test file none: label,title,description).
 */
import { Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { CLASSIFY_TABLE, type ClassifyOptions } from '../classify/config.js';
import { encodeLabeled, readLabeled } from '../classify/corpus.js';
import { classifierEvaluation } from '../classify/task.js';
import { preprocessingOf, schemeOf, TextClassifier, type Prediction } from '../classify/predict.js';
import { ClassifierRun, refuseSourceConflicts, sourceOf } from '../classify/session.js';
import { RnnlabError } from '../errors.js';
import { drain } from '../eval/perplexity.js';
import { classificationReport } from '../eval/classification.js';
import { classificationReportCsv, confusionMatrixCsv, formatClassificationReport, formatConfusionMatrix } from '../eval/classification-format.js';
import { writeFileAtomic } from '../io/atomic.js';
import { modelSummary } from '../nn/summary.js';
import { renderConfusionSvg } from '../report/confusion-svg.js';
import { givenKeys } from '../run/resolve.js';
import { loadCheckpoint, requireClassifier } from '../train/checkpoint.js';
import { backendOptions, pickModelBackend, pickRunBackend, precisionOption } from './common.js';
import { int } from './parse.js';
import { fmtRate, fmtTime, progressSink } from './progress.js';
import { printJson } from './run.js';
import { addRunOptions, typedRunOptions } from './run-options.js';
import { handleSignals, quitOnSignal } from './signals.js';
import { howStopped, savedLine } from './train.js';

const SOURCE_KEYS = ['format', 'encoding', 'labelColumn', 'textColumn', 'header', 'textField', 'labelField', 'maxDocs', 'clean'];

export function classifyCommand(): Command {
  const c = new Command('classify').description('text classifiers (cnn, rnn, gru, lstm) with pretrained embeddings: train, eval, predict');
  const train = new Command('train').description('train a classifier on labelled documents (or continue one with --out DIR --resume)');
  addRunOptions(train, undefined, CLASSIFY_TABLE);
  train.option('--resume', 'continue the run in --out from its last.safetensors, exactly', false)
    .option('--json', 'print the summary as JSON on stdout', false)
    .option('--quiet', 'no progress output', false);
  backendOptions(train);

  const evaluate = new Command('eval').description('accuracy, loss, per-class precision/recall/F1 and the confusion matrix of a classifier on labelled data');
  evaluate.option('--model <path>', 'a classify run directory (its model.safetensors) or a .safetensors file')
    .option('--data <file>', 'labelled documents (CSV or JSON/JSONL)');
  addRunOptions(evaluate, SOURCE_KEYS, CLASSIFY_TABLE);
  evaluate.option('--batch <n>', 'documents scored together', int(1, 100000), 256)
    .option('--out <prefix>', 'write <prefix>.classification_report.csv, .confusion_matrix.csv and .confusion_matrix.svg (default: eval-<data file> in the model directory)')
    .option('--json', 'machine-readable output', false);
  precisionOption(evaluate);
  backendOptions(evaluate);

  const predict = new Command('predict').description('the class of a text (--text, or one text per line on stdin) and the class probabilities');
  predict.option('--model <path>', 'a classify run directory or a .safetensors file')
    .option('--text <text>', 'the text to classify (default: read one text per line from stdin)')
    .option('--top <n>', 'show the n most likely classes', int(1, 1000), 3)
    .option('--json', 'one JSON object per text', false);
  precisionOption(predict);
  backendOptions(predict);
  return c.addCommand(train).addCommand(evaluate).addCommand(predict);
}

export async function classifyTrainAction(o: Record<string, any>, cmd: Command): Promise<void> {
  const { backend } = await pickRunBackend(o);
  const early = quitOnSignal('stopped before training began; nothing was trained');
  let run: ClassifierRun;
  try {
    run = await ClassifierRun.create(typedRunOptions(o, cmd, CLASSIFY_TABLE) as ClassifyOptions, { resume: o.resume, backend });
  } finally {
    early.remove();
  }
  const { corpus, config, model } = run;
  const quiet = !!o.quiet;
  if (!quiet) {
    const err = (s: string) => process.stderr.write(s + '\n');
    err(`data: ${config.data} · ${corpus.stats.documents.toLocaleString('en-US')} documents → ${corpus.train.length.toLocaleString('en-US')} training, ${corpus.val.length.toLocaleString('en-US')} validation · ${corpus.scheme.names.length} classes (${corpus.scheme.names.join(', ')}) · vocabulary ${corpus.vocab.size.toLocaleString('en-US')}${corpus.cut ? ` · ${corpus.cut.toLocaleString('en-US')} documents cut at ${config.maxLen} tokens` : ''}`);
    if (run.embeddings) err(run.embeddings.report);
    err(`backend: ${backend.describe()}`);
    err(modelSummary(model.modules(), model.params()));
  }
  const progress = progressSink('token', quiet, corpus.vocab.size, corpus.scheme.names.length);
  const signal = handleSignals(run, progress, run.out, 'rnnlab classify train');
  let s;
  try {
    s = await run.run([progress]);
  } finally {
    progress.stop();
    signal.remove();
  }
  const best = s.best ?? s.last;
  if (o.json) {
    printJson({ out: run.out, steps: s.steps, epochs: s.epochs, stopped_by: s.stoppedBy, elapsed_seconds: +s.elapsed.toFixed(2), skipped: s.skipped, best: best && { loss: best.loss, accuracy: best.accuracy } });
  } else {
    process.stdout.write(`trained ${s.steps} steps (${howStopped(s)}) in ${fmtTime(s.elapsed)} · ${fmtRate(s.tokensPerSec)} documents/s\n`);
    if (best) process.stdout.write(`best validation: accuracy ${(best.accuracy! * 100).toFixed(2)} % · loss ${best.loss.toFixed(4)}\n`);
    process.stdout.write(savedLine(run.out, run.hasValidation, ['metrics.jsonl']));
  }
  signal.finish(s);
}

export async function classifyEvalAction(o: Record<string, any>, cmd: Command): Promise<void> {
  if (!o.model) throw new RnnlabError('classify eval needs --model DIR|FILE');
  if (!o.data) throw new RnnlabError('classify eval needs --data FILE');
  const { backend } = await pickModelBackend(o);
  const m = requireClassifier(loadCheckpoint(o.model, backend), o.model);
  const scheme = schemeOf(m, o.model);
  const given = typedRunOptions(o, cmd, CLASSIFY_TABLE) as ClassifyOptions;
  refuseSourceConflicts(o.data, given.format, givenKeys(given));
  const source = sourceOf({ ...given, data: o.data });
  const trained = preprocessingOf(m);
  const raw = await readLabeled(o.data, source, m.tokenizer, given.maxDocs ?? 0, given.clean ?? trained.clean);
  const maxLen = trained.maxLen;
  const enc = encodeLabeled(raw.docs, m.vocab, scheme, maxLen, o.data);
  const yTrue: number[] = [], yPred: number[] = [];
  const r = drain(classifierEvaluation(m.model, enc.docs, o.batch, m.vocab.pad, (b, logits) => {
    const C = scheme.names.length;
    for (let i = 0; i < b.B; i++) {
      let best = 0;
      for (let c = 1; c < C; c++) if (logits[i * C + c] > logits[i * C + best]) best = c;
      yTrue.push(b.labels[i]);
      yPred.push(best);
    }
  }));
  const report = classificationReport(yTrue, yPred, scheme.names, { loss: r.loss });
  const modelDir = existsSync(o.model) && statSync(o.model).isDirectory() ? o.model : dirname(o.model);
  const prefix: string = o.out ?? join(modelDir, `eval-${basename(o.data).replace(/\.(csv|jsonl?|tsv)(\.gz)?$/i, '')}`);
  const files = [`${prefix}.classification_report.csv`, `${prefix}.confusion_matrix.csv`, `${prefix}.confusion_matrix.svg`];
  writeFileAtomic(files[0], classificationReportCsv(report));
  writeFileAtomic(files[1], confusionMatrixCsv(report));
  writeFileAtomic(files[2], await renderConfusionSvg(report, { title: `${basename(o.data)}` }));
  if (o.json) {
    printJson({ model: o.model, data: o.data, documents: report.examples, accuracy: report.accuracy, loss: r.loss, macro_f1: report.macro.f1, weighted_f1: report.weighted.f1,
      classes: report.classes, confusion: report.confusion, cut: enc.cut, oov: enc.oov, files });
    return;
  }
  process.stdout.write(`accuracy ${(report.accuracy * 100).toFixed(2)} % · loss ${r.loss.toFixed(4)} · macro-F1 ${report.macro.f1.toFixed(4)} over ${report.examples.toLocaleString('en-US')} documents\n\n`);
  process.stdout.write(formatClassificationReport(report, { digits: 3 }) + '\n\n');
  process.stdout.write(formatConfusionMatrix(report) + '\n\n');
  process.stdout.write(`saved ${files.join(', ')}\n`);
}

export async function classifyPredictAction(o: Record<string, any>): Promise<void> {
  if (!o.model) throw new RnnlabError('classify predict needs --model DIR|FILE');
  const { backend } = await pickModelBackend(o);
  const classifier = new TextClassifier(loadCheckpoint(o.model, backend), o.model);
  const show = (r: Prediction) => {
    if (o.json) process.stdout.write(JSON.stringify({ text: r.text, label: r.label, probabilities: r.probabilities }) + '\n');
    else process.stdout.write(`${r.label}\t${r.ranked.slice(0, o.top).map((c) => `${c.label} ${(c.p * 100).toFixed(1)} %`).join(' · ')}\n`);
  };
  const predictOne = (text: string) => classifier.predict(text);
  if (o.text !== undefined) {
    show(predictOne(o.text));
    return;
  }
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    if (!line.trim()) continue;
    n++;
    show(predictOne(line));
  }
  if (n === 0) throw new RnnlabError('classify predict read no text: give --text "…" or lines on stdin');
}

