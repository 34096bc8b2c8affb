import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { readEmbeddings, type EmbeddingFormat } from '../../../src/text/embeddings/index.js';
import { sharedData } from '../../helpers.js';
import { float32le, rejects, tempFiles, word2vecBinary, word2vecText, type Rows } from './files.js';

const { file, cleanup } = tempFiles('embeddings-errors');
after(cleanup);

const ROWS: Rows = [
  ['a', [1, 2, 3, 4]],
  ['b', [5, 6, 7, 8]],
  ['c', [-1, -2, -3, -4]],
];

describe('bad embedding files are one RnnlabError line', () => {
  test('a missing file, a directory', async () => {
    await rejects(readEmbeddings(join(tmpdir(), 'rnnlab-no-such-embeddings.txt')), /^cannot read .*rnnlab-no-such-embeddings\.txt: no such file$/);
    await rejects(readEmbeddings(tmpdir()), /: it is a directory$/);
    // a named pipe with no writer would block a read for ever: refused before any read
    const fifo = join(mkdtempSync(join(tmpdir(), 'rnnlab-fifo-')), 'vectors.txt');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo works');
    await rejects(readEmbeddings(fifo), /vectors\.txt: it is a named pipe \(FIFO\), not a regular file; save the data to a file first$/);
    rmSync(dirname(fifo), { recursive: true, force: true });
  });

  test('an empty file, plain or gzipped, in every format; a file of blank lines; a header and no vectors', async () => {
    const empty = file('empty.txt', '');
    for (const format of ['auto', 'glove', 'word2vec', 'word2vec-bin'] as const) {
      await rejects(readEmbeddings(empty, { format }), /empty\.txt is empty$/);
    }
    await rejects(readEmbeddings(file('empty.txt.gz', '', true)), /is empty$/);
    await rejects(readEmbeddings(file('blank.txt', '\n\n  \n')), /blank\.txt holds no vectors$/);
    await rejects(readEmbeddings(file('header.txt', '0 50\n')), /header\.txt holds no vectors$/);
  });

  test('rows that disagree on the width name the line', async () => {
    await rejects(readEmbeddings(file('short.txt', 'a 1 2 3\nb 4 5 6\n\nc 7 8\n')), /short\.txt: line 4 has 2 numbers after its word but line 1 has 3; every row must have the same width$/);
    await rejects(readEmbeddings(file('long.txt', 'a 1 2 3\nb 4 5 6 7\n')), /line 2 has 4 numbers after its word but line 1 has 3/);
    await rejects(readEmbeddings(file('bare.txt', 'a 1\nb\n')), /line 2 has 0 numbers after its word but line 1 has 1/);
    await rejects(readEmbeddings(file('word.txt', 'lonely\n')), /line 1 has a word but no numbers$/);
    const w2v = word2vecText(ROWS).replace('b 5 6 7 8 ', 'b 5 6 7 ');
    await rejects(readEmbeddings(file('w2v.txt', w2v)), /line 3 has 3 numbers after its word but the header says 4/);
  });

  test('a file whose width is not --embed', async () => {
    await rejects(readEmbeddings(sharedData('glove/glove.6B.50d.top2446.txt'), { dim: 64 }), /^the embedding file .*glove\.6B\.50d\.top2446\.txt has 50-dimensional vectors but --embed is 64$/);
    await rejects(readEmbeddings(file('w2v.txt', word2vecText(ROWS)), { dim: 3 }), /has 4-dimensional vectors but --embed is 3$/);
    await rejects(readEmbeddings(file('w2v.bin', word2vecBinary(ROWS, true)), { dim: 300 }), /has 4-dimensional vectors but --embed is 300$/);
    await rejects(readEmbeddings(file('ok.txt', 'a 1\n'), { dim: 0 }), /--embed must be a positive integer, got 0$/);
  });

  test('a binary file that is not word2vec binary', async () => {
    const junk = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00, 0x61, 0x62]); // a zip's start
    await rejects(readEmbeddings(file('vectors.zip', junk)), /vectors\.zip looks binary but is not a word2vec binary file/);
    await rejects(readEmbeddings(file('vectors.zip', junk), { format: 'glove' }), /line 1 holds NUL bytes, so this is a binary file, not GloVe text$/);
    // A binary file read as text is refused on its first line of vectors.
    await rejects(readEmbeddings(file('w2v.bin', word2vecBinary(ROWS, true)), { format: 'word2vec' }), /line 2 holds NUL bytes, so this is a binary file, not word2vec text$/);
    await rejects(readEmbeddings(file('glove.txt', 'a 1 2\n'), { format: 'word2vec-bin' }), /glove\.txt is not a word2vec binary file: its first line is not "count dim"$/);
    await rejects(readEmbeddings(file('glove.txt', 'a 1 2\n'), { format: 'word2vec' }), /glove\.txt is not word2vec text: its first line should be "count dim", got "a 1 2"$/);
  });

  test('a truncated word2vec binary file', async () => {
    const whole = word2vecBinary(ROWS, true);
    for (const cut of [2, 5, 17, 19, 20]) {
      await rejects(readEmbeddings(file('cut.bin', whole.subarray(0, whole.length - cut))), /cut\.bin is truncated: its header announces 3 vectors of 4 float32 but the file ends after 2$/);
    }
    // The newline after the last vector is optional: without it the file is whole.
    await readEmbeddings(file('whole.bin', whole.subarray(0, whole.length - 1)));
    await rejects(readEmbeddings(file('cut.bin.gz', whole.subarray(0, whole.length - 5), true)), /is truncated/);
    // The header promises more vectors than there are.
    await rejects(readEmbeddings(file('few.bin', word2vecBinary(ROWS, false, '5 4\n'))), /announces 5 vectors of 4 float32 but the file ends after 3$/);
    await rejects(readEmbeddings(file('more.bin', word2vecBinary(ROWS, false, '2 4\n'))), /more\.bin holds more data after the 2 vectors its header announces$/);
    // …and the same for word2vec text.
    await rejects(readEmbeddings(file('few.txt', word2vecText(ROWS).replace(/^3 /, '4 '))), /few\.txt is truncated: its header announces 4 vectors but it holds 3$/);
    await rejects(readEmbeddings(file('more.txt', word2vecText(ROWS).replace(/^3 /, '2 '))), /more\.txt: line 4 is one vector more than the 2 its header announces$/);
  });

  test('a number that does not parse names the line, the text and the word', async () => {
    for (const bad of ['abc', 'nan', 'NaN', 'inf', 'Infinity', '1e999', '0x10', '0b1', '0o7', '1,5', '--1', '\u00a0']) {
      await rejects(readEmbeddings(file('nan.txt', `a 1 2 3\nb 4 ${bad} 6\n`)), /nan\.txt: line 2: ".*" is not a finite number \(value 2 of "b"\)$/);
    }
    await rejects(readEmbeddings(file('nbsp.txt', 'a 1 2 3\nb 4 \u00a0 6\n')), /line 2: "\u00a0" is not a finite number/);
    const nanBin = Buffer.concat([Buffer.from('1 2\nx '), float32le([1, NaN])]);
    await rejects(readEmbeddings(file('nan.bin', nanBin)), /nan\.bin: vector 1 \("x"\) has a value that is not a finite number$/);
  });

  test('a line of more than 1 MiB, corrupt gzip, an unknown format, a bad maxWords', async () => {
    await rejects(readEmbeddings(file('huge.txt', `a ${'1 '.repeat(600_000)}\n`)), /huge\.txt: line 1 is longer than 1 MiB/);
    const gz = gzipSync(readFileSync(sharedData('glove/glove.6B.50d.top2446.txt')));
    await rejects(readEmbeddings(file('bad.gz', gz.subarray(0, 5000))), /bad\.gz: corrupt gzip data \(unexpected end of file\)$/);
    await rejects(readEmbeddings(file('ok.txt', 'a 1\n'), { format: 'fasttext' as EmbeddingFormat }), /unknown embedding file format "fasttext"/);
    await rejects(readEmbeddings(file('ok.txt', 'a 1\n'), { maxWords: 0 }), /positive integer, got 0$/);
  });
});
