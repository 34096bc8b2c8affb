import { RnnlabError } from '../../errors.js';
import { EOS, UNK } from '../vocab.js';
import { normalizeText } from './char.js';
import type { Tokenizer, TokenizerSettings } from './tokenizer.js';

/*
 * For corpora that are already tokenized (Penn Treebank, WikiText): tokens are what whitespace
 * separates, nothing more. Two options make such a file read as the papers read it:
 *  - unkToken: the corpus's own unknown-word token (`<unk>` in PTB and WikiText) becomes the
 *    vocabulary's [UNK], so it is neither a word of the vocabulary nor an out-of-vocabulary
 *    token, and the vocabulary is exactly the corpus's types plus rnnlab's specials;
 *  - eosPerLine: every line break is an [EOS] token (Zaremba et al.'s reader replaces "\n" by
 *    `<eos>` before splitting), so a sentence's end is predicted and counted in perplexity.
 * Both live in the tokenizer's settings, saved with the model, so `eval` and `sample` read text
 * exactly as training did.
 */
const SPACE = /\s+/u;

export class WhitespaceTokenizer implements Tokenizer {
  readonly kind = 'whitespace' as const;
  readonly roundTrips = false;
  readonly settings: TokenizerSettings;

  constructor(lowercase: boolean, readonly unkToken?: string, readonly eosPerLine = false) {
    if (unkToken !== undefined && (typeof unkToken !== 'string' || unkToken === '' || SPACE.test(unkToken))) {
      throw new RnnlabError(`the unknown-word token must be one non-empty token without spaces, got ${JSON.stringify(unkToken)}`);
    }
    if (typeof eosPerLine !== 'boolean') throw new RnnlabError(`tokenizer setting "eosPerLine" must be true or false, got ${JSON.stringify(eosPerLine)}`);
    this.settings = { kind: 'whitespace', lowercase, ...(unkToken !== undefined ? { unkToken } : {}), ...(eosPerLine ? { eosPerLine } : {}) };
  }

  tokenize(text: string): string[] {
    const out: string[] = [];
    const lines = normalizeText(text, this.settings.lowercase).split('\n');
    // compared after the same normalisation as the text, so --lowercase keeps <UNK> the unknown token
    const unk = this.unkToken === undefined ? undefined : normalizeText(this.unkToken, this.settings.lowercase);
    lines.forEach((line, i) => {
      for (const t of line.split(SPACE)) if (t) out.push(t === unk ? UNK : t);
      // a break after every line but the last: the text "a\nb\n" is a [EOS] b [EOS]
      if (this.eosPerLine && i < lines.length - 1) out.push(EOS);
    });
    return out;
  }

  detokenize(tokens: string[]): string {
    let s = '';
    for (const t of tokens) {
      if (t === EOS) s += '\n';
      else s += (s === '' || s.endsWith('\n') ? '' : ' ') + (t === UNK && this.unkToken ? this.unkToken : t);
    }
    return s;
  }
}
