import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RnnlabError } from '../../src/errors.js';
import { documentBatches, type DocBatch } from '../../src/text/batching/documents.js';
import { StreamBatcher } from '../../src/text/batching/stream.js';
import { Rng } from '../../src/util/rng.js';

const PAD = 0;

/** Document i is 1000·(i+1) + 0,1,2,…: every id is unique and y = x + 1 at real positions. */
function makeDocs(lengths: number[]): Int32Array[] {
  return lengths.map((n, i) => Int32Array.from({ length: n }, (_, t) => 1000 * (i + 1) + t));
}

function allTargets(docs: Int32Array[]): number[] {
  return docs.flatMap((d) => Array.from(d.subarray(1))).sort((a, b) => a - b);
}

/** Checks the layout of each batch and returns every real target. */
function checkBatches(batches: DocBatch[], B: number): number[] {
  const targets: number[] = [];
  // Only one batch may be short; after a bucket shuffle it need not be the last.
  assert.ok(batches.filter((bt) => bt.B !== B).length <= 1);
  batches.forEach((batch) => {
    assert.ok(batch.B <= B && batch.B >= 1);
    assert.equal(batch.x.length, batch.B * batch.T);
    assert.equal(batch.y.length, batch.B * batch.T);
    assert.equal(Math.max(...batch.lengths), batch.T);
    let count = 0;
    for (let b = 0; b < batch.B; b++) {
      for (let t = 0; t < batch.T; t++) {
        const x = batch.x[b * batch.T + t];
        const y = batch.y[b * batch.T + t];
        if (t < batch.lengths[b]) {
          assert.notEqual(y, PAD);
          assert.equal(y, x + 1);
          targets.push(y);
          count++;
        } else {
          assert.equal(x, PAD);
          assert.equal(y, PAD);
        }
      }
    }
    assert.equal(batch.tokens, count);
  });
  return targets.sort((a, b) => a - b);
}

describe('documentBatches', () => {
  const lengthRng = new Rng(11);
  const lengths = Array.from({ length: 37 }, () => 2 + lengthRng.int(60));
  const docs = makeDocs(lengths);

  test('pad: documents in order, padded to the longest, every target once', () => {
    const batches = documentBatches(docs, { batchSize: 8, mode: 'pad', padId: PAD });
    assert.equal(batches.length, 5);
    assert.equal(batches[4].B, 5);
    assert.deepEqual(checkBatches(batches, 8), allTargets(docs));
    assert.equal(batches[0].x[0], 1000); // first row is document 0, starting with its [SOS]
    assert.deepEqual(Array.from(batches[0].lengths), lengths.slice(0, 8).map((n) => n - 1));
  });

  test('pad with an Rng shuffles documents reproducibly', () => {
    const a = documentBatches(docs, { batchSize: 8, mode: 'pad', padId: PAD, shuffle: new Rng(1) });
    const b = documentBatches(docs, { batchSize: 8, mode: 'pad', padId: PAD, shuffle: new Rng(1) });
    assert.deepEqual(a, b);
    assert.notDeepEqual(Array.from(a[0].lengths), lengths.slice(0, 8).map((n) => n - 1));
    assert.deepEqual(checkBatches(a, 8), allTargets(docs));
  });

  test('bucket: similar lengths together, far less padding, batch order shuffled', () => {
    const rng = new Rng(3);
    const batches = documentBatches(docs, { batchSize: 8, mode: 'bucket', padId: PAD, shuffle: rng });
    assert.deepEqual(checkBatches(batches, 8), allTargets(docs));
    // The length ranges of different batches do not interleave.
    const ranges = batches.map((bt) => [Math.min(...bt.lengths), Math.max(...bt.lengths)]).sort((p, q) => p[0] - q[0] || p[1] - q[1]);
    for (let i = 1; i < ranges.length; i++) assert.ok(ranges[i][0] >= ranges[i - 1][1]);
    const padding = (bs: DocBatch[]) => bs.reduce((s, bt) => s + bt.B * bt.T - bt.tokens, 0);
    const padded = documentBatches(docs, { batchSize: 8, mode: 'pad', padId: PAD });
    assert.ok(padding(batches) * 4 < padding(padded), `${padding(batches)} vs ${padding(padded)}`);
    const unshuffled = documentBatches(docs, { batchSize: 8, mode: 'bucket', padId: PAD });
    const maxima = unshuffled.map((bt) => bt.T);
    assert.deepEqual(maxima, [...maxima].sort((p, q) => p - q));
    assert.notDeepEqual(batches.map((bt) => bt.T), maxima);
  });

  test("maxLen with 'split': pieces overlap by one token, no target lost", () => {
    const long = makeDocs([3, 25, 10, 11, 2]);
    for (const maxLen of [2, 3, 10, 11]) {
      const batches = documentBatches(long, { batchSize: 3, mode: 'pad', padId: PAD, maxLen, overflow: 'split' });
      assert.deepEqual(checkBatches(batches, 3), allTargets(long), `maxLen ${maxLen}`);
      for (const bt of batches) assert.ok(bt.T <= maxLen - 1);
    }
    // Default overflow is 'split'.
    const def = documentBatches(long, { batchSize: 3, mode: 'bucket', padId: PAD, maxLen: 5 });
    assert.deepEqual(checkBatches(def, 3), allTargets(long));
  });

  test("maxLen with 'cut' keeps the first maxLen tokens", () => {
    const long = makeDocs([3, 25, 10]);
    const batches = documentBatches(long, { batchSize: 8, mode: 'pad', padId: PAD, maxLen: 6, overflow: 'cut' });
    assert.equal(batches.length, 1);
    assert.deepEqual(Array.from(batches[0].lengths), [2, 5, 5]);
    assert.deepEqual(Array.from(batches[0].y.subarray(5, 10)), [2001, 2002, 2003, 2004, 2005]);
  });

  test('bad inputs give clear errors', () => {
    assert.throws(() => documentBatches([Int32Array.of(1)], { batchSize: 2, mode: 'pad', padId: PAD }), /document 0 has 1 token\(s\)/);
    assert.throws(() => documentBatches(docs, { batchSize: 0, mode: 'pad', padId: PAD }), RnnlabError);
    assert.throws(() => documentBatches(docs, { batchSize: 2, mode: 'pad', padId: PAD, maxLen: 1 }), /at least 2 tokens/);
    assert.deepEqual(documentBatches([], { batchSize: 2, mode: 'pad', padId: PAD }), []);
  });
});

