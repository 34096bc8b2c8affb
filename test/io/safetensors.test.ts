/**
 * The safetensors reader and writer on their own: a round trip of every dtype rnnlab writes
 * (F32, I32, I64), PyTorch's F64/F16/BF16 read as float32, and every malformation a one-line
 * RnnlabError naming the file, never a crash or a read past the end.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RnnlabError } from '../../src/errors.js';
import { decodeSafetensors, encodeSafetensors, type StTensor } from '../../src/io/safetensors.js';
import { rawSafetensors } from '../helpers.js';


test('round trip: F32, I32 and I64 tensors with metadata; data 8-byte aligned', () => {
  const tensors = new Map<string, StTensor>([
    ['w', { dtype: 'F32', shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 0, 1e-20, -7]) }],
    ['ids', { dtype: 'I32', shape: [3], data: Int32Array.from([0, -1, 2147483647]) }],
    ['count', { dtype: 'I64', shape: [], data: Int32Array.from([123456]) }],
  ]);
  const bytes = encodeSafetensors(tensors, { format: 'x', note: 'ü' });
  const hlen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal((8 + hlen) % 8, 0);
  const back = decodeSafetensors(bytes, 'f');
  const { data_crc32: dataSum, header_crc32: headerSum, ...meta } = back.metadata;
  assert.deepEqual(meta, { format: 'x', note: 'ü' });
  assert.match(dataSum, /^[0-9a-f]{8}$/);
  assert.match(headerSum, /^[0-9a-f]{8}$/);
  assert.deepEqual(Array.from(back.tensors.get('w')!.data), Array.from(tensors.get('w')!.data));
  assert.deepEqual(back.tensors.get('w')!.shape, [2, 3]);
  assert.deepEqual(Array.from(back.tensors.get('ids')!.data), [0, -1, 2147483647]);
  assert.equal(back.tensors.get('count')!.dtype, 'I32');
  assert.deepEqual(Array.from(back.tensors.get('count')!.data), [123456]);
});

test('PyTorch dtypes F64, F16 and BF16 are read as float32', () => {
  const data = new Uint8Array(8 + 2 + 2);
  const dv = new DataView(data.buffer);
  dv.setFloat64(0, 0.1, true);
  dv.setUint16(8, 0x3c00, true); // f16 1.0
  dv.setUint16(10, 0xc040, true); // bf16 −3.0
  const st = decodeSafetensors(rawSafetensors({
    a: { dtype: 'F64', shape: [1], data_offsets: [0, 8] },
    b: { dtype: 'F16', shape: [1], data_offsets: [8, 10] },
    c: { dtype: 'BF16', shape: [1], data_offsets: [10, 12] },
  }, data), 'f');
  assert.equal(st.tensors.get('a')!.data[0], Math.fround(0.1));
  assert.equal(st.tensors.get('b')!.data[0], 1);
  assert.equal(st.tensors.get('c')!.data[0], -3);
});

test('malformed files: one RnnlabError naming the file, for each way a header can be wrong', () => {
  const ok = { w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
  const eight = new Uint8Array(8);
  const huge = new Uint8Array(16);
  new DataView(huge.buffer).setBigUint64(0, 2n ** 40n, true);
  const cases: [string, Uint8Array, RegExp][] = [
    ['empty', new Uint8Array(0), /is not a safetensors file \(it is empty\)/],
    ['short', new Uint8Array(5), /is not a safetensors file \(5 bytes/],
    ['header length past the end', huge, /is not a safetensors file \(its first 8 bytes/],
    ['header not JSON', (() => { const b = rawSafetensors(ok, eight); b[8] = 0x7b; b[9] = 0x7b; return b; })(), /is damaged: its header is not valid JSON/],
    ['header an array', rawSafetensors([] as unknown as Record<string, unknown>, eight), /not a JSON object/],
    ['unknown dtype', rawSafetensors({ w: { dtype: 'Q8', shape: [2], data_offsets: [0, 8] } }, eight), /dtype Q8, which rnnlab does not read/],
    ['offsets past the data', rawSafetensors({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, eight), /is truncated: \d+ of \d+ bytes/],
    ['offsets that disagree with the shape', rawSafetensors({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, eight), /data offsets \[0, 8\] \(8 bytes\) but F32 shape \[3\] needs 12 bytes/],
    ['negative offset', rawSafetensors({ w: { dtype: 'F32', shape: [2], data_offsets: [-8, 0] } }, eight), /not a range of bytes/],
    ['entry without shape', rawSafetensors({ w: { dtype: 'F32', data_offsets: [0, 8] } }, eight), /malformed/],
    ['metadata not strings', rawSafetensors({ __metadata__: { a: 1 }, ...ok }, eight), /metadata a is not a string/],
  ];
  for (const [what, bytes, re] of cases) {
    assert.throws(() => decodeSafetensors(bytes, 'model.safetensors'), (e: unknown) => {
      assert.ok(e instanceof RnnlabError, `${what}: ${String(e)}`);
      assert.match(e.message, /^model\.safetensors (is|has)/, what);
      assert.match(e.message, re, what);
      assert.ok(!e.message.includes('\n'), `${what}: one line`);
      return true;
    });
  }
});
