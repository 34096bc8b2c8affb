import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { RnnlabError } from '../../../src/errors.js';
import {
  alignEmbeddings,
  readEmbeddings,
  selectForBothVocab,
  selectForFileVocab,
  vocabFromDataAndEmbeddings,
  vocabFromEmbeddings,
} from '../../../src/text/embeddings/index.js';
import { PAD, SPECIALS, UNK, countTokens } from '../../../src/text/vocab.js';
import { sharedData } from '../../helpers.js';
import { gloveText, tempFiles } from './files.js';

const { file, cleanup } = tempFiles('embeddings-vocab');
after(cleanup);

const GLOVE = sharedData('glove/glove.6B.50d.top2446.txt');

describe('a vocabulary from the embedding file', () => {
  test('specials, then file order; repeats and specials in the file skipped; maxVocab counts the specials', () => {
    const words = ['the', ',', UNK, 'of', 'the', 'to'];
    assert.deepEqual(vocabFromEmbeddings(words, { specials: SPECIALS }).tokens, [...SPECIALS, 'the', ',', 'of', 'to']);
    assert.deepEqual(vocabFromEmbeddings(words, { specials: SPECIALS, maxVocab: 6 }).tokens, [...SPECIALS, 'the', ',']);
    assert.throws(() => vocabFromEmbeddings(words, { specials: SPECIALS, maxVocab: 2 }), (e: unknown) => e instanceof RnnlabError && /--max-vocab must be an integer of at least 4/.test(e.message));
  });

  test('selectForFileVocab reads only the rows the vocabulary takes, and stops', async () => {
    const opts = { specials: SPECIALS, maxVocab: 104 };
    const f = await readEmbeddings(GLOVE, selectForFileVocab(opts));
    assert.equal(f.words.length, 100);
    assert.equal(f.stats.lines, 100);
    const vocab = vocabFromEmbeddings(f.words, opts);
    assert.equal(vocab.size, 104);
    assert.deepEqual(vocab.tokens.slice(4, 8), ['the', ',', '.', 'of']);
    const a = alignEmbeddings(vocab, f, { seed: 0 });
    assert.equal(a.covered, 100);
    assert.equal(a.report, 'embeddings: 100 of 100 vocabulary words covered (100.0 %)');
  });

  test('selectForFileVocab skips specials in the file, so the vocabulary is still full', async () => {
    const path = file('specials.txt', gloveText([['a', [1]], [PAD, [2]], ['b', [3]], ['c', [4]]]));
    const opts = { specials: SPECIALS, maxVocab: 6 };
    const f = await readEmbeddings(path, selectForFileVocab(opts));
    assert.deepEqual(f.words, ['a', 'b']);
    assert.deepEqual(vocabFromEmbeddings(f.words, opts).tokens, [...SPECIALS, 'a', 'b']);
  });
});

describe('a vocabulary from the data and the embedding file', () => {
  const counts = countTokens(new Map(), 'Paris zebra-ish the the of of of rare'.split(' '));

  test('data words by count (minFreq applies to them), then the file words in file order, cut at maxVocab', () => {
    const words = ['the', ',', 'of', 'paris', 'zebra-ish', 'and'];
    assert.deepEqual(vocabFromDataAndEmbeddings(counts, words, { specials: SPECIALS }).tokens, [
      ...SPECIALS, 'of', 'the', 'Paris', 'rare', 'zebra-ish', ',', 'paris', 'and',
    ]);
    assert.deepEqual(vocabFromDataAndEmbeddings(counts, words, { specials: SPECIALS, minFreq: 2, maxVocab: 8 }).tokens, [...SPECIALS, 'of', 'the', ',', 'paris']);
    // maxVocab below the data's size: the data's most frequent words only.
    assert.deepEqual(vocabFromDataAndEmbeddings(counts, words, { specials: SPECIALS, maxVocab: 5 }).tokens, [...SPECIALS, 'of']);
  });

  test('selectForBothVocab keeps what the vocabulary and the lower-case fallback need, nothing more', async () => {
    for (const maxVocab of [undefined, 20, 9, 6]) {
      const opts = { specials: SPECIALS, maxVocab };
      const f = await readEmbeddings(GLOVE, selectForBothVocab(counts, opts));
      const vocab = vocabFromDataAndEmbeddings(counts, f.words, opts);
      const a = alignEmbeddings(vocab, f, { seed: 0 });
      if (maxVocab === undefined) {
        assert.equal(vocab.size, 4 + 2 + 2446); // 'Paris' and 'rare' are the data's ('rare' is also in the file…)
      } else {
        assert.equal(vocab.size, maxVocab);
      }
      // Every kept row is used: by a vocabulary word, or by the lower-case fallback ('paris' for 'Paris').
      const used = new Set(vocab.tokens.flatMap((t) => [t, t.toLowerCase()]));
      assert.deepEqual(f.words.filter((w) => !used.has(w)), [], `maxVocab ${maxVocab}`);
      // Every vocabulary word that has a row is covered: only 'zebra-ish' and the specials are random.
      assert.equal(a.covered, a.words - (vocab.has('zebra-ish') ? 1 : 0), `maxVocab ${maxVocab}`);
    }
  });
});
