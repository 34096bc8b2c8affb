/**
 * Property-based fuzzing of everything that reads user text: each tokenizer, the CSV, JSON-array
 * and JSON Lines readers and the byte decoder. Any input (random strings with astral characters,
 * lone surrogates, invisible and combining characters; random bytes) gives a result or an
 * RnnlabError — never another exception, never a hang — and the invariants that exist hold.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { RnnlabError } from '../../src/errors.js';
import { parseCsv } from '../../src/text/sources/csv-parse.js';
import { ByteDecoder, ENCODINGS } from '../../src/text/sources/decode.js';
import { readDocuments } from '../../src/text/sources/index.js';
import { readJsonArray } from '../../src/text/sources/json-array.js';
import { readJsonLines } from '../../src/text/sources/jsonl.js';
import { learnBpe } from '../../src/text/tokenizers/bpe.js';
import { createTokenizer, normalizeText, type Tokenizer } from '../../src/text/tokenizers/tokenizer.js';

const dir = mkdtempSync(join(tmpdir(), 'rnnlab-fuzz-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Every limit in one place: the whole file stays well under 5 s. */
const RUNS = 200;
const LIMIT = { timeout: 5000 };

/** Characters that have broken tokenizers before, mixed into arbitrary code points (lone surrogates included). */
const tricky = fc.constantFrom(
  '\uD83D', '\uDE00', '😀', '👩\u200D💻', '🇺🇦', '\u200B', '\u200C', '\u200D', '\u200E', '\u00AD', '\uFEFF', '\u2060',
  '\u0305', '\u0323', '\u00B7', '我', 'カ', '\u3099', 'ё', '\r\n', '\r', '\n', '\t', ' ', '"', ',', "'", '-', '–', '.', 'http://x.y/', 'a@b.co', '\0', '𝐀',
);
const text = fc.array(fc.oneof(fc.string({ unit: 'binary', maxLength: 6 }), tricky, fc.string({ maxLength: 6 })), { maxLength: 30 }).map((parts) => parts.join(''));

/** Runs `f`; an RnnlabError is an answer, any other exception fails the property. */
function resultOrRnnlabError<T>(f: () => T): T | RnnlabError {
  try {
    return f();
  } catch (err) {
    if (err instanceof RnnlabError) return err;
    throw err;
  }
}

async function resultOrRnnlabErrorAsync<T>(f: () => Promise<T>): Promise<T | RnnlabError> {
  try {
    return await f();
  } catch (err) {
    if (err instanceof RnnlabError) return err;
    throw err;
  }
}

