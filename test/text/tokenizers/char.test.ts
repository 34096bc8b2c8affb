import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../src/util/rng.js';
import { createTokenizer, normalizeText } from '../../../src/text/tokenizers/tokenizer.js';
import { CYRILLIC_TEXT, randomUnicode, timeMachineSlice } from './random-unicode.js';

const char = createTokenizer({ kind: 'char', lowercase: false });
const lower = createTokenizer({ kind: 'char', lowercase: true });

test('char: one token per code point, not per UTF-16 unit', () => {
  assert.deepEqual(char.tokenize('a𝔘b'), ['a', '𝔘', 'b']);
  assert.deepEqual(char.tokenize('😀!'), ['😀', '!']);
  assert.deepEqual(char.tokenize('Ёж'), ['Ё', 'ж']);
  assert.deepEqual(char.tokenize('漢字'), ['漢', '字']);
  assert.deepEqual(char.tokenize(''), []);
});

test('char: ZWJ emoji and skin tones are several tokens that join back', () => {
  const coder = '👩\u200d💻';
  assert.deepEqual(char.tokenize(coder), ['👩', '\u200d', '💻']);
  assert.deepEqual(char.tokenize('👍🏽'), ['👍', '🏽']);
  assert.equal(char.detokenize(char.tokenize(`hi ${coder} 👍🏽 🇺🇦`)), `hi ${coder} 👍🏽 🇺🇦`);
});

test('char: input is NFC-normalised first', () => {
  assert.deepEqual(char.tokenize('e\u0301'), ['é']);
  assert.deepEqual(char.tokenize('\u0435\u0308'), ['ё']);
  assert.deepEqual(char.tokenize('\u1100\u1161'), ['가']);
});

test('char: lowercase option, Unicode-aware and idempotent', () => {
  assert.deepEqual(lower.tokenize('ПРИВЕТ Ab'), [...'привет ab']);
  assert.equal(lower.detokenize(lower.tokenize('ΟΔΟΣ')), 'οδος');
  const dotted = normalizeText('İ', true);
  assert.equal(normalizeText(dotted, true), dotted);
  assert.equal(lower.settings.lowercase, true);
});

test('char: round-trips seeded random Unicode strings', () => {
  const rng = new Rng(1234);
  for (let i = 0; i < 300; i++) {
    const s = randomUnicode(rng, 40);
    const tokens = char.tokenize(s);
    assert.equal(char.detokenize(tokens), s.normalize('NFC'));
    for (const t of tokens) assert.equal([...t].length, 1);
    const lowered = lower.tokenize(s);
    assert.equal(lower.detokenize(lowered), normalizeText(s, true));
    assert.equal(normalizeText(normalizeText(s, true), true), normalizeText(s, true));
  }
});

test('char: round-trips The Time Machine and a Cyrillic text', () => {
  assert.equal(char.roundTrips, true);
  for (const text of [timeMachineSlice(20000), CYRILLIC_TEXT]) {
    assert.equal(char.detokenize(char.tokenize(text)), text.normalize('NFC'));
  }
  const decomposed = CYRILLIC_TEXT.includes('\u0438\u0306');
  assert.ok(decomposed);
  assert.ok(char.tokenize(CYRILLIC_TEXT).includes('й'));
});
