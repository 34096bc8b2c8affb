import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { prettify, prettifyText } from '../../src/generate/prettify.js';
import { createTokenizer } from '../../src/text/tokenizers/tokenizer.js';
import { TIME_MACHINE } from '../helpers.js';

const word = createTokenizer({ kind: 'word', lowercase: true });
const wordpunct = createTokenizer({ kind: 'wordpunct', lowercase: true });

test('prettify: the brief example', () => {
  assert.equal(
    prettify(['we', 'propose', 'a', 'state', '-', 'of', '-', 'the', '-', 'art', 'method', '(', 'see', '[', '1', ']', ')', ',',
      'which', 'works', '.', 'it', 'is', 'good', '.']),
    'We propose a state-of-the-art method (see [1]), which works. It is good.',
  );
});

test('prettify: restores lower-cased word and wordpunct output of English and Russian', () => {
  const english = "We propose a state-of-the-art k-means method (see https://arxiv.org/abs/1234.5678) that runs " +
    "20.5-hour jobs 1.0% faster, don't you think? I do.";
  assert.equal(prettify(word.tokenize(english)), english);
  const russian = 'Кто-то сказал: «Это 3,5 млн. рублей!» — и ушёл.';
  assert.equal(prettify(word.tokenize(russian)), russian);
  assert.equal(prettify(wordpunct.tokenize('He said, "It\'s over." Then I left... It costs $5, 1,000 items at 10:30.')),
    'He said, "It\'s over." Then I left... It costs $5, 1,000 items at 10:30.');
  assert.equal(prettify(wordpunct.tokenize('Это что-то, не так ли?')), 'Это что-то, не так ли?');
});

test('prettify: hyphens join words, dashes keep their spaces', () => {
  assert.equal(prettify(['k', '-', 'means', 'and', 't', '-', 'shirt']), 'K-means and t-shirt');
  assert.equal(prettify(['yes', '—', 'no', '–', 'maybe', '--', 'so']), 'Yes — no – maybe -- so');
  assert.equal(prettify(['a', '-', '(', 'b', ')']), 'A - (b)');
});

test('prettify: contractions', () => {
  assert.equal(prettify(['don', "'", 't', 'stop', ',', 'it', "'", 's', 'fine']), "Don't stop, it's fine");
  assert.equal(prettify(['we', '’', 're', 'here', 'and', 'you', "'", 'll', 'see']), 'We’re here and you\'ll see');
  assert.equal(prettify(['it', "'s", 'john', "'s", 'and', 'they', "n't"]), "It's john's and theyn't");
  assert.equal(prettify(['i', "'", 'm', 'sure', 'i', 'am']), "I'm sure I am");
});

test('prettify: quotes pair up', () => {
  assert.equal(prettify(['he', 'said', '"', 'go', '"', 'and', '"', 'stay', '"', '.']), 'He said "go" and "stay".');
  assert.equal(prettify(['«', 'да', '»', ',', '„', 'ja', '“', ',', '“', 'yes', '”', ',', '‘', 'oui', '’'], { capitalize: false }),
    '«да», „ja“, “yes”, ‘oui’');
  assert.equal(prettify(['she', 'said', ':', '"', 'hello', '!', '"', 'then', 'left']), 'She said: "Hello!" Then left');
  assert.equal(prettify(['the', "'", 'quoted', "'", 'word']), "The 'quoted' word");
});

test('prettify: brackets, percent, numbers and abbreviations', () => {
  assert.equal(prettify(['(', 'a', ')', '[', 'b', ']', '{', 'c', '}', '50', '%']), '(A) [b] {c} 50%');
  assert.equal(prettify(['pi', 'is', '3', '.', '14', ',', 'not', '1', ',', '000']), 'Pi is 3.14, not 1,000');
  assert.equal(prettify(['see', 'e', '.', 'g', '.', 'the', 'book', 'by', 'dr', '.', 'who', '.', 'ok']),
    'See e.g. the book by dr. who. Ok');
  assert.equal(prettify(['3', ',', '5', 'млн', '.', 'рублей']), '3, 5 млн. рублей');
});

test('prettify: capitalisation', () => {
  assert.equal(prettify(['hi', '!', 'how', 'are', 'you', '?', 'fine', '...', 'thanks', '.']), 'Hi! How are you? Fine... Thanks.');
  assert.equal(prettify(['hi', '!', 'ok'], { capitalize: false }), 'hi! ok');
  assert.equal(prettify(['"', 'stop', '!', '"', ',', 'he', 'said', '.']), '"Stop!", he said.');
  assert.equal(prettify(['ёлка', '.', 'über', '.', 'https://x.org', 'is', 'it']), 'Ёлка. Über. https://x.org is it');
});

test('prettify: special tokens', () => {
  assert.equal(prettify(['[SOS]', 'the', '[UNK]', 'is', '[PAD]', 'here', '.', '[EOS]', 'ignored', 'words']), 'The <unk> is here.');
  assert.equal(prettify([]), '');
  assert.equal(prettify(['[EOS]', 'x']), '');
  assert.equal(prettify(['the', '@-@', 'year', '1', '@,@', '000', '@.@', '5']), 'The-year 1,000.5');
});

test('prettifyText: re-splits whitespace-joined tokens', () => {
  assert.equal(prettifyText('we propose a state - of - the - art method ( see [ 1 ] ) .'),
    'We propose a state-of-the-art method (see [1]).');
  assert.equal(prettifyText(wordpunct.detokenize(wordpunct.tokenize("Don't panic!"))), "Don't panic!");
});

test('prettify: wordpunct output of a whole book never shows word - word', () => {
  const text = readFileSync(TIME_MACHINE, 'utf8').slice(0, 60000);
  for (const paragraph of text.split('\n\n')) {
    const out = prettify(wordpunct.tokenize(paragraph));
    assert.ok(!/[\p{L}\p{N}] - [\p{L}\p{N}]/u.test(out), out);
    assert.ok(!/ [,.;:!?)\]]/u.test(out), out);
    assert.ok(!/[(\[] /u.test(out), out);
  }
});
