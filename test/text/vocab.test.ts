import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RnnlabError } from '../../src/errors.js';
import { compareCodePoints, countTokens, EOS, PAD, SOS, SPECIALS, UNK, Vocab } from '../../src/text/vocab.js';

function counts(text: string): Map<string, number> {
  return countTokens(new Map(), text.split(' '));
}

function throwsRnnlab(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof RnnlabError && message.test(err.message) && !err.message.includes('\n'));
}

test('specials first, then by descending count, ties in code-point order', () => {
  const v = Vocab.build(counts('b a c a b a d 🙂 \uFF5E 🙂 \uFF5E'), { specials: SPECIALS });
  // a:3, b:2, 🙂:2, ～(U+FF5E):2, c:1, d:1 — U+FF5E sorts before U+1F642 by code point (not by UTF-16 unit).
  assert.deepEqual(v.tokens, [PAD, SOS, EOS, UNK, 'a', 'b', '\uFF5E', '🙂', 'c', 'd']);
  assert.deepEqual([v.pad, v.sos, v.eos, v.unk], [0, 1, 2, 3]);
  assert.equal(v.size, 10);
  assert.equal(v.id('a'), 4);
  assert.equal(v.id('zzz'), -1);
  assert.ok(v.has('🙂') && !v.has('x'));
  assert.ok(compareCodePoints('\uFF5E', '🙂') < 0 && '\uFF5E' > '🙂');
});

test('the order of insertion into the counts does not matter', () => {
  const a = Vocab.build(new Map([['x', 1], ['y', 1], ['z', 2]]), { specials: [PAD] });
  const b = Vocab.build(new Map([['z', 2], ['y', 1], ['x', 1]]), { specials: [PAD] });
  assert.deepEqual(a.tokens, b.tokens);
  assert.deepEqual(a.tokens, [PAD, 'z', 'x', 'y']);
});

test('minFreq and maxVocab (which counts the specials) cut the tail', () => {
  const c = counts('a a a b b c d d d d');
  assert.deepEqual(Vocab.build(c, { specials: SPECIALS, minFreq: 2 }).tokens.slice(4), ['d', 'a', 'b']);
  const small = Vocab.build(c, { specials: SPECIALS, maxVocab: 6 });
  assert.equal(small.size, 6);
  assert.deepEqual(small.tokens.slice(4), ['d', 'a']);
  assert.equal(Vocab.build(c, { specials: SPECIALS, maxVocab: 4 }).size, 4);
  throwsRnnlab(() => Vocab.build(c, { specials: SPECIALS, maxVocab: 3 }), /--max-vocab must be an integer of at least 4/);
});

test('specials given in counts are not duplicated; custom special order is kept', () => {
  const c = counts(`x ${EOS} x ${UNK}`);
  const v = Vocab.build(c, { specials: [UNK, PAD] });
  assert.deepEqual(v.tokens, [UNK, PAD, 'x', EOS]);
  assert.equal(v.unk, 0);
  assert.equal(v.sos, -1);
  throwsRnnlab(() => Vocab.build(c, { specials: [PAD, PAD] }), /special tokens must be distinct/);
});

test("encode with 'unk' maps unknown tokens and counts them", () => {
  const v = Vocab.build(counts('the cat sat'), { specials: SPECIALS });
  const { ids, oov } = v.encode(['the', 'dog', 'sat', 'dog'], 'unk');
  assert.ok(ids instanceof Int32Array);
  assert.deepEqual(Array.from(ids), [v.id('the'), v.unk, v.id('sat'), v.unk]);
  assert.equal(oov, 2);
  assert.deepEqual(v.decode(ids), ['the', UNK, 'sat', UNK]);
});