async function* chunks(s: string, size: number): AsyncGenerator<string> {
  for (let i = 0; i < s.length; i += size) yield s.slice(i, i + size);
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const WHITESPACE = /\s/u;

describe('tokenizers', () => {
  const tokenizers: Record<string, Tokenizer> = {
    char: createTokenizer({ kind: 'char', lowercase: false }),
    charLower: createTokenizer({ kind: 'char', lowercase: true }),
    word: createTokenizer({ kind: 'word', lowercase: false }),
    wordpunct: createTokenizer({ kind: 'wordpunct', lowercase: true }),
    whitespace: createTokenizer({ kind: 'whitespace', lowercase: false, unkToken: '<unk>', eosPerLine: true }),
  };

  test('char: one code point a token, and the tokens join back to the text', LIMIT, () => {
    fc.assert(fc.property(text, fc.boolean(), (s, lower) => {
      const t = lower ? tokenizers.charLower : tokenizers.char;
      const tokens = t.tokenize(s);
      assert.equal(tokens.join(''), normalizeText(s, lower));
      for (const tok of tokens) assert.equal(Array.from(tok).length, 1);
      assert.equal(t.detokenize(tokens), normalizeText(s, lower));
    }), { numRuns: RUNS });
  });

  test('word, wordpunct, whitespace: non-empty tokens without whitespace, idempotent on their own output', LIMIT, () => {
    fc.assert(fc.property(text, (s) => {
      for (const kind of ['word', 'wordpunct', 'whitespace'] as const) {
        const t = tokenizers[kind];
        const tokens = resultOrRnnlabError(() => t.tokenize(s));
        assert.ok(Array.isArray(tokens), `${kind} gave ${String(tokens)}`);
        for (const tok of tokens) {
          assert.ok(tok.length > 0, `${kind}: empty token`);
          assert.ok(!WHITESPACE.test(tok), `${kind}: whitespace inside ${JSON.stringify(tok)}`);
        }
        if (kind === 'wordpunct') assert.equal(tokens.join(''), normalizeText(s, true).replace(/\s+/gu, ''));
        // a token read on its own is that token again (word and wordpunct)
        if (kind !== 'whitespace') for (const tok of tokens) assert.deepEqual(t.tokenize(tok).join(''), tok, `${kind}: ${JSON.stringify(tok)}`);
      }
    }), { numRuns: RUNS });
  });

  test('bpe: learnt on random text, it encodes any text losslessly', LIMIT, () => {
    fc.assert(fc.property(fc.array(text, { minLength: 1, maxLength: 4 }), text, fc.integer({ min: 0, max: 30 }), (corpus, s, merges) => {
      const bpe = createTokenizer(learnBpe(corpus, merges, { lowercase: false }));
      const tokens = bpe.tokenize(s);
      assert.equal(tokens.join(''), normalizeText(s, false));
      assert.ok(tokens.every((t) => t.length > 0));
    }), { numRuns: 100 });
  });
});

describe('readers', () => {
  test('CSV: any text and delimiter gives records or an RnnlabError', LIMIT, async () => {
    await fc.assert(fc.asyncProperty(text, fc.constantFrom(',', '\t', ';', '|'), fc.integer({ min: 1, max: 9 }), async (s, delim, size) => {
      const s1 = s.replace(/\r\n?/g, '\n');
      const r = await resultOrRnnlabErrorAsync(() => collect(parseCsv(chunks(s1, size), 'fuzz.csv', delim)));
      if (r instanceof RnnlabError) assert.match(r.message, /^fuzz\.csv line \d+: /);
    }), { numRuns: RUNS });
  });

  test('CSV: fields written with quoting are read back, whatever they hold, however chunked', LIMIT, async () => {
    const field = fc.oneof(text, fc.constant(''));
    await fc.assert(fc.asyncProperty(fc.array(fc.array(field, { minLength: 2, maxLength: 2 }), { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 7 }), async (rows, size) => {
      const clean = rows.map((r) => r.map((f) => f.replace(/\r\n?/g, '\n')));
      const csv = clean.map((r) => r.map((f) => `"${f.replace(/"/g, '""')}"`).join(',')).join('\n') + '\n';
      const got = await collect(parseCsv(chunks(csv, size), 'rt.csv', ','));
      assert.deepEqual(got.map((g) => g.fields), clean);
    }), { numRuns: RUNS });
  });

  test('JSON array and JSON Lines: any text gives documents or an RnnlabError with a location', LIMIT, async () => {
    const jsonish = fc.oneof(text, text.map((s) => `[${s}]`), text.map((s) => `{"text": ${s}}`), fc.json());
    await fc.assert(fc.asyncProperty(jsonish, fc.integer({ min: 1, max: 9 }), async (s, size) => {
      for (const read of [readJsonArray, readJsonLines]) {
        const r = await resultOrRnnlabErrorAsync(() => collect(read(chunks(s, size), 'fuzz.json', {})));
        if (r instanceof RnnlabError) assert.match(r.message, /^fuzz\.json( line \d+| element \[\d+\]|:| contains)/, r.message);
      }
    }), { numRuns: RUNS });
  });

  test('JSON array and JSON Lines: records written are read back, however chunked', LIMIT, async () => {
    await fc.assert(fc.asyncProperty(fc.array(text, { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 9 }), async (texts, size) => {
      // JSON.stringify writes a lone surrogate as an escape, which JSON.parse reads back
      const records = texts.map((t, i) => ({ text: t, label: i }));
      const array = await collect(readJsonArray(chunks(JSON.stringify(records, null, 1), size), 'a.json', { labelField: 'label' }));
      assert.deepEqual(array, records.map((r) => ({ text: r.text, label: String(r.label) })));
      const lines = await collect(readJsonLines(chunks(records.map((r) => JSON.stringify(r)).join('\n'), size), 'a.jsonl', {}));
      assert.deepEqual(lines.map((d) => d.text), texts);
    }), { numRuns: RUNS });
  });

  test('the byte decoder: random bytes in any encoding give text or an RnnlabError', LIMIT, () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), fc.constantFrom(...ENCODINGS), fc.integer({ min: 1, max: 9 }), (bytes, encoding, size) => {
      const r = resultOrRnnlabError(() => {
        const d = new ByteDecoder('fuzz.bin', encoding);
        let out = '';
        for (let i = 0; i < bytes.length; i += size) out += d.push(bytes.subarray(i, i + size));
        return out + d.end();
      });
      if (typeof r === 'string') assert.ok(!r.includes('\0'), 'a NUL never gets through');
      else assert.match(r.message, /^fuzz\.bin/);
    }), { numRuns: 500 });
  });

  test('files of random bytes, in every format: documents or an RnnlabError', LIMIT, async () => {
    let n = 0;
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), fc.constantFrom('txt', 'csv', 'json', 'jsonl'), fc.constantFrom(...ENCODINGS), async (bytes, ext, encoding) => {
      const path = join(dir, `${n++}.${ext}`);
      writeFileSync(path, bytes);
      const r = await resultOrRnnlabErrorAsync(() => collect(readDocuments(path, { encoding })));
      if (!(r instanceof RnnlabError)) assert.ok(r.length > 0 && r.some((d) => /\S/u.test(d.text)));
    }), { numRuns: 60 });
  });
});