describe('StreamBatcher', () => {
  const n = 103;
  const ids = Int32Array.from({ length: n }, (_, i) => i);

  test('rows, windows and the short last window', () => {
    const s = new StreamBatcher(ids, 4, 10);
    assert.equal(s.rowLen, 25);
    assert.equal(s.windows, 3);
    assert.deepEqual([0, 1, 2].map((k) => s.windowLength(k)), [10, 10, 5]);
    const w = s.window(1);
    assert.equal(w.B, 4);
    assert.equal(w.T, 10);
    // Row 2, step 3 of window 1: ids[2·25 + 10 + 3].
    assert.equal(w.x[2 * 10 + 3], 63);
    assert.equal(w.y[2 * 10 + 3], 64);
    assert.throws(() => s.window(3), RangeError);
    assert.equal(s.tokensPerEpoch, 100);
  });

  test('consecutive windows continue each row exactly; every target appears once', () => {
    const rng = new Rng(5);
    const random = Int32Array.from({ length: 1001 }, () => rng.int(50));
    for (const [B, T] of [[1, 7], [3, 5], [8, 16], [10, 100]]) {
      const s = new StreamBatcher(random, B, T);
      const rowsX: number[][] = Array.from({ length: B }, () => []);
      const rowsY: number[][] = Array.from({ length: B }, () => []);
      for (let k = 0; k < s.windows; k++) {
        const w = s.window(k);
        assert.equal(w.T, s.windowLength(k));
        for (let b = 0; b < B; b++) {
          rowsX[b].push(...w.x.subarray(b * w.T, (b + 1) * w.T));
          rowsY[b].push(...w.y.subarray(b * w.T, (b + 1) * w.T));
        }
      }
      for (let b = 0; b < B; b++) {
        const start = b * s.rowLen;
        assert.deepEqual(rowsX[b], Array.from(random.subarray(start, start + s.rowLen)));
        assert.deepEqual(rowsY[b], Array.from(random.subarray(start + 1, start + 1 + s.rowLen)));
      }
    }
    // Positions, not values: with ids = 0..n-1 the targets of all windows are 1..B·rowLen, each once.
    const s = new StreamBatcher(ids, 4, 10);
    const targets: number[] = [];
    for (let k = 0; k < s.windows; k++) targets.push(...s.window(k).y);
    assert.deepEqual(targets.sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i + 1));
  });

  test('too little data for the batch size', () => {
    assert.throws(
      () => new StreamBatcher(Int32Array.of(1, 2, 3), 3, 4),
      (err: unknown) => err instanceof RnnlabError && /too short for batch size 3.*smaller --batch/.test(err.message),
    );
    assert.equal(new StreamBatcher(Int32Array.of(1, 2, 3, 4), 3, 4).rowLen, 1);
  });
});
