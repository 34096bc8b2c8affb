/** `rnnlab train`: build a corpus, train a language model, keep best/last checkpoints. */
import { Command } from 'commander';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { RnnlabError } from '../errors.js';
import type { ModelConfig } from '../nn/config.js';
import { LanguageModel } from '../nn/language-model.js';
import { loadCheckpoint } from '../train/checkpoint.js';
import { StreamBatcher } from '../text/batching/stream.js';
import { prepareCorpus, type CorpusOptions } from '../train/corpus.js';
import { LmTrainer, type TrainOptions, type TrainSummary } from '../train/lm-trainer.js';
import { detectFormat } from '../text/sources/index.js';
import { backendOptions, pickBackend, readSourceOptions, sourceOptions } from './common.js';
import { int, num, oneOf } from './parse.js';
import { printJson } from './run.js';
import { fmtRate, fmtTime, progressEvents } from './progress.js';

export function modelOptions(c: Command): Command {
  return c
    .option('--level <level>', 'token level: char, word or bpe', oneOf('char', 'word', 'bpe'), 'char')
    .option('--tokenizer <name>', 'word level: word (razdel-like rules) or wordpunct', oneOf('char', 'word', 'wordpunct', 'bpe'))
    .option('--lowercase', 'lower-case the text first', false)
    .option('--bpe-merges <n>', 'bpe level: merges learned from the training text', int(1, 1_000_000), 2000)
    .option('--min-freq <n>', 'word/bpe vocabulary: drop tokens seen fewer times', int(1), 1)
    .option('--max-vocab <n>', 'vocabulary size limit, specials included (0: none)', int(0), 0)
    .option('--batching <mode>', 'stream (TBPTT over one token stream), pad (documents padded per batch) or bucket (similar lengths together)', oneOf('stream', 'pad', 'bucket'))
    .option('--max-len <n>', 'pad/bucket: longest document in tokens (0: no limit)', int(0), 0)
    .option('--overflow <how>', 'pad/bucket: documents over --max-len are split or cut', oneOf('split', 'cut'), 'split')
    .option('--cell <cell>', 'recurrent cell: lstm, gru or rnn', oneOf('lstm', 'gru', 'rnn'), 'lstm')
    .option('--activation <f>', 'rnn cell nonlinearity: tanh or relu', oneOf('tanh', 'relu'), 'tanh')
    .option('--layers <n>', 'recurrent layers', int(1, 64), 2)
    .option('--hidden <n>', 'hidden units per layer', int(1, 65536), 256)
    .option('--embed <n>', 'embedding width (0: one-hot input)', int(0, 65536), 64)
    .option('--dropout <f>', 'dropout between layers and before the decoder', num(0, 0.99), 0)
    .option('--tie-weights', 'share the embedding and decoder weights (needs --embed = --hidden)', false)
    .option('--init <scheme>', 'pytorch (default init) or xavier-orthogonal', oneOf('pytorch', 'xavier-orthogonal'), 'pytorch');
}

export function trainingOptions(c: Command): Command {
  return c
    .option('--batch <n>', 'sequences per batch', int(1, 1_000_000), 32)
    .option('--seq <n>', 'stream batching: timesteps per window (truncated BPTT length)', int(1, 1_000_000), 64)
    .option('--epochs <n>', 'passes over the training data', int(1, 1_000_000), 10)
    .option('--max-steps <n>', 'stop after this many optimizer steps in total (0: none)', int(0), 0)
    .option('--max-time <seconds>', 'stop after this much training time (0: none)', num(0, Infinity), 0)
    .option('--lr <f>', 'learning rate', num(0, Infinity, true), 2e-3)
    .option('--optimizer <name>', 'adam or sgd', oneOf('adam', 'sgd'), 'adam')
    .option('--momentum <f>', 'sgd momentum', num(0, 0.9999), 0)
    .option('--weight-decay <f>', 'L2 penalty added to the gradient', num(0, Infinity), 0)
    .option('--clip <f>', 'global gradient-norm limit (0: off)', num(0, Infinity), 1)
    .option('--lr-decay <f>', 'multiply the learning rate by this after an epoch without validation improvement', num(0, 1, true), 1)
    .option('--patience <n>', 'stop after this many epochs without validation improvement (0: never)', int(0), 0)
    .option('--seed <n>', 'random seed (weights, dropout, splits, shuffling)', int(0, 2 ** 32 - 1), 42)
    .option('--val-fraction <f>', 'held-out share for validation (stream: the tail; documents: a seeded split)', num(0, 0.9), 0.1);
}

