import { isUtf8 } from 'node:buffer';
import { decodeCp1252 } from '../../../src/util/cp1252.js';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { readEmbeddings, type EmbeddingFile } from '../../../src/text/embeddings/index.js';
import { Rng } from '../../../src/util/rng.js';
import { sharedData } from '../../helpers.js';
import { f32, float32le, gloveText, tempFiles, word2vecBinary, word2vecText, type Rows } from './files.js';

const { file, cleanup } = tempFiles('embeddings-read');
after(cleanup);

const GLOVE = sharedData('glove/glove.6B.50d.top2446.txt');

function row(f: EmbeddingFile, word: string): number[] {
  const i = f.words.indexOf(word);
  assert.ok(i >= 0, `${word} not kept`);
  return Array.from(f.vectors.subarray(i * f.dim, (i + 1) * f.dim));
}

/** Independent of the reader: the whole file at once, lines split, a word that is not UTF-8 read as Windows-1252. */
function naiveGlove(path: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const bytes = readFileSync(path);
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i < bytes.length && bytes[i] !== 0x0a) continue;
    const line = bytes.subarray(start, i);
    start = i + 1;
    const sp = line.indexOf(0x20);
    if (sp < 0) continue;
    const wb = line.subarray(0, sp);
    const w = isUtf8(wb) ? wb.toString('utf8') : decodeCp1252(wb);
    const v = line.subarray(sp + 1).toString('utf8').split(' ');
    if (!out.has(w)) out.set(w, f32(v.map(Number)));
  }
  return out;
}

const SMALL: Rows = [
  ['the', [0.5, -1.25, 3]],
  ['Cat', [1e-3, 2.5e2, -2.5]],
  ['naïve', [-7, 0.125, 1]],
  ['🙂', [4, 5, 6]],
];

describe('the shared GloVe 6B slice', () => {
  test('2,446 rows of 50 numbers; the invalid UTF-8 lines are counted and read as Windows-1252', async () => {
    const f = await readEmbeddings(GLOVE);
    assert.equal(f.dim, 50);
    assert.equal(f.stats.format, 'glove');
    assert.equal(f.stats.gzip, false);
    assert.equal(f.stats.lines, 2446);
    // Five lines start with a lone Windows-1252 byte (0x96 0x92 0x97 0x93 0x94: dashes and
    // quotes); read as Windows-1252 they are five distinct words.
    assert.equal(f.stats.invalidUtf8Lines, 5);
    assert.equal(f.stats.duplicates, 0);
    assert.equal(f.stats.kept, 2446);
    assert.equal(f.words.length, 2446);
    assert.equal(f.vectors.length, 2446 * 50);
    assert.deepEqual(f.words.slice(0, 10), ['the', ',', '.', 'of', 'to', 'and', 'in', 'a', '"', "'s"]);
    for (const w of ['\u2013', '\u2019s', '\u2014', '\u201c', '\u201d']) assert.ok(f.words.includes(w), `${w} is a word`);
    assert.deepEqual(row(f, 'the').slice(0, 3), f32([0.418, 0.24968, -0.41242]));
    assert.deepEqual(row(f, '\u2013').slice(0, 2), f32([-0.40021, 1.1588])); // line 218: 0x96, an en dash
  });

  test('every stored value equals a whole-file parse (rows straddle the 64 KiB chunks)', async () => {
    const f = await readEmbeddings(GLOVE);
    const want = naiveGlove(GLOVE);
    assert.equal(want.size, f.words.length);
    f.words.forEach((w, i) => assert.deepEqual(Array.from(f.vectors.subarray(i * 50, (i + 1) * 50)), want.get(w), w));
  });

  test('keep stores only the wanted rows, in file order, and is asked once per row', async () => {
    const wanted = new Set(['of', 'the', 'paris', 'no-such-word']);
    let calls = 0;
    const f = await readEmbeddings(GLOVE, {
      keep: (w) => {
        calls++;
        return wanted.has(w);
      },
    });
    assert.deepEqual(f.words, ['the', 'of', 'paris']);
    assert.equal(f.vectors.length, 3 * 50);
    assert.equal(f.stats.kept, 3);
    assert.equal(f.stats.lines, 2446);
    assert.equal(calls, 2446);
    assert.deepEqual(row(f, 'of').slice(0, 3), f32([0.70853, 0.57088, -0.4716]));
  });

  test('maxWords stops reading once enough rows are kept', async () => {
    const f = await readEmbeddings(GLOVE, { maxWords: 5 });
    assert.deepEqual(f.words, ['the', ',', '.', 'of', 'to']);
    assert.equal(f.stats.lines, 5);
  });

  test('a gzipped copy reads the same, whatever its name', async () => {
    const gz = file('glove.txt', readFileSync(GLOVE), true);
    const [plain, zipped] = await Promise.all([readEmbeddings(GLOVE), readEmbeddings(gz, { dim: 50 })]);
    assert.equal(zipped.stats.gzip, true);
    assert.deepEqual(zipped.words, plain.words);
    assert.deepEqual(zipped.vectors, plain.vectors);
    assert.equal(zipped.stats.invalidUtf8Lines, 5);
  });
});

