import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../src/util/rng.js';
import { createTokenizer, type TokenizerSettings } from '../../../src/text/tokenizers/tokenizer.js';
import { bpeTokens, compareCodePoints, learnBpe, splitPieces } from '../../../src/text/tokenizers/bpe.js';
import { CYRILLIC_TEXT, randomUnicode, timeMachineSlice } from './random-unicode.js';

/** GPT-2's quadratic merge loop, as the reference the fast encoder must agree with. */
function naiveEncode(settings: TokenizerSettings, text: string): string[] {
  const rank = new Map((settings.merges ?? []).map(([l, r], i) => [JSON.stringify([l, r]), i]));
  const out: string[] = [];
  for (const piece of splitPieces(text.normalize('NFC'))) {
    let syms = Array.from(piece);
    for (;;) {
      let best = Infinity;
      for (let i = 0; i + 1 < syms.length; i++) {
        best = Math.min(best, rank.get(JSON.stringify([syms[i], syms[i + 1]])) ?? Infinity);
      }
      if (best === Infinity) break;
      const [l, r] = (settings.merges ?? [])[best];
      const merged: string[] = [];
      for (let i = 0; i < syms.length; i++) {
        if (i + 1 < syms.length && syms[i] === l && syms[i + 1] === r) merged.push(syms[i++] + r);
        else merged.push(syms[i]);
      }
      syms = merged;
    }
    out.push(...syms);
  }
  return out;
}

test('bpe: pieces carry one leading space and cover the text', () => {
  assert.deepEqual(splitPieces('Hello, world!  Да 42x\n\nok'), ['Hello', ',', ' world', '!', ' ', ' Да', ' 42', 'x', '\n\n', 'ok']);
  assert.deepEqual(splitPieces('a \n b\t\tc\n\n  d  '), ['a', ' \n', ' b', '\t\t', 'c', '\n\n ', ' d', '  ']);
});

test('bpe: learns the expected merges on the classic toy corpus', () => {
  const s = learnBpe(['low lower lowest newer wider'], 100, { lowercase: false });
  // e r, l o, o w and w e all occur 3 times: ties go to the smallest pair, then counts change.
  assert.deepEqual(s.merges, [['e', 'r'], ['l', 'o'], ['lo', 'w'], [' ', 'low']]);
  const sennrich = ['low', 'low', 'low', 'low', 'low', 'lower', 'lower', 'newest', 'newest', 'newest',
    'newest', 'newest', 'newest', 'widest', 'widest', 'widest'];
  const t = learnBpe(sennrich, 5, { lowercase: false });
  assert.deepEqual(t.merges, [['e', 's'], ['es', 't'], ['l', 'o'], ['lo', 'w'], ['e', 'w']]);
  const tok = createTokenizer(t);
  assert.deepEqual(tok.tokenize('lowest newer'), ['low', 'est', ' ', 'n', 'ew', 'e', 'r']);
  assert.deepEqual(learnBpe(['low lower lowest newer wider'], 100, { lowercase: false, minFrequency: 1 }).merges?.slice(0, 5),
    [['e', 'r'], ['l', 'o'], ['lo', 'w'], [' ', 'low'], [' ', 'n']]);
});

test('bpe: learning is deterministic and independent of document order', () => {
  const docs = timeMachineSlice(30000).split('\n\n');
  const a = learnBpe(docs, 300, { lowercase: true });
  const b = learnBpe([...docs].reverse(), 300, { lowercase: true });
  assert.equal(a.merges?.length, 300);
  assert.deepEqual(a.merges, b.merges);
  assert.deepEqual(a.alphabet, [...(a.alphabet ?? [])].sort(compareCodePoints));
  assert.ok(a.merges?.every(([l, r]) => l === l.toLowerCase() && r === r.toLowerCase()));
});

test('bpe: round-trips The Time Machine, Cyrillic and seeded random Unicode', () => {
  const settings = learnBpe([timeMachineSlice(60000), CYRILLIC_TEXT], 800, { lowercase: false });
  const bpe = createTokenizer(settings);
  assert.equal(bpe.roundTrips, true);
  const rng = new Rng(99);
  const texts = [timeMachineSlice(120000), CYRILLIC_TEXT, '', ' ', '  a  b\t\n', 'e\u0301\u0301'];
  for (let i = 0; i < 300; i++) texts.push(randomUnicode(rng, 50));
  for (const text of texts) {
    const tokens = bpe.tokenize(text);
    assert.equal(bpe.detokenize(tokens), text.normalize('NFC'));
    assert.ok(tokens.every((t) => t.length > 0));
  }
  const known = new Set(bpeTokens(settings));
  assert.ok(bpe.tokenize(timeMachineSlice(60000)).every((t) => known.has(t)));
  // Compression on seen text: far fewer tokens than code points.
  const sample = timeMachineSlice(60000);
  assert.ok(bpe.tokenize(sample).length < [...sample].length / 2.5);
});

