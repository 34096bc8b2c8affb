/**
 * Window batching (src/text/batching/windows.ts): windows at offset + k·stride with targets
 * shifted by one, the same number of windows whatever the offset, the seeded per-epoch offset and
 * shuffle, and the one-line refusal of data shorter than a window.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RnnlabError } from '../../src/errors.js';
import { WindowBatcher } from '../../src/text/batching/windows.js';
import { Rng } from '../../src/util/rng.js';

/** ids[i] = i: every window shows where it starts. */
const iota = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

/** The windows of every batch of an epoch: [start of x, …], checking x and y on the way. */
function windowStarts(w: WindowBatcher, rng: Rng | null, B: number): number[] {
  const e = w.epoch(rng, B);
  const starts: number[] = [];
  for (let i = 0; i < e.batches; i++) {
    const b = e.batch(i);
    assert.equal(b.T, w.T);
    assert.ok(b.B === B || (i === e.batches - 1 && b.B < B), `only the last batch may be short (batch ${i} has ${b.B} rows)`);
    for (let r = 0; r < b.B; r++) {
      const x = b.x.subarray(r * b.T, (r + 1) * b.T), y = b.y.subarray(r * b.T, (r + 1) * b.T);
      for (let t = 0; t < b.T; t++) {
        assert.equal(x[t], x[0] + t, 'x is T consecutive tokens');
        assert.equal(y[t], x[t] + 1, 'y is x shifted by one token');
      }
      starts.push(x[0]);
    }
  }
  assert.deepEqual(starts, Array.from(e.starts));
  return starts;
}

test('windows without shuffling: offset 0, stride S, T inputs each, every window inside the data', () => {
  // 23 tokens, T 5, S 5: starts 0, 5, 10 fit at every offset up to 4 (the last needs 4 + 10 + 5 + 1 = 20 ≤ 23)
  const w = new WindowBatcher(iota(23), 5, 5);
  assert.equal(w.maxOffset, 4);
  assert.equal(w.windows, 3);
  assert.deepEqual(windowStarts(w, null, 2), [0, 5, 10]);
  // overlapping: stride 2
  const o = new WindowBatcher(iota(12), 4, 2);
  assert.deepEqual(windowStarts(o, null, 3), [0, 2, 4, 6]);
  // stride 1, every position: n − T windows
  assert.equal(new WindowBatcher(iota(50), 8, 1).windows, 42);
  // a stride longer than the window skips tokens
  assert.deepEqual(windowStarts(new WindowBatcher(iota(40), 4, 10), null, 8), [0, 10, 20]);
});

test('each epoch: a seeded offset below the stride, then all windows in a seeded order', () => {
  const n = 1000, T = 16, S = 16;
  const w = new WindowBatcher(iota(n), T, S);
  const seen = new Set<number>();
  for (let e = 0; e < 12; e++) {
    const starts = windowStarts(w, new Rng(100 + e), 7);
    assert.equal(starts.length, w.windows, 'the same number of windows every epoch');
    const offset = Math.min(...starts) % S;
    seen.add(offset);
    assert.ok(offset <= w.maxOffset);
    assert.deepEqual([...starts].sort((a, b) => a - b), Array.from({ length: w.windows }, (_, k) => offset + k * S), 'every window once, at offset + k·S');
    assert.ok(Math.max(...starts) + T + 1 <= n, 'the last target is inside the data');
    // the same Rng gives the same epoch; shuffled, not in stream order
    assert.deepEqual(windowStarts(w, new Rng(100 + e), 7), starts);
    assert.notDeepEqual(starts, [...starts].sort((a, b) => a - b));
  }
  assert.ok(seen.size > 3, `offsets vary from epoch to epoch (saw ${[...seen]})`);
});

test('data barely longer than a window: one window, offsets limited to what fits', () => {
  const w = new WindowBatcher(iota(10), 8, 8);
  assert.equal(w.maxOffset, 1);
  assert.equal(w.windows, 1);
  for (let s = 0; s < 20; s++) {
    const [start] = windowStarts(w, new Rng(s), 4);
    assert.ok(start === 0 || start === 1);
  }
});

test('data shorter than one window is refused in one line', () => {
  assert.throws(() => new WindowBatcher(iota(8), 8, 8), (e: unknown) => e instanceof RnnlabError && /too short for window batching with --seq 8/.test(e.message));
  assert.throws(() => new WindowBatcher(iota(80), 8, 0), RnnlabError);
  assert.throws(() => new WindowBatcher(iota(80), 8, 8).epoch(null, 0), RnnlabError);
});