describe('GloVe text', () => {
  test('CRLF endings, a BOM, tabs, blank lines and a final line without newline', async () => {
    const text = '\uFEFFthe 0.5 -1.25 3\r\n\r\nCat\t0.001 250\t-2.5\r\nnaïve -7 0.125 1\n\n🙂 4 5 6';
    const f = await readEmbeddings(file('crlf.txt', text));
    assert.deepEqual(f.words, SMALL.map(([w]) => w));
    assert.deepEqual(Array.from(f.vectors), f32(SMALL.flatMap(([, v]) => v)));
    assert.equal(f.stats.lines, 4);
  });

  test('a word holding spaces (as a few GloVe 840B words do) is the text before the last dim numbers', async () => {
    const f = await readEmbeddings(file('spaces.txt', 'the 1 2\n. . . 3 4\nat name@domain.com 5 6\n'));
    assert.deepEqual(f.words, ['the', '. . .', 'at name@domain.com']);
    assert.deepEqual(Array.from(f.vectors), [1, 2, 3, 4, 5, 6]);
  });

  test('one line with invalid UTF-8 is decoded leniently and counted', async () => {
    const bytes = Buffer.concat([Buffer.from('a 1 2\ncaf'), Buffer.from([0xe9]), Buffer.from(' 3 4\nb 5 6\n')]);
    const f = await readEmbeddings(file('latin1.txt', bytes));
    assert.deepEqual(f.words, ['a', 'caf\u00e9', 'b'], 'the Latin-1/Windows-1252 byte 0xE9 is é');
    assert.equal(f.stats.invalidUtf8Lines, 1);
    // A real U+FFFD in the file is valid UTF-8 and not counted.
    assert.equal((await readEmbeddings(file('fffd.txt', 'caf\uFFFD 1 2\n'))).stats.invalidUtf8Lines, 0);
  });

  test('duplicate words: the first row wins, the others are counted', async () => {
    const f = await readEmbeddings(file('dup.txt', 'a 1 2\nb 3 4\na 5 6\na 7 8\n'));
    assert.deepEqual(f.words, ['a', 'b']);
    assert.deepEqual(Array.from(f.vectors), [1, 2, 3, 4]);
    assert.equal(f.stats.duplicates, 2);
    assert.equal(f.stats.lines, 4);
  });

  test('a row of one number is GloVe, not a word2vec header', async () => {
    const f = await readEmbeddings(file('one.txt', 'x 1\ny 2\n'));
    assert.equal(f.stats.format, 'glove');
    assert.equal(f.dim, 1);
  });
});

describe('word2vec text', () => {
  test('detected by its "count dim" line; trailing spaces after each value; gzipped too', async () => {
    for (const gzip of [false, true]) {
      const f = await readEmbeddings(file('w2v.txt', word2vecText(SMALL), gzip), { dim: 3 });
      assert.equal(f.stats.format, 'word2vec');
      assert.equal(f.stats.gzip, gzip);
      assert.equal(f.stats.lines, 4);
      assert.deepEqual(f.words, SMALL.map(([w]) => w));
      assert.deepEqual(Array.from(f.vectors), f32(SMALL.flatMap(([, v]) => v)));
    }
  });

  test('format can be forced either way', async () => {
    const w2v = file('w2v.txt', word2vecText(SMALL));
    assert.equal((await readEmbeddings(w2v, { format: 'word2vec' })).words.length, 4);
    const glove = file('glove.txt', gloveText(SMALL));
    assert.equal((await readEmbeddings(glove, { format: 'glove' })).stats.format, 'glove');
  });
});

describe('word2vec binary', () => {
  // Random values, as trained vectors are; plus words in several scripts.
  const rng = new Rng(7);
  const rows: Rows = ['</s>', 'the', 'Straße', '東京', 'x'].map((w) => [w, Array.from({ length: 20 }, () => rng.normal() * 0.3)]);

  for (const newline of [true, false]) {
    test(`read with${newline ? '' : 'out'} a newline after each vector, plain and gzipped`, async () => {
      for (const gzip of [false, true]) {
        const f = await readEmbeddings(file('w2v.bin', word2vecBinary(rows, newline), gzip));
        assert.equal(f.stats.format, 'word2vec-bin');
        assert.equal(f.stats.gzip, gzip);
        assert.equal(f.dim, 20);
        assert.deepEqual(f.words, rows.map(([w]) => w));
        assert.deepEqual(Array.from(f.vectors), f32(rows.flatMap(([, v]) => v)));
      }
    });
  }

  test('keep and an invalid-UTF-8 word, with the format given', async () => {
    // The second word is "été" in Latin-1 (é = 0xe9): invalid UTF-8.
    const latin = Buffer.concat([
      word2vecBinary([['a', [1, 2]]], true, '3 2\n'),
      Buffer.from('\xe9t\xe9 ', 'latin1'), float32le([3, 4]), Buffer.from('\n'),
      Buffer.from('b '), float32le([5, 6]), Buffer.from('\n'),
    ]);
    const f = await readEmbeddings(file('latin.bin', latin), { format: 'word2vec-bin', keep: (w) => w !== 'a' });
    assert.deepEqual(f.words, ['\u00e9t\u00e9', 'b']);
    assert.deepEqual(Array.from(f.vectors), [3, 4, 5, 6]);
    assert.equal(f.stats.invalidUtf8Lines, 1);
    assert.equal(f.stats.lines, 3);
  });

  test('large enough to straddle read chunks', async () => {
    const big: Rows = Array.from({ length: 800 }, (_, i) => [`w${i}`, Array.from({ length: 50 }, () => rng.normal())]);
    const f = await readEmbeddings(file('big.bin', word2vecBinary(big, true), true));
    assert.equal(f.words.length, 800);
    assert.deepEqual(Array.from(f.vectors), f32(big.flatMap(([, v]) => v)));
  });
});