test("encode with 'error' names up to 10 distinct unknown tokens", () => {
  const v = Vocab.build(counts('a b'), { specials: SPECIALS });
  throwsRnnlab(() => v.encode(['a', 'x', 'x', 'y\nz', 'b'], 'error'), /^tokens not in the vocabulary: "x", "y\\nz"$/);
  const many = Array.from({ length: 15 }, (_, i) => `w${i}`);
  assert.throws(
    () => v.encode(many, 'error'),
    (err: unknown) => {
      const msg = (err as Error).message;
      return err instanceof RnnlabError && (msg.match(/"w\d+"/g) ?? []).length === 10 && msg.endsWith(' and 5 more');
    },
  );
  assert.deepEqual(Array.from(v.encode(['a', 'b'], 'error').ids), [4, 5]);
});

test("'unk' without an [UNK] token throws when an unknown token occurs", () => {
  const v = Vocab.build(counts('a b'), { specials: [PAD, SOS, EOS] });
  throwsRnnlab(() => v.encode(['a', 'q'], 'unk'), /^cannot map unknown tokens to \[UNK\]: the vocabulary has no \[UNK\] token \(unknown: "q"\)$/);
  assert.deepEqual(Array.from(v.encode(['b', 'a'], 'unk').ids), [4, 3]);
});

test('decode rejects ids outside the vocabulary', () => {
  const v = Vocab.build(counts('a'), { specials: SPECIALS });
  throwsRnnlab(() => v.decode([0, 5]), /token id 5 is outside the vocabulary \(size 5\)/);
  throwsRnnlab(() => v.decode([-1]), /token id -1 is outside/);
});

test('toJSON / fromJSON round trip and validation', () => {
  const v = Vocab.build(counts('я 你 🙂 я'), { specials: SPECIALS });
  const back = Vocab.fromJSON(JSON.parse(JSON.stringify(v)));
  assert.deepEqual(back.tokens, v.tokens);
  assert.equal(back.id('🙂'), v.id('🙂'));
  throwsRnnlab(() => Vocab.fromJSON({ tokens: [] }), /must be a JSON array/);
  throwsRnnlab(() => Vocab.fromJSON(['a', 3]), /vocabulary entry 1 is not a string/);
  throwsRnnlab(() => Vocab.fromJSON(['a', 'b', 'a']), /has the token "a" twice \(ids 0 and 2\)/);
  // tokens is a frozen copy: callers cannot shift ids behind the map's back.
  assert.throws(() => (v.tokens as string[]).push('x'));
});

test('countTokens accumulates across calls', () => {
  const c = new Map<string, number>();
  countTokens(c, ['a', 'b']);
  countTokens(c, new Set(['a']));
  assert.deepEqual([...c], [['a', 2], ['b', 1]]);
});

test('fromOrdered keeps the given order: specials first, repeats and specials skipped, maxVocab cuts', () => {
  const v = Vocab.fromOrdered(['the', ',', UNK, 'of', 'the', 'to'], { specials: SPECIALS });
  assert.deepEqual(v.tokens, [PAD, SOS, EOS, UNK, 'the', ',', 'of', 'to']);
  assert.deepEqual(Vocab.fromOrdered(new Set(['b', 'a', 'c']), { specials: [PAD], maxVocab: 3 }).tokens, [PAD, 'b', 'a']);
  assert.deepEqual(Vocab.fromOrdered([], { specials: SPECIALS }).tokens, SPECIALS);
  throwsRnnlab(() => Vocab.fromOrdered(['a'], { specials: SPECIALS, maxVocab: 3 }), /--max-vocab must be an integer of at least 4/);
  throwsRnnlab(() => Vocab.fromOrdered(['a'], { specials: [PAD, PAD] }), /special tokens must be distinct/);
  // build is fromOrdered over the ranking by count.
  const c = counts('a a a b b c d d d d');
  assert.deepEqual(Vocab.build(c, { specials: SPECIALS, maxVocab: 6 }).tokens, Vocab.fromOrdered(['d', 'a', 'b', 'c'], { specials: SPECIALS, maxVocab: 6 }).tokens);
});