test('bpe: unseen code points survive as single tokens', () => {
  const bpe = createTokenizer(learnBpe(['the then there'], 10, { lowercase: false }));
  assert.deepEqual(bpe.tokenize('the 👩\u200d💻 Ж'), ['the', ' ', '👩', '\u200d', '💻', ' ', 'Ж']);
});

test('bpe: lower-casing applies when learning and encoding', () => {
  const settings = learnBpe(['Привет ПРИВЕТ привет'], 20, { lowercase: true });
  const bpe = createTokenizer(settings);
  assert.deepEqual(bpe.tokenize('ПРИВЕТ Привет'), ['привет', ' привет']);
  assert.equal(bpe.detokenize(bpe.tokenize('ПРИВЕТ Привет')), 'привет привет');
});

test('bpe: fast encoder agrees with the GPT-2 merge loop', () => {
  const rng = new Rng(3);
  // Repetitive corpora give merges that chain and produce the same string in different ways.
  const corpus: string[] = [];
  for (let i = 0; i < 200; i++) {
    let s = '';
    for (let j = rng.int(30); j > 0; j--) s += 'abc '[rng.int(4)];
    corpus.push(s);
  }
  corpus.push(timeMachineSlice(20000));
  const settings = learnBpe(corpus, 400, { lowercase: false, minFrequency: 1 });
  const bpe = createTokenizer(settings);
  const probes = [...corpus.slice(0, 100), timeMachineSlice(5000), 'aaaaaaaaaaaaaaaaaaaaaaaa bbbbabababab'];
  for (let i = 0; i < 100; i++) probes.push(randomUnicode(rng, 30));
  for (const text of probes) assert.deepEqual(bpe.tokenize(text), naiveEncode(settings, text), text);

  // abc exists (rank 2) before a+bc (rank 4), so a lower-ranked merge abc+a appears mid-pass;
  // the loop finishes every a+bc first, so it must not eat the second a.
  const tricky: TokenizerSettings = {
    kind: 'bpe', lowercase: false, merges: [['b', 'c'], ['a', 'b'], ['ab', 'c'], ['abc', 'a'], ['a', 'bc']],
  };
  assert.deepEqual(createTokenizer(tricky).tokenize('abcabc'), ['abc', 'abc']);
  assert.deepEqual(naiveEncode(tricky, 'abcabc'), ['abc', 'abc']);

  // Random merge tables where different merges build the same string (ab+c and a+bc).
  for (let trial = 0; trial < 30; trial++) {
    const symbols = ['a', 'b', 'c'];
    const merges: [string, string][] = [];
    const seen = new Set<string>();
    for (let k = 0; k < 25; k++) {
      const l = symbols[rng.int(symbols.length)];
      const r = symbols[rng.int(symbols.length)];
      if (seen.has(l + '|' + r) || (l + r).length > 6) continue;
      seen.add(l + '|' + r);
      merges.push([l, r]);
      if (!symbols.includes(l + r)) symbols.push(l + r);
    }
    const table: TokenizerSettings = { kind: 'bpe', lowercase: false, merges };
    const enc = createTokenizer(table);
    for (let i = 0; i < 20; i++) {
      let text = '';
      for (let j = rng.int(40); j > 0; j--) text += 'abc'[rng.int(3)];
      assert.deepEqual(enc.tokenize(text), naiveEncode(table, text), `${JSON.stringify(merges)} ${text}`);
    }
  }
});

test('bpe: a very long piece encodes quickly', () => {
  const bpe = createTokenizer(learnBpe(['aaaa bbbb abab'.repeat(50)], 50, { lowercase: false }));
  const long = 'ab'.repeat(50000);
  const start = performance.now();
  assert.equal(bpe.detokenize(bpe.tokenize(long)), long);
  assert.ok(performance.now() - start < 2000);
});

test('bpe: rejects a bad merge budget', () => {
  assert.throws(() => learnBpe(['x'], -1, { lowercase: false }), /non-negative integer/);
  assert.throws(() => learnBpe(['x'], 1.5, { lowercase: false }), /non-negative integer/);
  assert.deepEqual(learnBpe([], 10, { lowercase: false }).merges, []);
});