export interface TrainRun {
  out: string;
  summary: TrainSummary;
  model: LanguageModel;
}

/** Shared by `train` and `demo`. */
export async function runTraining(o: Record<string, any>, opts: { quiet?: boolean; allowExistingOut?: boolean } = {}): Promise<TrainRun> {
  const level = o.level as 'char' | 'word' | 'bpe';
  // Default: a plain-text file is one stream (TBPTT); records (JSON, CSV) are documents, padded per batch.
  const fmt = o.format && o.format !== 'auto' ? o.format : detectFormat(o.data);
  const batching = (o.batching ?? (level === 'char' || fmt === 'text' ? 'stream' : 'pad')) as 'stream' | 'pad' | 'bucket';
  const out: string = o.out ?? join('runs', `${level}-${o.cell}-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-')}`);
  if (!o.resume && !opts.allowExistingOut && existsSync(out) && readdirSync(out).some((f) => f.endsWith('.safetensors'))) {
    throw new RnnlabError(`${out} already holds a model: use --resume to continue it, or choose another --out`);
  }
  if (o.resume && !existsSync(join(out, 'last.safetensors'))) {
    throw new RnnlabError(`cannot resume: ${join(out, 'last.safetensors')} does not exist`);
  }
  const { backend } = await pickBackend(o);
  const resumed = o.resume ? loadCheckpoint(join(out, 'last.safetensors'), backend) : undefined;
  const trainOpts: TrainOptions = {
    batch: o.batch, seq: o.seq, epochs: o.epochs, maxSteps: o.maxSteps, maxSeconds: o.maxTime, lr: o.lr,
    optimizer: o.optimizer, momentum: o.momentum, weightDecay: o.weightDecay, clip: o.clip, seed: o.seed,
    batching, maxLen: o.maxLen, overflow: o.overflow, lrDecay: o.lrDecay, patience: o.patience,
  };
  if (resumed) {
    // A resumed run continues the original recipe; only the budget may change.
    const cfg = resumed.model.config as unknown as Record<string, unknown>;
    for (const k of ['cell', 'activation', 'layers', 'hidden', 'embed', 'dropout', 'tieWeights', 'init']) {
      if (o.__explicit?.has(k) && cfg[k] !== o[k]) {
        throw new RnnlabError(`cannot change --${k.replace(/[A-Z]/g, (m) => '-' + m.toLowerCase())} when resuming (the run used ${String(cfg[k])})`);
      }
    }
    const was = resumed.trainState!.options as unknown as TrainOptions;
    for (const k of Object.keys(trainOpts) as (keyof TrainOptions)[]) {
      // The budget may change. An omitted --epochs keeps the run's own (not the default of 10);
      // an omitted --max-steps/--max-time means no limit: resuming continues to the planned end.
      if (k === 'maxSteps' || k === 'maxSeconds') continue;
      if (k === 'epochs' && o.__explicit?.has(k)) continue;
      if (k !== 'epochs' && o.__explicit?.has(k) && was[k] !== trainOpts[k]) {
        throw new RnnlabError(`cannot change --${k.replace(/[A-Z]/g, (m) => '-' + m.toLowerCase())} when resuming (the run used ${String(was[k])})`);
      }
      (trainOpts as unknown as Record<string, unknown>)[k] = was[k];
    }
  }
  const corpusOpts: CorpusOptions = {
    level, tokenizer: o.tokenizer, lowercase: o.lowercase, bpeMerges: o.bpeMerges, minFreq: o.minFreq, maxVocab: o.maxVocab,
    batching: trainOpts.batching, valFraction: o.valFraction, seed: o.seed, source: readSourceOptions(o), maxDocs: o.maxDocs,
  };
  const corpus = await prepareCorpus(o.data, corpusOpts, resumed ? { tokenizer: resumed.tokenizer, vocab: resumed.vocab } : undefined);
  const config: ModelConfig = resumed ? resumed.model.config : {
    vocabSize: corpus.vocab.size, cell: o.cell, activation: o.activation, layers: o.layers, hidden: o.hidden,
    embed: o.embed, dropout: o.dropout, tieWeights: o.tieWeights, init: o.init,
  };
  // Settings that cannot work fail here, as one error line, before any progress output or --out.
  const model = resumed ? resumed.model : new LanguageModel(backend, config);
  if (corpus.data.kind === 'stream') new StreamBatcher(corpus.data.train, trainOpts.batch, trainOpts.seq);
  const quiet = !!opts.quiet;
  if (!quiet) {
    process.stderr.write(`data: ${o.data} · ${corpus.stats.documents.toLocaleString('en-US')} document(s), ${corpus.stats.characters.toLocaleString('en-US')} characters → ${corpus.tokens.toLocaleString('en-US')} ${level} tokens, vocabulary ${corpus.vocab.size}\n`);
    process.stderr.write(`backend: ${backend.describe()}\n`);
  }
  const events = progressEvents(level, quiet, corpus.vocab.size);
  const trainer = new LmTrainer(backend, model, corpus.vocab, corpus.tokenizer, corpus.data, trainOpts, out, events, resumed);
  const onSig = () => trainer.requestStop();
  process.once('SIGINT', onSig);
  let summary: TrainSummary;
  try {
    summary = await trainer.run();
  } finally {
    events.stop();
    process.removeListener('SIGINT', onSig);
  }
  return { out, summary, model };
}

