import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../src/util/rng.js';
import { createTokenizer } from '../../../src/text/tokenizers/tokenizer.js';
import { CYRILLIC_TEXT, randomUnicode, timeMachineSlice } from './random-unicode.js';

const word = createTokenizer({ kind: 'word', lowercase: false });
const tok = (s: string): string[] => word.tokenize(s);

test('word: English sentence with compounds, URL, decimals, units and a contraction', () => {
  assert.deepEqual(
    tok('We propose a state-of-the-art k-means method (see https://arxiv.org/abs/1234.5678) that runs ' +
      "20.5-hour jobs 1.0% faster, don't you think?"),
    ['We', 'propose', 'a', 'state-of-the-art', 'k-means', 'method', '(', 'see',
      'https://arxiv.org/abs/1234.5678', ')', 'that', 'runs', '20.5-hour', 'jobs', '1.0', '%', 'faster',
      ',', "don't", 'you', 'think', '?'],
  );
});

test('word: Russian sentence with a compound, guillemets, a decimal comma and a dash', () => {
  assert.deepEqual(
    tok('Кто-то сказал: «Это 3,5 млн. рублей!» — и ушёл.'),
    ['Кто-то', 'сказал', ':', '«', 'Это', '3,5', 'млн', '.', 'рублей', '!', '»', '—', 'и', 'ушёл', '.'],
  );
  assert.deepEqual(tok('что-то T-shirt по-своему'), ['что-то', 'T-shirt', 'по-своему']);
});

test('word: numbers, ranges, fractions and versions', () => {
  assert.deepEqual(tok('2019-2020 1/2 3.14.15 1,000,000 v1.2.3 1.5x'), ['2019-2020', '1/2', '3.14.15', '1,000,000', 'v1.2.3', '1.5x']);
  assert.deepEqual(tok('-5 and 1.'), ['-', '5', 'and', '1', '.']);
  assert.deepEqual(tok('1990–2000'), ['1990', '–', '2000']);
  assert.deepEqual(tok('a−b a—b'), ['a', '−', 'b', 'a', '—', 'b']);
});

test('word: apostrophes inside words, quotes outside', () => {
  assert.deepEqual(tok("O'Neil's rock'n'roll 1990's"), ["O'Neil's", "rock'n'roll", "1990's"]);
  assert.deepEqual(tok("'quoted' ‘Don’t’ students'"), ["'", 'quoted', "'", '‘', 'Don’t', '’', 'students', "'"]);
});

test('word: URLs and e-mail addresses stay whole, trailing punctuation does not', () => {
  assert.deepEqual(tok('Mail john.doe+x@mail.example.co.uk, or see www.example.org.'),
    ['Mail', 'john.doe+x@mail.example.co.uk', ',', 'or', 'see', 'www.example.org', '.']);
  assert.deepEqual(tok('(https://en.wikipedia.org/wiki/Foo_(bar)).'),
    ['(', 'https://en.wikipedia.org/wiki/Foo_(bar)', ')', '.']);
  assert.deepEqual(tok('«http://x.ru/a?b=c&d=1»!'), ['«', 'http://x.ru/a?b=c&d=1', '»', '!']);
});

test('word: punctuation runs stay one token, other marks split', () => {
  assert.deepEqual(tok('Wait... What?! No -- never!!! a***b ,,'), ['Wait', '...', 'What', '?!', 'No', '--', 'never', '!!!', 'a', '***', 'b', ',', ',']);
  assert.deepEqual(tok('x…y ("[{}]")'), ['x', '…', 'y', '(', '"', '[', '{', '}', ']', '"', ')']);
  assert.deepEqual(tok('snake_case _x_ a/b'), ['snake_case', '_', 'x', '_', 'a', '/', 'b']);
  assert.deepEqual(tok('e.g. U.S.'), ['e', '.', 'g', '.', 'U', '.', 'S', '.']);
});

test('word: CJK ideographs and kana are one token each', () => {
  assert.deepEqual(tok('我爱北京。カタカナ、ひらがな'), ['我', '爱', '北', '京', '。', 'カ', 'タ', 'カ', 'ナ', '、', 'ひ', 'ら', 'が', 'な']);
  assert.deepEqual(tok('한국어 텍스트'), ['한국어', '텍스트']);
});

