import { RnnlabError } from '../errors.js';
/** `rnnlab eval`: perplexity and bits per token of a model on a text file. */
import { Command } from 'commander';
import { evaluateDocs, evaluateStream } from '../eval/perplexity.js';
import { loadLanguageModel } from '../train/checkpoint.js';
import { prepareCorpus } from '../train/corpus.js';
import { backendOptions, pickBackend, readSourceOptions, sourceOptions } from './common.js';
import { int, oneOf } from './parse.js';
import { printJson } from './run.js';

export function evalCommand(): Command {
  const c = new Command('eval').description('perplexity and bits per token of a model on a text file');
  c.option('--model <path>', 'a run directory (its model.safetensors) or a .safetensors file')
    .option('--data <file>', 'text to score (same formats as train)')
    .option('--batching <mode>', 'stream (one token stream, state carried) or pad (documents, [PAD] masked); default: how the model was trained', oneOf('stream', 'pad'))
    .option('--batch <n>', 'rows scored in parallel (stream: the text is cut into this many rows, each starting from an empty state)', int(1, 100000), 16)
    .option('--seq <n>', 'stream: window length (the state is carried across windows)', int(1, 1_000_000), 256)
    .option('--strict-vocab', 'fail on tokens outside the vocabulary instead of mapping them to [UNK] (char models: dropping them)', false)
    .option('--json', 'machine-readable output', false);
  sourceOptions(c);
  backendOptions(c);
  return c;
}

export async function evalAction(o: Record<string, any>): Promise<void> {
  if (!o.model) throw new RnnlabError('eval needs --model DIR|FILE');
  if (!o.data) throw new RnnlabError('eval needs --data FILE');
  const { backend } = await pickBackend(o);
  const m = loadLanguageModel(o.model, backend);
  const level = m.tokenizer.kind === 'char' ? 'char' : m.tokenizer.kind === 'bpe' ? 'bpe' : 'word';
  const batching = (o.batching ?? (m.documents ? 'pad' : 'stream')) as 'stream' | 'pad';
  const corpus = await prepareCorpus(o.data, {
    level, lowercase: m.tokenizer.settings.lowercase, bpeMerges: 0, minFreq: 1, maxVocab: 0, batching,
    valFraction: 0, seed: 0, source: readSourceOptions(o), maxDocs: o.maxDocs, strictVocab: o.strictVocab,
  }, { tokenizer: m.tokenizer, vocab: m.vocab });
  const r = corpus.data.kind === 'stream'
    ? evaluateStream(m.model, corpus.data.train, o.batch, o.seq)
    : evaluateDocs(m.model, corpus.data.train, o.batch, m.vocab.pad);
  const oovRate = corpus.tokens + corpus.oov > 0 ? corpus.oov / (corpus.tokens + (corpus.unknown.length ? corpus.oov : 0)) : 0;
  const unit = level === 'char' ? 'char' : 'token';
  if (o.json) {
    printJson({
      model: o.model, data: o.data, level, perplexity: r.perplexity, bits_per_token: r.bitsPerToken, loss: r.loss,
      nll: r.nll, tokens: r.tokens, oov: corpus.oov, oov_rate: oovRate, dropped_tokens: corpus.unknown, backend: backend.name,
    });
    return;
  }
  process.stdout.write(`perplexity ${r.perplexity.toFixed(4)}\nbits per ${unit} ${r.bitsPerToken.toFixed(4)}\n${unit}s ${r.tokens}\n`);
  if (corpus.oov > 0) {
    const what = corpus.unknown.length
      ? `dropped ${corpus.oov} characters outside the vocabulary (${corpus.unknown.slice(0, 10).map((t) => JSON.stringify(t)).join(', ')})`
      : `${corpus.oov} tokens (${(100 * oovRate).toFixed(2)}%) were outside the vocabulary and scored as [UNK]`;
    process.stdout.write(`oov ${what}\n`);
  }
}
