/**
 * Text in and out of a trained language model, as `rnnlab sample` does it: the prime through
 * the model's own tokenizer, generated tokens back to readable text, and the special tokens
 * that are never generated. Shared by sampling, the strategy comparison and run reports.
 */
import { RnnlabError } from '../errors.js';
import type { LoadedModel } from '../train/checkpoint-format.js';
import type { Vocab } from '../text/vocab.js';
import { Prettifier } from './prettify.js';

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

/**
 * Tokens → text: characters joined, BPE detokenized, words prettified (raw: space-separated),
 * already-tokenized (whitespace) corpora as read, `[EOS]` as the line break it was read from.
 * Special tokens are never text: `[SOS]` and `[PAD]` are dropped, and so is the `[EOS]` a
 * stream model's prime starts with (a document boundary); `[UNK]` (an unknown prime word)
 * shows as the corpus's unknown-word token, `<unk>` by default (raw: as it is). Exactly the concatenation of what
 * a `TextStream` prints, so `--stream` and the final text agree.
 */
export function renderTokens(m: LoadedModel, tokens: string[], raw: boolean): string {
  const s = new TextStream(m, raw);
  let out = '';
  for (const t of tokens) out += s.push(t);
  return out + s.end();
}

const NOT_TEXT = new Set(['[SOS]', '[PAD]']);

/**
 * The text of a model's tokens, a token at a time: `push` returns the text that became final
 * (nothing later changes it), `end` the rest. Word models' prettified text runs a few tokens
 * behind (spacing depends on what follows); every other kind appends as it goes.
 */
export class TextStream {
  private readonly kind: string;
  private readonly pretty: Prettifier | null;
  /** False until the first token that is text (leading [SOS]/[EOS] are not). */
  private started = false;
  private last = '';

  constructor(private readonly m: LoadedModel, private readonly raw: boolean) {
    this.kind = m.tokenizer.kind;
    this.pretty = !raw && this.kind !== 'char' && this.kind !== 'bpe' && this.kind !== 'whitespace' ? new Prettifier() : null;
  }

  push(token: string): string {
    if (NOT_TEXT.has(token) || (token === '[EOS]' && !this.started)) return '';
    this.started = true;
    if (this.kind === 'char') return token === '[EOS]' || token === '[UNK]' ? '' : token;
    if (this.pretty) return this.pretty.push(token);
    let piece: string;
    // raw: tokens as they are, but an [EOS] inside the text is the line break it stands for
    if (this.raw) piece = token === '[EOS]' ? '\n' : (this.last === '' || this.last.endsWith('\n') ? '' : ' ') + token;
    else if (this.kind === 'bpe') piece = token === '[EOS]' ? '' : token === '[UNK]' ? '<unk>' : this.m.tokenizer.detokenize([token]);
    // the whitespace tokenizer's detokenize, one token at a time
    else if (token === '[EOS]') piece = '\n';
    else piece = (this.last === '' || this.last.endsWith('\n') ? '' : ' ') + this.m.tokenizer.detokenize([token]);
    if (piece !== '') this.last = piece;
    return piece;
  }

  end(): string {
    return this.pretty ? this.pretty.end() : '';
  }
}

/** A --ban text → token ids with the model's tokenizer; tokens outside the vocabulary are an error. */
export function encodeText(m: LoadedModel, text: string, flag = '--ban'): number[] {
  const tokens = m.tokenizer.tokenize(text);
  if (tokens.length === 0) throw new RnnlabError(`${flag} ${JSON.stringify(text)} holds no token`);
  const missing = [...new Set(tokens.filter((t) => !m.vocab.has(t)))];
  if (missing.length > 0) {
    throw new RnnlabError(`${flag} ${JSON.stringify(text)} holds ${m.tokenizer.kind === 'char' ? 'characters' : 'tokens'} outside the model's vocabulary (${missing.slice(0, 5).map((t) => JSON.stringify(t)).join(', ')}), which it never generates`);
  }
  return Array.from(m.vocab.encode(tokens, 'error').ids);
}

/** [PAD], [SOS] and [UNK] are never generated: they say nothing a reader could use. */
export function bannedIds(vocab: Vocab): number[] {
  return [vocab.pad, vocab.sos, vocab.unk].filter((id) => id >= 0);
}
