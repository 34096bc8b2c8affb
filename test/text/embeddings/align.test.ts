import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { RnnlabError } from '../../../src/errors.js';
import { alignEmbeddings, readEmbeddings, selectForVocab, type EmbeddingFile } from '../../../src/text/embeddings/index.js';
import { EOS, PAD, SOS, SPECIALS, UNK, Vocab } from '../../../src/text/vocab.js';
import { sharedData } from '../../helpers.js';
import { gloveText, tempFiles } from './files.js';

const { file, cleanup } = tempFiles('embeddings-align');
after(cleanup);

function row(m: Float32Array, dim: number, id: number): number[] {
  return Array.from(m.subarray(id * dim, (id + 1) * dim));
}

function small(): Promise<EmbeddingFile> {
  const text = gloveText([
    ['the', [1, 2]],
    ['paris', [3, 4]],
    ['Paris', [5, 6]],
    ['cat', [7, 8]],
  ]);
  return readEmbeddings(file('small.txt', text));
}

describe('alignEmbeddings', () => {
  test('exact, then lower-case fallback; PAD zeros; specials and uncovered words random; the report', async () => {
    const vocab = Vocab.fromOrdered(['the', 'Paris', 'PARIS', 'The', 'dog'], { specials: SPECIALS });
    const a = alignEmbeddings(vocab, await small(), { seed: 3 });
    const at = (t: string) => row(a.matrix, 2, vocab.id(t));
    assert.equal(a.matrix.length, vocab.size * 2);
    assert.deepEqual(at('the'), [1, 2]);
    assert.deepEqual(at('Paris'), [5, 6]); // its own row, not the lower-case one
    assert.deepEqual(at('PARIS'), [3, 4]);
    assert.deepEqual(at('The'), [1, 2]);
    assert.deepEqual(at(PAD), [0, 0]);
    for (const t of [SOS, EOS, UNK, 'dog']) assert.ok(at(t).every((x) => x !== 0 && Number.isFinite(x)), t);
    assert.deepEqual([a.covered, a.exact, a.lowercased, a.words], [4, 2, 2, 5]);
    assert.equal(a.report, 'embeddings: 4 of 5 vocabulary words covered (80.0 %, 2 through lower case)');
  });

  test('seeded: the same seed gives the same matrix, another seed other random rows only', async () => {
    const vocab = Vocab.fromOrdered(['the', 'dog', 'cow'], { specials: SPECIALS });
    const f = await small();
    const a = alignEmbeddings(vocab, f, { seed: 1 });
    assert.deepEqual(alignEmbeddings(vocab, f, { seed: 1 }).matrix, a.matrix);
    const b = alignEmbeddings(vocab, f, { seed: 2 });
    assert.deepEqual(row(b.matrix, 2, vocab.id('the')), row(a.matrix, 2, vocab.id('the')));
    assert.notDeepEqual(row(b.matrix, 2, vocab.id('dog')), row(a.matrix, 2, vocab.id('dog')));
  });

  test('uncovered rows are N(0, σ²) with σ the standard deviation of the covered values (GloVe slice)', async () => {
    const f = await readEmbeddings(sharedData('glove/glove.6B.50d.top2446.txt'));
    const unknown = Array.from({ length: 3000 }, (_, i) => `zz-unknown-${i}`);
    const vocab = Vocab.fromOrdered([...f.words, ...unknown], { specials: SPECIALS });
    const a = alignEmbeddings(vocab, f, { seed: 42 });
    assert.equal(a.covered, 2446);
    assert.equal(a.report, 'embeddings: 2,446 of 5,446 vocabulary words covered (44.9 %), 5 lines with invalid UTF-8');

    const covered = a.matrix.subarray(vocab.id(f.words[0]) * 50, (vocab.id(f.words[f.words.length - 1]) + 1) * 50);
    const coveredStd = std(covered);
    assert.ok(Math.abs(a.sigma - coveredStd) < 1e-6 * coveredStd, `${a.sigma} vs ${coveredStd}`);
    assert.ok(a.sigma > 0.5 && a.sigma < 1, `GloVe 50d values have σ ≈ 0.7, got ${a.sigma}`);

    // 150,000 draws: the sample std is within 1 % of σ, the mean within 0.01 σ of 0.
    const random = a.matrix.subarray(vocab.id(unknown[0]) * 50);
    assert.equal(random.length, 3000 * 50);
    assert.ok(Math.abs(std(random) / a.sigma - 1) < 0.01, `sample std ${std(random)} vs σ ${a.sigma}`);
    assert.ok(Math.abs(mean(random)) < 0.01 * a.sigma);
  });

  test('one line with invalid UTF-8 is singular; en-US grouping', async () => {
    const bytes = Buffer.concat([Buffer.from('the 1 2\n'), Buffer.from([0x96]), Buffer.from(' 3 4\n')]);
    const f = await readEmbeddings(file('one-bad.txt', bytes));
    const vocab = Vocab.fromOrdered(['the', ...Array.from({ length: 1233 }, (_, i) => `w${i}`)], { specials: SPECIALS });
    assert.equal(alignEmbeddings(vocab, f, { seed: 0 }).report, 'embeddings: 1 of 1,234 vocabulary words covered (0.1 %), 1 line with invalid UTF-8');
  });

  test('a file that covers no vocabulary word is refused', async () => {
    const vocab = Vocab.fromOrdered(['dog'], { specials: SPECIALS });
    assert.throws(
      () => alignEmbeddings(vocab, { dim: 2, words: [], vectors: new Float32Array(0), stats: { lines: 4, kept: 0, invalidUtf8Lines: 0, duplicates: 0, format: 'glove', gzip: false } }, { seed: 0 }),
      (err: unknown) => err instanceof RnnlabError && /^the embedding file covers none of the 1 vocabulary word \(0 of its 4 rows kept\): is it the file meant for this data\?$/.test(err.message),
    );
  });

  test('read with selectForVocab, then aligned: every vocabulary word the file has is covered', async () => {
    const vocab = Vocab.fromOrdered(['The', 'of', 'Paris', 'xyzzy'], { specials: SPECIALS });
    const f = await readEmbeddings(sharedData('glove/glove.6B.50d.top2446.txt'), selectForVocab(vocab));
    assert.deepEqual(f.words, ['the', 'of', 'paris']);
    const a = alignEmbeddings(vocab, f, { seed: 0 });
    assert.deepEqual([a.exact, a.lowercased, a.covered, a.words], [1, 2, 3, 4]);
  });
});

function mean(x: Float32Array): number {
  let s = 0;
  for (const v of x) s += v;
  return s / x.length;
}

function std(x: Float32Array): number {
  const m = mean(x);
  let s = 0;
  for (const v of x) s += (v - m) * (v - m);
  return Math.sqrt(s / x.length);
}
