/**
 * The whitespace tokenizer on a PTB-shaped snippet: tokens are what spaces separate, the corpus's
 * own <unk> becomes [UNK], every line break an [EOS], and the settings round-trip through a
 * checkpoint's JSON.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTokenizer } from '../../../src/text/tokenizers/tokenizer.js';
import { Vocab, SPECIALS, countTokens } from '../../../src/text/vocab.js';

const PTB = ' aer banknote berlitz <unk> \n pierre <unk> N years old will join the board as a nonexecutive director nov. N \n';

test('PTB lines: <unk> is [UNK], each line ends with [EOS], N and punctuation stay tokens', () => {
  const t = createTokenizer({ kind: 'whitespace', lowercase: false, unkToken: '<unk>', eosPerLine: true });
  const tokens = t.tokenize(PTB);
  assert.deepEqual(tokens.slice(0, 5), ['aer', 'banknote', 'berlitz', '[UNK]', '[EOS]']);
  assert.deepEqual(tokens.slice(-4), ['director', 'nov.', 'N', '[EOS]']);
  assert.equal(tokens.filter((x) => x === '[EOS]').length, 2, 'two lines, two [EOS]');
  assert.equal(tokens.at(-1), '[EOS]');
  assert.equal(tokens.at(-2), 'N');
  // the vocabulary is the corpus's types (less <unk>) plus the specials; nothing is out of vocabulary
  const counts = new Map<string, number>();
  countTokens(counts, tokens);
  const v = Vocab.build(counts, { specials: SPECIALS });
  const types = new Set(PTB.split(/\s+/).filter((w) => w && w !== '<unk>'));
  assert.equal(v.size, types.size + SPECIALS.length);
  assert.equal(v.encode(tokens, 'error').oov, 0);
  assert.equal(v.encode(tokens, 'error').ids[3], v.unk);
});

test('without the options: plain whitespace splitting; no [EOS] after a last line without a break', () => {
  const plain = createTokenizer({ kind: 'whitespace', lowercase: true });
  assert.deepEqual(plain.tokenize('The  <unk>\tcat\n sat'), ['the', '<unk>', 'cat', 'sat']);
  const eos = createTokenizer({ kind: 'whitespace', lowercase: false, eosPerLine: true });
  assert.deepEqual(eos.tokenize('a b\nc'), ['a', 'b', '[EOS]', 'c']);
  assert.deepEqual(eos.tokenize('a\n\nb\n'), ['a', '[EOS]', '[EOS]', 'b', '[EOS]'], 'an empty line is an empty sentence, as "\\n" → <eos> makes it');
  assert.equal(eos.detokenize(['a', 'b', '[EOS]', 'c']), 'a b\nc');
});

test('with --lowercase the unknown-word token is lower-cased too, so it stays [UNK]', () => {
  const t = createTokenizer({ kind: 'whitespace', lowercase: true, unkToken: '<UNK>' });
  assert.deepEqual(t.tokenize('The <UNK> Cat'), ['the', '[UNK]', 'cat']);
});

test('settings survive a checkpoint and bad ones are refused', () => {
  const t = createTokenizer({ kind: 'whitespace', lowercase: false, unkToken: '<unk>', eosPerLine: true });
  const again = createTokenizer(JSON.parse(JSON.stringify(t.settings)));
  assert.deepEqual(again.tokenize(PTB), t.tokenize(PTB));
  assert.throws(() => createTokenizer({ kind: 'whitespace', lowercase: false, unkToken: 'two words' }), /one non-empty token without spaces/);
  assert.throws(() => createTokenizer({ kind: 'word', lowercase: false, unkToken: '<unk>' }), /"unkToken" only applies to whitespace/);
});
