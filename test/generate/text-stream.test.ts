/**
 * Streamed text = final text: what `rnnlab sample --stream` prints (TextStream, Prettifier,
 * a token at a time) concatenates to exactly what the batch output prints (renderTokens),
 * for char, word, wordpunct, BPE and whitespace (eos-per-line) models, prettified and raw; and
 * no special token ever shows up in the text.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { renderTokens, TextStream } from '../../src/generate/model-text.js';
import { prettify, Prettifier } from '../../src/generate/prettify.js';
import { learnBpe } from '../../src/text/tokenizers/bpe.js';
import { createTokenizer } from '../../src/text/tokenizers/tokenizer.js';
import type { LoadedModel } from '../../src/train/checkpoint-format.js';

const model = (settings: Parameters<typeof createTokenizer>[0]): LoadedModel => ({ tokenizer: createTokenizer(settings) }) as unknown as LoadedModel;

const TEXT = 'The Time Traveller (for so it will be convenient to speak of him) was expounding a recondite matter to us. ' +
  'His grey eyes shone and twinkled, and his usually pale face was flushed and animated. "It\'s state-of-the-art," he said: ' +
  '"1,000 items at 10:30, e.g. $5 each!" — and we laughed.';
const bpeSettings = learnBpe([TEXT], 60, { lowercase: false });

const MODELS: [string, LoadedModel][] = [
  ['char', model({ kind: 'char', lowercase: false })],
  ['word', model({ kind: 'word', lowercase: true })],
  ['wordpunct', model({ kind: 'wordpunct', lowercase: true })],
  ['bpe', model(bpeSettings)],
  ['whitespace', model({ kind: 'whitespace', lowercase: false, unkToken: '<unk>', eosPerLine: true })],
];

function streamed(m: LoadedModel, tokens: string[], raw: boolean): { pieces: string[]; text: string } {
  const s = new TextStream(m, raw);
  const pieces = tokens.map((t) => s.push(t));
  pieces.push(s.end());
  return { pieces, text: pieces.join('') };
}

describe('TextStream', () => {
  for (const [kind, m] of MODELS) {
    for (const raw of [false, true]) {
      it(`${kind}${raw ? ' --raw' : ''}: the streamed pieces join to the final text; no special token shows`, () => {
        const body = m.tokenizer.tokenize(TEXT);
        // as sample sees them: a document model's [SOS] or a stream model's [EOS] first, an unknown word inside
        for (const lead of [['[SOS]'], ['[EOS]'], []]) {
          const tokens = [...lead, ...body.slice(0, 20), ...(kind === 'char' ? [] : ['[UNK]']), ...body.slice(20)];
          const { text } = streamed(m, tokens, raw);
          assert.equal(text, renderTokens(m, tokens, raw));
          assert.ok(!/\[(SOS|EOS|PAD)\]/.test(text), text);
          if (!raw) assert.ok(!text.includes('[UNK]'), text);
        }
      });
    }
  }

  it('char: a document model\'s [SOS] is not printed (arXiv abstracts showed "[SOS]" first)', () => {
    const m = MODELS[0][1];
    assert.equal(renderTokens(m, ['[SOS]', ...'We propose'], false), 'We propose');
    assert.equal(renderTokens(m, ['[SOS]', ...'We propose'], true), 'We propose');
  });

  it('BPE streams the prime as the final text does (not "T he  Time")', () => {
    const m = MODELS[3][1];
    const tokens = m.tokenizer.tokenize('The Time Traveller');
    assert.equal(streamed(m, tokens, false).text, 'The Time Traveller');
  });

  it('word: streams prettified text (capitals, punctuation), not raw lower-case tokens', () => {
    const m = MODELS[1][1];
    const tokens = ['[EOS]', 'the', 'time', 'traveller', '(', 'for', 'so', ')', 'was', 'here', '.', 'it', 'is', 'late'];
    const { text, pieces } = streamed(m, tokens, false);
    assert.equal(text, 'The time traveller (for so) was here. It is late');
    assert.ok(pieces.slice(0, -1).some((p) => p !== ''), 'text arrives before the end');
  });

  it('whitespace with [EOS] per line: the line breaks it was read from', () => {
    const m = MODELS[4][1];
    assert.equal(streamed(m, ['[EOS]', 'a', 'b', '[EOS]', 'c', '[UNK]'], false).text, 'a b\nc <unk>');
    assert.equal(streamed(m, ['[EOS]', 'a', 'b', '[EOS]', 'c'], true).text, 'a b\nc');
  });
});

describe('Prettifier', () => {
  const VOCAB = ['the', 'i', 'a', 'e', 'g', 'state', 'of', 'art', 'don', 't', 's', '1', '000', '5', '10', '30', 'млн', 'dr',
    '.', ',', ';', ':', '!', '?', '…', '(', ')', '[', ']', '"', "'", '«', '»', '„', '“', '”', '-', '—', '$', '%', "n't", "'s",
    '@-@', '@,@', '[UNK]', '[SOS]', 'www.x.org', ' '];
  const tokens = fc.array(fc.constantFrom(...VOCAB), { maxLength: 30 });

  it('property: the pieces join to prettify(all tokens)', () => {
    fc.assert(fc.property(tokens, (ts) => {
      const p = new Prettifier();
      let out = '';
      for (const t of ts) out += p.push(t);
      assert.equal(out + p.end(), prettify(ts));
    }), { numRuns: 500 });
  });

  it('property: what push returned is final (a prefix of prettify of any continuation)', () => {
    fc.assert(fc.property(tokens, tokens, (a, b) => {
      const p = new Prettifier();
      let out = '';
      for (const t of a) out += p.push(t);
      assert.ok(prettify([...a, ...b]).startsWith(out), `${JSON.stringify(out)} vs ${JSON.stringify(prettify([...a, ...b]))}`);
    }), { numRuns: 500 });
  });

  it('[EOS] ends the text', () => {
    assert.equal(prettify(['a', '.', '[EOS]', 'b']), 'A.');
  });
});
