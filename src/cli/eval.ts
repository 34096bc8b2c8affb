/**
 * `rnnlab eval`: perplexity and bits per token of a model on one or more text files; per file
 * also the tokens outside the vocabulary, and on request the untrained baseline and the
 * notebook figure. One file prints lines (and a JSON object); several print a table (and a
 * JSON array of those objects).
 */
import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { RnnlabError } from '../errors.js';
import { formatCorpusLines, formatCorpusTable, oovWarning, type CorpusReport } from '../eval/corpus-format.js';
import { EVAL_MIN_ROW, outOfVocabulary, scoreCorpus, type CorpusScore } from '../eval/score-corpus.js';
import { untrainedTwin } from '../eval/untrained.js';
import { runSeed } from '../run/run-seed.js';
import { loadLanguageModel } from '../train/checkpoint.js';
import { levelOf } from '../text/tokenizers/tokenizer.js';
import { prepareCorpus } from '../train/corpus.js';
import { backendOptions, pickModelBackend, precisionOption, readSourceOptions, sourceOptions } from './common.js';
import { int, oneOf } from './parse.js';
import { printJson } from './run.js';
import { EVAL_PROGRESS_TOKENS, loadProgress, workProgress } from './work-progress.js';
import { basename } from 'node:path';

export function evalCommand(): Command {
  const c = new Command('eval').description('perplexity and bits per token of a model on one or more text files');
  c.option('--model <path>', 'a run directory (its model.safetensors) or a .safetensors file')
    .option('--data <files>', 'text to score (same formats as train); several files comma-separated: a.txt,b.txt')
    .option('--batching <mode>', 'stream (one token stream, state carried) or pad (documents, [PAD] masked); default: how the model was trained', oneOf('stream', 'pad'))
    .option('--batch <n>', 'rows scored in parallel (stream: the text is cut into this many rows, each starting from an empty state; at most as many as hold 32 tokens each)', int(1, 100000), 16)
    .option('--seq <n>', 'stream: window length (the state is carried across windows)', int(1, 1_000_000), 256)
    .option('--untrained', 'also score each file with the same architecture freshly initialised with the run\'s seed (≈ vocabulary-size perplexity)', false)
    .option('--metric <name>', 'notebook: also the course notebooks\' figure, the mean over documents of 2^(nats per token) — not a perplexity', oneOf('notebook'))
    .option('--strict-vocab', 'fail on tokens outside the vocabulary instead of mapping them to [UNK] (char models: dropping them)', false)
    .option('--json', 'machine-readable output: an object for one file, an array of them for several', false);
  sourceOptions(c);
  precisionOption(c);
  backendOptions(c);
  return c;
}

/** `a.txt,b.txt` → the files; a path that exists as typed is one file, commas and all. */
function dataFiles(data: string): string[] {
  if (existsSync(data)) return [data];
  const files = data.split(',').map((f) => f.trim());
  if (files.some((f) => f.length === 0)) throw new RnnlabError(`--data ${JSON.stringify(data)} names an empty file (files are separated by single commas)`);
  return files;
}

export async function evalAction(o: Record<string, any>, cmd?: Command): Promise<void> {
  if (!o.model) throw new RnnlabError('eval needs --model DIR|FILE');
  if (!o.data) throw new RnnlabError('eval needs --data FILE[,FILE…]');
  const files = dataFiles(o.data);
  const { backend } = await pickModelBackend(o);
  const m = loadLanguageModel(o.model, backend);
  const level = levelOf(m.tokenizer.kind);
  const unit = level === 'char' ? 'char' : 'token';
  const batching = (o.batching ?? (m.documents ? 'pad' : 'stream')) as 'stream' | 'pad';
  const seed = runSeed(o.model, m);
  const baseline = o.untrained ? untrainedTwin(m.model, seed) : null;
  const how = { batch: o.batch as number, seq: o.seq as number, notebook: o.metric === 'notebook' };
  const reports: CorpusReport[] = [];
  for (const file of files) {
    // A large file shows how far reading and scoring have got (on stderr: --json output stays clean).
    const loading = loadProgress(false);
    let corpus;
    try {
      corpus = await prepareCorpus(file, {
        level, lowercase: m.tokenizer.settings.lowercase, bpeMerges: 0, minFreq: 1, maxVocab: 0, batching,
        valFraction: 0, seed: 0, source: readSourceOptions(o), maxDocs: o.maxDocs, strictVocab: o.strictVocab, progress: loading.report,
      }, { tokenizer: m.tokenizer, vocab: m.vocab });
    } finally {
      loading.stop();
    }
    const long = corpus.tokens >= EVAL_PROGRESS_TOKENS;
    const score = (model: typeof m.model, what: string): CorpusScore => {
      const bar = workProgress(`scoring ${basename(file)}${what}`, !long);
      try {
        return scoreCorpus(model, corpus, { ...how, progress: (done, total) => bar.update(done, total, `batch ${done} of ${total}`) });
      } finally {
        bar.stop();
      }
    };
    const main = score(m.model, '');
    // a --batch the text cannot fill is capped (streamRows); say so when it was asked for
    if (main.rows !== undefined && main.rows < how.batch && cmd?.getOptionValueSource('batch') === 'cli') {
      const tokens = corpus.data.train.length as number;
      const rows = `${main.rows} row${main.rows === 1 ? '' : 's'}`;
      process.stderr.write(`note: ${file}: ${tokens.toLocaleString('en-US')} tokens fill only ${rows} of at least ${EVAL_MIN_ROW} tokens: scored in ${rows}, not --batch ${how.batch} (every row starts from an empty state, so shorter rows would score worse)\n`);
    }
    reports.push({
      name: file, score: main, oov: outOfVocabulary(corpus),
      ...(baseline ? { untrained: score(baseline, ' (untrained)') } : {}),
    });
  }
  for (const r of reports) {
    const warning = oovWarning(r.name, r.oov, unit);
    if (warning) process.stderr.write(warning + '\n');
  }
  if (o.json) {
    const entries = reports.map((r) => ({
      model: o.model, data: r.name, level, ...figures(r.score),
      oov: r.oov.count, oov_rate: r.oov.rate,
      // a char vocabulary has no [UNK]: its unknown characters are skipped, not scored
      skipped: r.oov.dropped ? r.oov.count : 0, skipped_rate: r.oov.dropped ? r.oov.rate : 0, dropped_tokens: r.oov.dropped ? r.oov.distinct : [], unseen: r.oov.distinct,
      ...(r.untrained ? { untrained: { ...figures(r.untrained), seed } } : {}),
      backend: backend.name,
    }));
    printJson(entries.length === 1 ? entries[0] : entries);
    return;
  }
  process.stdout.write(reports.length === 1 ? formatCorpusLines(reports[0], unit, seed) : formatCorpusTable(reports, unit, seed));
}

/** A score's numbers under their JSON names. */
function figures(s: CorpusScore): Record<string, number> {
  return {
    perplexity: s.perplexity, bits_per_token: s.bitsPerToken, loss: s.loss, nll: s.nll, tokens: s.tokens, ...(s.rows !== undefined ? { rows: s.rows } : {}),
    ...(s.notebook ? { notebook_perplexity: s.notebook.perplexity, notebook_documents: s.notebook.documents } : {}),
  };
}
