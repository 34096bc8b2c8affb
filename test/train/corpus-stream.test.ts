/**
 * The streaming corpus builder against the one it replaced (corpus-reference.ts): the same
 * vocabulary, ids, split, counts and document starts on a generated corpus of about a megabyte whose
 * read chunks (64 KiB) cut through multi-byte characters, words, CRLF and combining marks.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { prepareCorpus, type Corpus, type CorpusOptions, type LoadProgress } from '../../src/train/corpus.js';
import { Rng } from '../../src/util/rng.js';
import { referenceCorpus, type ReferenceCorpus } from './corpus-reference.js';

const dir = mkdtempSync(join(tmpdir(), 'rnnlab-corpus-stream-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const WORDS = [
  'the', 'The', 'time', 'machine', 'traveller', 'café', 'naïve', 'e\u0301te\u0301', 'Σοφία', 'ΟΔΟΣ', 'мир', 'ёлка', "don't", 'k-means',
  '3.14', '1,000', 'state-of-the-art', 'https://example.org/a_(b)', 'me@ex.org', '👩‍💻', '🇫🇷', '中文', '.', ',', '!', '?', '—', '«', '»',
  '<unk>', 'ﬁne', '𝐀𝐁', 'ß',
];
const SPACES = [' ', ' ', ' ', ' ', '\n', '\r\n', '  ', '\u00a0', '\t', '\n\n'];

function generated(rng: Rng, bytes: number, vocabularyNoise = 0): string {
  const parts: string[] = [];
  let n = 0;
  while (n < bytes) {
    const w = vocabularyNoise > 0 && rng.int(4) === 0 ? `w${rng.int(vocabularyNoise)}` : WORDS[rng.int(WORDS.length)];
    const s = SPACES[rng.int(SPACES.length)];
    parts.push(w, s);
    n += Buffer.byteLength(w) + Buffer.byteLength(s);
  }
  return parts.join('');
}

/** Bytes of `text` with chosen strings placed so they straddle the reader's 64 KiB chunk edges. */
function withStraddles(text: string): Buffer {
  const buf = Buffer.from(text);
  const edge = 65_536;
  const place = (at: number, s: string) => Buffer.from(s).copy(buf, at);
  place(edge - 1, 'é');            // a 2-byte character across the first edge
  place(2 * edge - 2, '👩');       // a 4-byte character across the second
  place(3 * edge - 1, '\r\n');     // CRLF across the third
  place(4 * edge - 1, 'e\u0301');  // a base letter, its combining mark after the edge
  place(5 * edge - 3, ' machine '); // a word across the fifth
  // the placements may have cut a multi-byte character; make the whole valid UTF-8 again
  return Buffer.from(buf.toString('utf8').replace(/\ufffd/g, 'x'));
}

const rng = new Rng(2024);
const big = join(dir, 'big.txt');
writeFileSync(big, withStraddles(generated(rng, 800_000)));
const bigGz = join(dir, 'big.txt.gz');
writeFileSync(bigGz, gzipSync(withStraddles(generated(new Rng(7), 400_000))));
const other = join(dir, 'other.txt');
writeFileSync(other, generated(new Rng(5), 200_000, 3000));
const wide = join(dir, 'wide.txt');
writeFileSync(wide, Array.from({ length: 70_000 }, (_, i) => `w${i}`).join(' ') + ' w1 w2\n');
const jsonl = join(dir, 'docs.jsonl');
writeFileSync(jsonl, Array.from({ length: 400 }, (_, i) => JSON.stringify({ text: i % 37 === 0 ? '' : generated(rng, 300 + rng.int(3000)) })).join('\n') + '\n');

const base: CorpusOptions = {
  level: 'char', lowercase: false, bpeMerges: 0, minFreq: 1, maxVocab: 0, batching: 'stream', valFraction: 0.1, seed: 3, source: {},
};

function same(got: Corpus, want: ReferenceCorpus, what: string): void {
  assert.deepEqual(got.vocab.tokens, want.vocab.tokens, `${what}: vocabulary`);
  assert.equal(got.data.kind, want.data.kind, what);
  if (got.data.kind === 'stream' && want.data.kind === 'stream') {
    assert.deepEqual(Array.from(got.data.train), Array.from(want.data.train), `${what}: training ids`);
    assert.deepEqual(Array.from(got.data.val), Array.from(want.data.val), `${what}: validation ids`);
  } else if (got.data.kind === 'docs' && want.data.kind === 'docs') {
    assert.deepEqual(got.data.train.map((d) => Array.from(d)), want.data.train.map((d) => Array.from(d)), `${what}: training documents`);
    assert.deepEqual(got.data.val.map((d) => Array.from(d)), want.data.val.map((d) => Array.from(d)), `${what}: validation documents`);
  }
  assert.deepEqual(
    { tokens: got.tokens, oov: got.oov, unknown: got.unknown, documentStarts: got.documentStarts, stats: got.stats, tokenizer: got.tokenizer.settings },
    { tokens: want.tokens, oov: want.oov, unknown: want.unknown, documentStarts: want.documentStarts, stats: want.stats, tokenizer: want.tokenizer.settings },
    what,
  );
}

