import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../src/util/rng.js';
import { createTokenizer } from '../../../src/text/tokenizers/tokenizer.js';
import { CYRILLIC_TEXT, randomUnicode } from './random-unicode.js';

const wp = createTokenizer({ kind: 'wordpunct', lowercase: false });

test("wordpunct: NLTK's documented example", () => {
  assert.deepEqual(
    wp.tokenize('Good muffins cost $3.88\nin New York.  Please buy me\ntwo of them.\n\nThanks.'),
    ['Good', 'muffins', 'cost', '$', '3', '.', '88', 'in', 'New', 'York', '.', 'Please', 'buy', 'me', 'two', 'of', 'them', '.', 'Thanks', '.'],
  );
});

test('wordpunct: splits compounds and contractions, keeps punctuation runs together', () => {
  assert.deepEqual(wp.tokenize("state-of-the-art, don't!?"), ['state', '-', 'of', '-', 'the', '-', 'art', ',', 'don', "'", 't', '!?']);
  assert.deepEqual(wp.tokenize('end."  ("x")'), ['end', '."', '("', 'x', '")']);
  assert.deepEqual(wp.tokenize('snake_case __init__'), ['snake_case', '__init__']);
});

test('wordpunct: \\w is Unicode letters, digits, marks and underscore', () => {
  assert.deepEqual(wp.tokenize('Кто-то: «Это 3,5»'), ['Кто', '-', 'то', ':', '«', 'Это', '3', ',', '5', '»']);
  assert.deepEqual(wp.tokenize('nai\u0308ve café'), ['naïve', 'café']);
  assert.deepEqual(wp.tokenize('हिन्दी ٣٤ 漢字テスト'), ['हिन्दी', '٣٤', '漢字テスト']);
  assert.deepEqual(wp.tokenize('great!👍 👩\u200d💻'), ['great', '!👍', '👩\u200d💻']);
  const lower = createTokenizer({ kind: 'wordpunct', lowercase: true });
  assert.deepEqual(lower.tokenize('ВСЁ Ok'), ['всё', 'ok']);
});

test('wordpunct: tokens cover every non-space character', () => {
  const rng = new Rng(5);
  const texts = [CYRILLIC_TEXT];
  for (let i = 0; i < 200; i++) texts.push(randomUnicode(rng, 40));
  for (const text of texts) {
    const tokens = wp.tokenize(text);
    assert.equal(tokens.join(''), text.normalize('NFC').replace(/\s+/gu, ''));
  }
  assert.equal(wp.detokenize(['a', '.', 'b']), 'a . b');
  assert.equal(wp.roundTrips, false);
});
