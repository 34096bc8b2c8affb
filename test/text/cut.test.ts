import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { cutChunks, cutText, isSpace, lastCut } from '../../src/text/cut.js';
import { learnBpe } from '../../src/text/tokenizers/bpe.js';
import { createTokenizer, type Tokenizer } from '../../src/text/tokenizers/tokenizer.js';
import { Rng } from '../../src/util/rng.js';
import { randomUnicode } from './tokenizers/random-unicode.js';

// Pieces that meet each tokenizer's hard cases: whitespace of every kind (U+FEFF among them),
// combining marks and composable pairs, final sigma, URLs, apostrophes and hyphens in words,
// digits with separators, emoji with ZWJ and modifiers, CJK, surrogate pairs.
const ATOMS = [
  ' ', '  ', '\n', '\n\n', '\t', '\u00a0', '\u2003', '\u3000', '\ufeff', '\u2028', '\u200b',
  'a', 'e', 'Word', 'don', "'", '\u2019', 't', '-', '_', 'k-means', '3', '.', ',', '1.5', '/',
  '\u0301', '\u0308', 'e\u0301', '\u00e9', '\u1100', '\u1161', '\u11a8', 'Ω', 'Σ', 'ΟΔΟΣ', 'σ', 'İ',
  'https://x.org/a_(b)', 'www.ex.com.', 'me@ex.org', '👩', '\u200d', '💻', '🏽', '\ufe0f', '🇫🇷',
  '中文', 'カタ', '...', '?!', '--', '**', '«', '»', '(', ')', '<unk>', '𝐀', 'ß',
];

const text = fc.array(fc.constantFrom(...ATOMS), { maxLength: 60 }).map((a) => a.join(''));

function tokenizers(): [string, Tokenizer][] {
  const out: [string, Tokenizer][] = [];
  const bpeSettings = learnBpe(['the theme of them, then: the end.', 'ΟΔΟΣ οδός e\u0301e\u0301 👩‍💻 👩‍💻'], 30, { lowercase: false });
  for (const lowercase of [false, true]) {
    out.push([`char${lowercase ? ' lower' : ''}`, createTokenizer({ kind: 'char', lowercase })]);
    out.push([`word${lowercase ? ' lower' : ''}`, createTokenizer({ kind: 'word', lowercase })]);
    out.push([`wordpunct${lowercase ? ' lower' : ''}`, createTokenizer({ kind: 'wordpunct', lowercase })]);
    out.push([`whitespace eos unk${lowercase ? ' lower' : ''}`, createTokenizer({ kind: 'whitespace', lowercase, unkToken: '<unk>', eosPerLine: true })]);
    out.push([`bpe${lowercase ? ' lower' : ''}`, createTokenizer({ ...bpeSettings, lowercase })]);
  }
  return out;
}

const TOKENIZERS = tokenizers();

function piecewise(tk: Tokenizer, pieces: Iterable<string>): string[] {
  const out: string[] = [];
  for (const p of pieces) for (const t of tk.tokenize(p)) out.push(t);
  return out;
}

test('a cut falls before whitespace that follows a non-space, never before U+FEFF', () => {
  assert.equal(lastCut('ab cd'), 2);
  assert.equal(lastCut('ab  cd  '), 6);
  assert.equal(lastCut('  ab'), -1); // leading whitespace follows nothing
  assert.equal(lastCut('ab\ufeffcd'), -1);
  assert.equal(lastCut('abcd'), -1);
  for (const c of ' \t\n\v\f\r\u00a0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000\ufeff') assert.ok(isSpace(c.charCodeAt(0)) && /\s/u.test(c));
  for (const c of 'a\u200b\u180e\u0085_') assert.equal(isSpace(c.charCodeAt(0)), /\s/u.test(c));
});

test('cutText: pieces join to the text, each near the size unless no cut is near', () => {
  assert.deepEqual([...cutText('', 4)], ['']);
  assert.deepEqual([...cutText('aaaa bbbb cccc', 6)], ['aaaa', ' bbbb', ' cccc']);
  assert.deepEqual([...cutText('aaaaaaaaaaaa bb', 4)], ['aaaaaaaaaaaa', ' bb']);
  assert.deepEqual([...cutText('aaaaaaaaaaaa', 4)], ['aaaaaaaaaaaa']);
});

test('tokenizing the pieces of a text gives the tokens of the whole text, for every tokenizer (property)', () => {
  fc.assert(fc.property(text, fc.integer({ min: 1, max: 12 }), (s, size) => {
    const pieces = [...cutText(s, size)];
    assert.equal(pieces.join(''), s);
    assert.equal(pieces.map((p) => p.normalize('NFC')).join(''), s.normalize('NFC'));
    for (const [name, tk] of TOKENIZERS) assert.deepEqual(piecewise(tk, pieces), tk.tokenize(s), `${name} on ${JSON.stringify(s)} cut at ${size}`);
  }), { numRuns: 400 });
});

test('random Unicode cut anywhere into chunks and re-cut gives the tokens of the whole text', async () => {
  const rng = new Rng(11);
  for (let run = 0; run < 60; run++) {
    const s = randomUnicode(rng, 300);
    // chunks as a decoder delivers them: whole code points, cut anywhere else (a base letter and its mark may part)
    const cps = Array.from(s);
    const chunks: string[] = [];
    for (let at = 0; at < cps.length;) {
      const n = 1 + rng.int(20);
      chunks.push(cps.slice(at, at + n).join(''));
      at += n;
    }
    async function* source(): AsyncGenerator<string> {
      yield* chunks;
    }
    const pieces: string[] = [];
    for await (const p of cutChunks(source(), 1 + rng.int(30))) pieces.push(p);
    assert.equal(pieces.join(''), s);
    for (const [name, tk] of TOKENIZERS) assert.deepEqual(piecewise(tk, pieces), tk.tokenize(s), `${name} on ${JSON.stringify(s)}`);
  }
});

test('cutChunks holds a stretch without whitespace whole and yields nothing empty', async () => {
  async function* source(): AsyncGenerator<string> {
    yield 'abc';
    yield 'def';
    yield 'ghi jk';
    yield 'lm';
  }
  const pieces: string[] = [];
  for await (const p of cutChunks(source(), 2)) pieces.push(p);
  assert.deepEqual(pieces, ['abcdefghi', ' jklm']);
});