async function check(path: string, o: Partial<CorpusOptions>, what: string): Promise<Corpus> {
  const opts = { ...base, ...o };
  const got = await prepareCorpus(path, opts);
  same(got, await referenceCorpus(path, opts), what);
  return got;
}

test('char stream of a generated file: the same ids as whole-file tokenization, packed in 16 bits', async () => {
  const progress: LoadProgress[] = [];
  const c = await check(big, { progress: (p) => progress.push(p) }, 'char');
  assert.ok(c.data.kind === 'stream' && c.data.train instanceof Uint16Array);
  assert.ok(progress.length > 10, 'progress is reported chunk by chunk');
  const last = progress[progress.length - 1];
  assert.equal(last.done, true);
  assert.equal(last.bytes, last.total);
  assert.ok(progress.every((p, i) => i === 0 || p.bytes >= progress[i - 1].bytes));
});

test('char stream, lower-cased, from gzip; and with a vocabulary cut short (dropped characters)', async () => {
  await check(bigGz, { lowercase: true }, 'char gzip lowercase');
  const c = await check(big, { maxVocab: 20 }, 'char max-vocab 20');
  assert.ok(c.oov > 0);
});

test('word, wordpunct and whitespace tokenizers stream to the same ids', async () => {
  await check(big, { level: 'word' }, 'word');
  await check(big, { level: 'word', lowercase: true, minFreq: 3 }, 'word lowercase min-freq 3');
  await check(big, { level: 'word', tokenizer: 'wordpunct', maxVocab: 30 }, 'wordpunct');
  await check(big, { level: 'word', tokenizer: 'whitespace', unkToken: '<unk>', eosPerLine: true, batching: 'window' }, 'whitespace');
});

test('BPE learns the same merges and gives the same ids', async () => {
  await check(bigGz, { level: 'bpe', bpeMerges: 60 }, 'bpe');
});

test('a vocabulary past 65,536 entries packs 32-bit ids', async () => {
  const c = await check(wide, { level: 'word', tokenizer: 'whitespace' }, 'wide vocabulary');
  assert.ok(c.vocab.size > 65_536);
  assert.ok(c.data.kind === 'stream' && c.data.train instanceof Int32Array);
});

test('documents (JSON Lines, empty ones included): streams with separators, padded documents, a limit on documents', async () => {
  await check(jsonl, { batching: 'stream' }, 'char stream of documents');
  await check(jsonl, { level: 'word', batching: 'stream', maxDocs: 50 }, 'word stream, 50 documents');
  const d = await check(jsonl, { level: 'word', batching: 'pad', valFraction: 0.2 }, 'word documents');
  assert.ok(d.data.kind === 'docs' && d.data.train.every((x) => x instanceof Uint16Array));
  await check(jsonl, { level: 'char', batching: 'bucket' }, 'char documents');
  await check(big, { level: 'word', source: { unit: 'line' } }, 'plain text by line');
});

test('a reused vocabulary maps unknown tokens the same way, and strictness fails with the same message', async () => {
  const trained = await prepareCorpus(other, { ...base, level: 'word', maxVocab: 25 });
  const reuse = { tokenizer: trained.tokenizer, vocab: trained.vocab };
  const held = { ...base, level: 'word' as const, valFraction: 0 };
  same(await prepareCorpus(big, held, reuse), await referenceCorpus(big, held, reuse), 'word with [UNK]');
  const charTrained = await prepareCorpus(other, { ...base, maxVocab: 30 });
  const charReuse = { tokenizer: charTrained.tokenizer, vocab: charTrained.vocab };
  same(await prepareCorpus(big, { ...base, valFraction: 0 }, charReuse), await referenceCorpus(big, { ...base, valFraction: 0 }, charReuse), 'char dropping unknown characters');
  const strict = { ...held, strictVocab: true };
  const want = await referenceCorpus(jsonl, strict, reuse).then(() => null, (e: Error) => e.message);
  assert.ok(want && /tokens not in the vocabulary/.test(want));
  await assert.rejects(prepareCorpus(jsonl, strict, reuse), (e: Error) => e.message === want);
});
