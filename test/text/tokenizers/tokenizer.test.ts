import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RnnlabError } from '../../../src/errors.js';
import { createTokenizer, type TokenizerSettings } from '../../../src/text/tokenizers/tokenizer.js';
import { learnBpe } from '../../../src/text/tokenizers/bpe.js';

function rejects(settings: unknown, pattern: RegExp): void {
  assert.throws(
    () => createTokenizer(settings as TokenizerSettings),
    (e: unknown) => e instanceof RnnlabError && pattern.test(e.message) && !e.message.includes('\n'),
  );
}

test('createTokenizer builds each kind and its settings survive JSON', () => {
  const bpe = learnBpe(['the cat sat on the mat with the hat'], 20, { lowercase: true });
  for (const settings of [
    { kind: 'char', lowercase: false },
    { kind: 'word', lowercase: true },
    { kind: 'wordpunct', lowercase: false },
    bpe,
  ] as TokenizerSettings[]) {
    const tok = createTokenizer(settings);
    assert.equal(tok.kind, settings.kind);
    const again = createTokenizer(JSON.parse(JSON.stringify(tok.settings)) as TokenizerSettings);
    const s = 'The Hat-trick, that cat!';
    assert.deepEqual(again.tokenize(s), tok.tokenize(s));
    assert.equal(tok.roundTrips, settings.kind === 'char' || settings.kind === 'bpe');
  }
});

test('createTokenizer rejects bad settings with one-line errors', () => {
  rejects(null, /must be an object/);
  rejects([], /must be an object/);
  rejects('char', /must be an object/);
  rejects({ kind: 'sentencepiece', lowercase: false }, /unknown tokenizer kind "sentencepiece"/);
  rejects({ lowercase: false }, /unknown tokenizer kind/);
  rejects({ kind: 'char' }, /"lowercase" must be true or false/);
  rejects({ kind: 'word', lowercase: 'yes' }, /"lowercase" must be true or false/);
  rejects({ kind: 'char', lowercase: false, merges: [] }, /only applies to bpe/);
  rejects({ kind: 'bpe', lowercase: false }, /"merges" array/);
  rejects({ kind: 'bpe', lowercase: false, merges: 'ab' }, /"merges" array/);
  rejects({ kind: 'bpe', lowercase: false, merges: [['a']] }, /merge #0 must be a pair/);
  rejects({ kind: 'bpe', lowercase: false, merges: [['a', '']] }, /merge #0 must be a pair/);
  rejects({ kind: 'bpe', lowercase: false, merges: [['a', 1]] }, /merge #0 must be a pair/);
  rejects({ kind: 'bpe', lowercase: false, merges: [['a', 'b'], ['a', 'b']] }, /merge #1 .* appears twice/);
  rejects({ kind: 'bpe', lowercase: false, merges: [['ab', 'c']] }, /no earlier merge produces/);
  rejects({ kind: 'bpe', lowercase: false, merges: [], alphabet: ['ab'] }, /"alphabet"/);
});

test('createTokenizer accepts hand-written merges that build on each other', () => {
  const tok = createTokenizer({ kind: 'bpe', lowercase: false, merges: [['a', 'b'], ['ab', 'c'], ['😀', '😀']] });
  assert.deepEqual(tok.tokenize('abcab 😀😀😀'), ['abc', 'ab', ' ', '😀😀', '😀']);
});