export function trainCommand(): Command {
  const c = new Command('train').description('train a language model on a text file');
  c.option('--data <file>', '(required) training text: plain text, JSON, JSON Lines or CSV (optionally .gz)')
    .option('--out <dir>', 'where model.safetensors, last.safetensors and metrics.jsonl go (default runs/<level>-<cell>-<time>)')
    .option('--resume', 'continue the run in --out from last.safetensors, exactly', false)
    .option('--json', 'print the summary as JSON on stdout', false)
    .option('--quiet', 'no progress output', false);
  sourceOptions(c);
  modelOptions(c);
  trainingOptions(c);
  backendOptions(c);
  return c;
}

export async function trainAction(o: Record<string, any>, cmd: Command): Promise<void> {
  if (!o.data) throw new RnnlabError('train needs --data FILE (the text to learn from)');
  o.__explicit = new Set(Object.keys(o).filter((k) => cmd.getOptionValueSource(k) === 'cli'));
  const r = await runTraining(o, { quiet: o.quiet });
  const s = r.summary;
  const level = o.level as string;
  const res = s.best ?? s.last;
  if (o.json) {
    printJson({ out: r.out, steps: s.steps, epochs: s.epochs, stopped_by: s.stoppedBy, elapsed_seconds: +s.elapsed.toFixed(2), tokens_per_sec: Math.round(s.tokensPerSec),
      best: s.best && { loss: s.best.loss, perplexity: s.best.perplexity, bits_per_token: s.best.bitsPerToken, tokens: s.best.tokens } });
    return;
  }
  process.stdout.write(`trained ${s.steps} steps (${s.stoppedBy === 'epochs' ? `${s.epochs} epochs` : `stopped by ${s.stoppedBy}`}) in ${fmtTime(s.elapsed)} · ${fmtRate(s.tokensPerSec)} tok/s\n`);
  if (res) process.stdout.write(`best validation: perplexity ${res.perplexity.toFixed(3)} · ${res.bitsPerToken.toFixed(4)} bits/${level === 'char' ? 'char' : 'token'} · loss ${res.loss.toFixed(4)} nats\n`);
  process.stdout.write(`saved ${join(r.out, 'model.safetensors')} (best), ${join(r.out, 'last.safetensors')} (resume), ${join(r.out, 'metrics.jsonl')}\n`);
}
