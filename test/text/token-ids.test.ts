import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { IdBuilder, idArray } from '../../src/text/token-ids.js';

test('idArray: 16 bits while every id of the vocabulary fits, else 32', () => {
  assert.ok(idArray(1, 3) instanceof Uint16Array);
  assert.ok(idArray(65_536, 3) instanceof Uint16Array); // ids 0…65535
  assert.ok(idArray(65_537, 3) instanceof Int32Array);
  assert.equal(idArray(300_000, 5).length, 5);
});

test('IdBuilder grows past its capacity and keeps every id', () => {
  const b = new IdBuilder(4);
  for (let i = 0; i < 100_000; i++) b.push(i % 65_536);
  assert.equal(b.length, 100_000);
  assert.equal(b.wide, false);
  const ids = b.finish();
  assert.ok(ids instanceof Uint16Array);
  assert.equal(ids.length, 100_000);
  for (let i = 0; i < ids.length; i++) assert.equal(ids[i], i % 65_536);
});

test('IdBuilder widens to 32 bits at the first id above 65535, keeping the earlier ones', () => {
  const b = new IdBuilder(8);
  for (let i = 0; i < 20; i++) b.push(65_535 - i);
  assert.equal(b.wide, false);
  b.push(65_536);
  b.push(1_000_000);
  assert.equal(b.wide, true);
  const ids = b.finish();
  assert.ok(ids instanceof Int32Array);
  assert.deepEqual(Array.from(ids), [...Array.from({ length: 20 }, (_, i) => 65_535 - i), 65_536, 1_000_000]);
});

test('IdBuilder.finish trims a generous guess to an exact copy', () => {
  const b = new IdBuilder(1_000_000);
  b.push(7);
  b.push(9);
  const ids = b.finish();
  assert.deepEqual(Array.from(ids), [7, 9]);
  assert.equal(ids.buffer.byteLength, 4); // not the million-slot buffer
});

test('IdBuilder holds any sequence of ids (property)', () => {
  fc.assert(fc.property(fc.array(fc.nat(200_000), { maxLength: 3000 }), fc.nat(50), (values, capacity) => {
    const b = new IdBuilder(capacity);
    for (const v of values) b.push(v);
    assert.deepEqual(Array.from(b.view()), values);
    const ids = b.finish();
    assert.deepEqual(Array.from(ids), values);
    assert.equal(ids instanceof Int32Array, values.some((v) => v > 65_535));
  }), { numRuns: 200 });
});