test('word: an emoji sequence is one token', () => {
  assert.deepEqual(tok('Hi👋🏽 team 👩\u200d💻👩\u200d💻 🇺🇦 1️⃣ ❤️!'),
    ['Hi', '👋🏽', 'team', '👩\u200d💻', '👩\u200d💻', '🇺🇦', '1️⃣', '❤️', '!']);
});

test('word: mixed scripts, NFC and lower-casing', () => {
  assert.deepEqual(tok('GPT-4o и Москва2024 naïve Δσ'), ['GPT-4o', 'и', 'Москва2024', 'naïve', 'Δσ']);
  assert.deepEqual(tok('nai\u0308ve'), ['naïve']);
  const lower = createTokenizer({ kind: 'word', lowercase: true });
  assert.deepEqual(lower.tokenize('Всё СМЕШАЛОСЬ, Don\'t'), ['всё', 'смешалось', ',', "don't"]);
  assert.equal(word.detokenize(['a', ',', 'b']), 'a , b');
});

/** Whitespace and the invisible format characters, which are never tokens (ZWNJ and ZWJ only inside a word or emoji). */
const INVISIBLE = /[\s\u00AD\u061C\u200B-\u200F\u202A-\u202E\u2060\u2066-\u2069\uFEFF]/gu;

test('word: every visible character lands in exactly one token, in order', () => {
  const rng = new Rng(77);
  const texts = [timeMachineSlice(20000), CYRILLIC_TEXT];
  for (let i = 0; i < 200; i++) texts.push(randomUnicode(rng, 40));
  for (const text of texts) {
    const tokens = tok(text);
    assert.equal(tokens.join('').replace(INVISIBLE, ''), text.normalize('NFC').replace(INVISIBLE, ''));
    for (const t of tokens) assert.ok(t.replace(INVISIBLE, '').length > 0 && !/\s/u.test(t), JSON.stringify(t));
  }
});

test('word: invisible format characters are never tokens (razdel makes each one a token)', () => {
  assert.deepEqual(tok('hello\u200Bworld'), ['hello', 'world'], 'a zero-width space separates words');
  assert.deepEqual(tok('\u200Fשלום\u200E test \u061C'), ['שלום', 'test'], 'direction marks are dropped');
  assert.deepEqual(tok('co\u00ADoperate \u00AD'), ['cooperate'], 'a soft hyphen is dropped');
  assert.deepEqual(tok('\uFEFFstart word\u2060joiner'), ['start', 'wordjoiner']);
  assert.deepEqual(tok('\u202Aembedded\u202C \u2066isolated\u2069'), ['embedded', 'isolated']);
  assert.deepEqual(tok('a \u200D \u200C b'), ['a', 'b'], 'a stray ZWJ or ZWNJ is nothing');
  assert.deepEqual(tok('می\u200Cخواهم 👩\u200D💻'), ['می\u200Cخواهم', '👩\u200D💻'], 'inside a word or an emoji they stay');
  assert.deepEqual(tok('\u200B\u200E\u00AD'), []);
});

test('word: combining marks stay with their base (razdel\'s test cases), CJK is only CJK', () => {
  assert.deepEqual(tok('x\u0305 y'), ['x\u0305', 'y']);
  assert.deepEqual(tok('мо\u0323локо'), ['мо\u0323локо']);
  assert.deepEqual(tok('a\u00B7b'), ['a', '\u00B7', 'b'], 'U+00B7 is punctuation, not a CJK character');
  assert.deepEqual(tok('我\u0323们'), ['我\u0323', '们'], 'a mark after a CJK character stays with it');
  assert.deepEqual(tok('一\u0305 \u0305'), ['一\u0305', '\u0305']);
  assert.deepEqual(tok('々 〆 ー'), ['々', '〆', 'ー']);
});

test('word: the documented differences from razdel', () => {
  assert.deepEqual(tok('mp3 GPT4o'), ['mp3', 'GPT4o'], 'letters and digits stay together (razdel: mp + 3)');
  assert.deepEqual(tok('ok :) :-('), ['ok', ':', ')', ':', '-', '('], 'emoticons are punctuation (razdel keeps smileys whole)');
  assert.deepEqual(tok('1990–2000 a—b x−y'), ['1990', '–', '2000', 'a', '—', 'b', 'x', '−', 'y'], 'en/em dashes and minus always split');
  assert.deepEqual(tok('see https://x.org/a.b, mail a@b.co'), ['see', 'https://x.org/a.b', ',', 'mail', 'a@b.co'], 'URLs and e-mails whole');
});
