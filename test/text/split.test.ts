import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RnnlabError } from '../../src/errors.js';
import { splitDocuments, splitStream } from '../../src/text/split.js';

const docs = Array.from({ length: 100 }, (_, i) => `doc${i}`);

test('splitDocuments: seeded, disjoint, complete, sized by the fraction', () => {
  const a = splitDocuments(docs, 0.1, 7);
  const b = splitDocuments(docs, 0.1, 7);
  assert.deepEqual(a, b);
  assert.equal(a.val.length, 10);
  assert.equal(a.train.length, 90);
  assert.deepEqual([...a.train, ...a.val].sort(), [...docs].sort());
  assert.notDeepEqual(splitDocuments(docs, 0.1, 8).val, a.val);
  assert.notDeepEqual(a.train, docs.slice(0, 90)); // shuffled, not the plain tail
  assert.equal(docs[0], 'doc0'); // input untouched
});

test('splitDocuments keeps at least one document on each side', () => {
  assert.deepEqual(
    [splitDocuments(['a', 'b'], 0.01, 1).train.length, splitDocuments(['a', 'b'], 0.01, 1).val.length],
    [1, 1],
  );
  assert.equal(splitDocuments(['a', 'b', 'c'], 0.99, 1).train.length, 1);
  assert.deepEqual(splitDocuments(['a'], 0.5, 1), { train: ['a'], val: [] });
  assert.equal(splitDocuments(docs, 0, 1).val.length, 0);
  assert.throws(() => splitDocuments(docs, 1, 1), RnnlabError);
  assert.throws(() => splitDocuments(docs, -0.1, 1), RnnlabError);
  assert.throws(() => splitDocuments(docs, NaN, 1), RnnlabError);
});

test('splitStream holds out the tail', () => {
  const ids = Int32Array.from({ length: 50 }, (_, i) => i);
  const { train, val } = splitStream(ids, 0.2);
  assert.deepEqual(Array.from(train), Array.from(ids.subarray(0, 40)));
  assert.deepEqual(Array.from(val), Array.from(ids.subarray(40)));
  assert.equal(splitStream(ids, 0.001).val.length, 2);
  assert.equal(splitStream(ids, 0).val.length, 0);
  assert.throws(() => splitStream(new Int32Array(3), 0.5), /too short/);
});
