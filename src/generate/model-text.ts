/**
 * Text in and out of a trained language model, as `rnnlab sample` does it: the prime through
 * the model's own tokenizer, generated tokens back to readable text, and the special tokens
 * that are never generated. Shared by sampling, the strategy comparison and run reports.
 */
import { RnnlabError } from '../errors.js';
import type { LoadedModel } from '../train/checkpoint-format.js';
import type { Vocab } from '../text/vocab.js';
import { prettify } from './prettify.js';

/** Prime text → ids with the model's tokenizer; characters a char model never saw are an error. */
export function encodePrime(m: LoadedModel, prime: string | undefined, strict: boolean): { ids: Int32Array; tokens: string[] } {
  const { tokenizer, vocab } = m;
  const lead = m.documents ? ['[SOS]'] : [];
  let tokens = prime === undefined || prime === '' ? [] : tokenizer.tokenize(prime);
  if (tokens.length === 0 && lead.length === 0) {
    if (vocab.has('\n')) tokens = ['\n'];
    else if (vocab.eos >= 0) tokens = ['[EOS]']; // a word stream separates documents with [EOS]
    else throw new RnnlabError('--prime is required for this model (no [SOS], [EOS] or newline to start from)');
  }
  const missing = [...new Set(tokens.filter((t) => !vocab.has(t)))];
  if (missing.length && (strict || vocab.unk < 0)) {
    const what = tokenizer.kind === 'char' ? 'characters' : 'tokens';
    throw new RnnlabError(`the prime holds ${what} outside the model's vocabulary: ${missing.slice(0, 10).map((t) => JSON.stringify(t)).join(', ')}${missing.length > 10 ? ` and ${missing.length - 10} more` : ''}`);
  }
  const all = [...lead, ...tokens];
  return { ids: vocab.encode(all, 'unk').ids, tokens: all };
}

/** Tokens → text: characters joined, BPE detokenized, words prettified (raw: space-separated). */
export function renderTokens(m: LoadedModel, tokens: string[], raw: boolean): string {
  const k = m.tokenizer.kind;
  if (raw) return k === 'char' ? tokens.join('') : tokens.filter((t) => t !== '[SOS]').join(' ');
  if (k === 'char') return tokens.join('');
  if (k === 'bpe') return m.tokenizer.detokenize(tokens.filter((t) => !/^\[(PAD|SOS|EOS)\]$/.test(t)));
  // a stream model's prime starts with [EOS] (a document boundary), which is not text
  let i = 0;
  while (i < tokens.length && (tokens[i] === '[EOS]' || tokens[i] === '[SOS]')) i++;
  const body = tokens.slice(i);
  // already-tokenized corpora: tokens as they are, [EOS] as the line break it was read from
  if (k === 'whitespace') return m.tokenizer.detokenize(body.filter((t) => t !== '[SOS]' && t !== '[PAD]'));
  return prettify(body);
}

/** [PAD], [SOS] and [UNK] are never generated: they say nothing a reader could use. */
export function bannedIds(vocab: Vocab): number[] {
  return [vocab.pad, vocab.sos, vocab.unk].filter((id) => id >= 0);
}
