/**
 * `rnnlab train`: parse the flags, hand them to the library's TrainingRun, show progress, and
 * stop cleanly on Ctrl-C (finish the step, save last.safetensors, print how to resume).
 */
import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { TrainingRun } from '../run/session.js';
import type { RunOptions } from '../run/config.js';
import { backendOptions, pickRunBackend } from './common.js';
import { printJson } from './run.js';
import { fmtRate, fmtTime, progressSink } from './progress.js';
import { addRunOptions, typedRunOptions } from './run-options.js';
import { handleSignals, quitOnSignal } from './signals.js';
import { loadProgress } from './work-progress.js';
import { modelSummary } from '../nn/summary.js';
import type { TrainSummary } from '../train/loop.js';

export function trainCommand(): Command {
  const c = new Command('train').description('train a language model on a text file (or continue one with --out DIR --resume)');
  addRunOptions(c);
  c.option('--resume', 'continue the run in --out from its last.safetensors, exactly (its settings come from the run)', false)
    .option('--json', 'print the summary as JSON on stdout', false)
    .option('--quiet', 'no progress output', false);
  backendOptions(c);
  return c;
}

export async function trainAction(o: Record<string, any>, cmd: Command): Promise<void> {
  const given = typedRunOptions(o, cmd) as RunOptions;
  const { backend } = await pickRunBackend(o);
  const loading = loadProgress(!!o.quiet);
  let run: TrainingRun;
  const early = quitOnSignal('stopped before training began; nothing was trained');
  try {
    run = await TrainingRun.create(given, { resume: o.resume, backend, loadProgress: loading.report });
  } finally {
    loading.stop();
    early.remove();
  }
  const { corpus, config } = run;
  const quiet = !!o.quiet;
  if (!quiet) {
    process.stderr.write(`data: ${config.data} · ${corpus.stats.documents.toLocaleString('en-US')} document(s), ${corpus.stats.characters.toLocaleString('en-US')} characters → ${corpus.tokens.toLocaleString('en-US')} ${config.level} tokens, vocabulary ${corpus.vocab.size}\n`);
    if (run.embeddings) process.stderr.write(run.embeddings.report + '\n');
    process.stderr.write(`backend: ${backend.describe()}\n`);
    process.stderr.write(modelSummary(run.model.modules(), run.model.params()) + '\n');
  }
  const progress = progressSink(config.level, quiet, corpus.vocab.size);

  const signal = handleSignals(run, progress, run.out);
  let summary;
  try {
    summary = await run.run([progress]);
  } finally {
    progress.stop();
    signal.remove();
  }
  const s = summary;
  const res = s.best ?? s.last;
  const unit = config.level === 'char' ? 'char' : 'token';
  if (o.json) {
    printJson({
      out: run.out, steps: s.steps, epochs: s.epochs, stopped_by: s.stoppedBy, elapsed_seconds: +s.elapsed.toFixed(2), tokens_per_sec: Math.round(s.tokensPerSec), skipped: s.skipped,
      best: s.best && { loss: s.best.loss, perplexity: s.best.perplexity, bits_per_token: s.best.bitsPerToken, tokens: s.best.tokens },
      ...(s.test ? { test: { loss: s.test.loss, perplexity: s.test.perplexity, bits_per_token: s.test.bitsPerToken, tokens: s.test.tokens, oov: run.test!.oov } } : {}),
    });
  } else {
    process.stdout.write(`trained ${s.steps} steps (${howStopped(s)}) in ${fmtTime(s.elapsed)} · ${fmtRate(s.tokensPerSec)} tok/s\n`);
    if (res) process.stdout.write(`best validation: perplexity ${res.perplexity.toFixed(3)} · ${res.bitsPerToken.toFixed(4)} bits/${unit} · loss ${res.loss.toFixed(4)} nats\n`);
    if (s.test) {
      const oov = run.test!.oov;
      process.stdout.write(`test (${basename(config.testData!)}, best weights): perplexity ${s.test.perplexity.toFixed(3)} · ${s.test.bitsPerToken.toFixed(4)} bits/${unit} · loss ${s.test.loss.toFixed(4)} nats over ${s.test.tokens.toLocaleString('en-US')} predicted tokens${oov ? ` (${oov.toLocaleString('en-US')} out of vocabulary)` : ''}\n`);
    }
    process.stdout.write(savedLine(run.out, run.hasValidation, ['metrics.jsonl', 'config.json']));
  }
  signal.finish(s);
}


/** "2 epochs", "stopped by max-steps", and the batches skipped for non-finite numbers. */
export function howStopped(s: TrainSummary): string {
  const how = s.stoppedBy === 'epochs' ? `${s.epochs} epoch${s.epochs === 1 ? '' : 's'}` : `stopped by ${s.stoppedBy}`;
  return s.skipped > 0 ? `${how}; ${s.skipped} batch${s.skipped === 1 ? '' : 'es'} skipped for a non-finite loss or gradient` : how;
}

/** What the run directory holds, and what model.safetensors is: the best validation, or without validation data the latest weights. */
export function savedLine(out: string, validated: boolean, others: readonly string[]): string {
  const model = validated ? ' (best validation)' : ' (the latest weights: no validation data, so no best)';
  const files = [['model.safetensors', model], ['last.safetensors', ' (resume)'], ...others.map((f) => [f, ''])]
    .filter(([f]) => existsSync(join(out, f))).map(([f, what]) => join(out, f) + what);
  return `saved ${files.join(', ')}\n`;
}
