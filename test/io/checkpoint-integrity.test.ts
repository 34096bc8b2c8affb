/**
 * Checkpoint integrity: the CRC-32 of the tensor data and of the header written into every
 * file and checked on load (what it costs on a 20 MB checkpoint), files written before it still
 * loading, and each way a file can be damaged refused with one line saying what is wrong:
 * truncated, corrupt, foreign, sizes and offsets that do not add up, and metadata that is valid
 * JSON but not what rnnlab wrote (config null, a training state without its fields).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as zlib from 'node:zlib';
import { JsBackend } from '../../src/backend/js/index.js';
import { RnnlabError } from '../../src/errors.js';
import { crc32 } from '../../src/io/crc32.js';
import { decodeSafetensors, encodeSafetensors, MAX_HEADER } from '../../src/io/safetensors.js';
import { LanguageModel } from '../../src/nn/language-model.js';
import { createTokenizer } from '../../src/text/tokenizers/tokenizer.js';
import { Vocab } from '../../src/text/vocab.js';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/train/checkpoint-format.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { Rng } from '../../src/util/rng.js';
import { smallCheckpoint } from './checkpoint-fixture.js';
import { rawSafetensors } from '../helpers.js';

const OLD = fileURLToPath(new URL('../../../test/fixtures/checkpoints-v1/', import.meta.url));
const be = new JsBackend('float32');

/** `fn` throws a RnnlabError of one line matching `re`. */
function refused(fn: () => unknown, re: RegExp, what: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof RnnlabError, `${what}: expected a RnnlabError, got ${String(e)}`);
    assert.match(e.message, re, what);
    assert.ok(!e.message.includes('\n'), `${what}: one line`);
    return true;
  }, what);
}

/** The file's parts: header JSON (parsed) and data bytes. */
function split(bytes: Uint8Array): { header: Record<string, any>; data: Uint8Array; hlen: number } {
  const hlen = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + hlen))), data: bytes.subarray(8 + hlen), hlen };
}


/** The checkpoint with its metadata edited and its checksums made right again (damage the checksum cannot see). */
function withMetadata(bytes: Uint8Array, edit: (m: Record<string, string>) => void): Uint8Array {
  const st = decodeSafetensors(bytes, 'x');
  const meta = { ...st.metadata };
  edit(meta);
  return encodeSafetensors(st.tensors, meta);
}

test('CRC-32 is the standard one (zlib, PNG): check value and agreement on random data', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
  const rng = new Rng(5);
  for (const n of [1, 7, 8, 9, 1000, 65537]) {
    const b = Uint8Array.from({ length: n }, () => rng.int(256));
    assert.equal(crc32(b), (zlib as unknown as { crc32(b: Uint8Array): number }).crc32(b), `${n} bytes`);
    assert.equal(crc32(b.subarray(3), crc32(b.subarray(0, 3))), crc32(b), 'continues a running value');
  }
});

test('every checkpoint carries data_crc32 and header_crc32; checking them costs little on a 20 MB checkpoint', (t) => {
  // vocabulary 2000, embed 256, hidden 512, one LSTM layer: 2000·256 + 4·512·(256+512) + 2·4·512 + 512·2000 + 2000 ≈ 3.1 M floats, 12.6 MB
  const big = new LanguageModel(be, { vocabSize: 4000, cell: 'lstm', activation: 'tanh', layers: 1, hidden: 512, embed: 256, dropout: 0, tieWeights: false, init: 'pytorch' });
  const tokens = Array.from({ length: 4000 }, (_, i) => `w${i}`);
  const bytes = encodeCheckpoint({ model: big, vocab: new Vocab(tokens), tokenizer: createTokenizer({ kind: 'word', lowercase: false }) });
  assert.ok(bytes.length > 18e6 && bytes.length < 26e6, `a ~20 MB file (${bytes.length} bytes)`);
  const { header, hlen } = split(bytes);
  assert.match(header.__metadata__.data_crc32, /^[0-9a-f]{8}$/);
  assert.match(header.__metadata__.header_crc32, /^[0-9a-f]{8}$/);
  const data = bytes.subarray(8 + hlen);
  crc32(data); // warm up
  const t0 = performance.now();
  const reps = 3;
  for (let i = 0; i < reps; i++) crc32(data);
  const ms = (performance.now() - t0) / reps;
  const t1 = performance.now();
  decodeCheckpoint(bytes, be, 'big.safetensors');
  const loadMs = performance.now() - t1;
  t.diagnostic(`CRC-32 of ${(data.length / 1e6).toFixed(1)} MB of tensor data: ${ms.toFixed(1)} ms (${(data.length / 1e6 / (ms / 1000)).toFixed(0)} MB/s); whole decode ${loadMs.toFixed(0)} ms`);
  // ~20 ms on an idle core; generous, for a loaded machine
  assert.ok(ms < 1500, `the checksum of a 20 MB checkpoint takes ${ms.toFixed(0)} ms`);
});

test('checkpoints written before checksums (test/fixtures/checkpoints-v1) still load', () => {
  for (const f of ['char-lstm/model.safetensors', 'char-lstm/last.safetensors', 'word-gru/model.safetensors', 'word-gru/last.safetensors']) {
    const m = loadCheckpoint(join(OLD, f), be);
    assert.equal(m.metadata.data_crc32, undefined, `${f} has no checksum`);
  }
});

test('truncated, corrupt and foreign files: one line saying which', () => {
  const good = smallCheckpoint(be, true);
  const { hlen } = split(good);
  assert.ok(decodeCheckpoint(good, be, 'good').trainState);
  for (const keep of [9, 8 + hlen - 1, 8 + hlen, 8 + hlen + 1, good.length - 1]) {
    refused(() => decodeCheckpoint(good.subarray(0, keep), be, 'runs/x/last.safetensors'),
      new RegExp(`^checkpoint runs/x/last\\.safetensors is truncated: ${keep.toLocaleString('en-US')} (of ${good.length.toLocaleString('en-US')} bytes|bytes, and its header alone needs)`), `cut to ${keep} bytes`);
  }
  for (const at of [8 + hlen, 8 + hlen + 100, good.length - 1]) {
    const bad = Uint8Array.from(good);
    bad[at] ^= 0x10;
    refused(() => decodeCheckpoint(bad, be, 'm.safetensors'), /^checkpoint m\.safetensors is corrupt: its tensor data do not match their checksum \(data_crc32\)$/, `data byte ${at} flipped`);
  }
  // A digit of the config changed: valid JSON, valid structure, wrong model.
  const text = new TextDecoder().decode(good.subarray(8, 8 + hlen)).replace('\\"hidden\\":8', '\\"hidden\\":9');
  assert.notEqual(text, new TextDecoder().decode(good.subarray(8, 8 + hlen)));
  const flipped = Uint8Array.from(good);
  flipped.set(new TextEncoder().encode(text), 8);
  refused(() => decodeCheckpoint(flipped, be, 'm.safetensors'), /is corrupt: its header does not match its checksum \(header_crc32\)/, 'hidden 8 → 9 in the header');
  const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82]);
  refused(() => decodeCheckpoint(png, be, 'a.png'), /^checkpoint a\.png is not a safetensors file/, 'a PNG');
  refused(() => decodeCheckpoint(new TextEncoder().encode('hello, world\n'.repeat(20)), be, 'a.txt'), /is not a safetensors file/, 'a text file');
  refused(() => decodeCheckpoint(new Uint8Array(0), be, 'e'), /is not a safetensors file \(it is empty\)/, 'empty');
  const extra = new Uint8Array(good.length + 3);
  extra.set(good);
  refused(() => decodeCheckpoint(extra, be, 'm'), /is damaged: 3 bytes follow its tensor data/, 'bytes appended');
});

test('sizes and offsets are never trusted: bounds, overlaps, shapes and the header limit', () => {
  const d16 = new Uint8Array(16);
  const cases: [unknown, Uint8Array, RegExp, string][] = [
    [{ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, new Uint8Array(12), /data of tensors a and b overlap/, 'overlapping tensors'],
    [{ a: { dtype: 'F32', shape: [2], data_offsets: [8, 0] } }, d16, /not a range of bytes/, 'begin > end'],
    [{ a: { dtype: 'F32', shape: [2], data_offsets: [0.5, 8.5] } }, d16, /not a range of bytes/, 'fractional offsets'],
    [{ a: { dtype: 'F32', shape: [-2, -1], data_offsets: [0, 8] } }, d16, /whole numbers ≥ 0/, 'negative shape'],
    [{ a: { dtype: 'F32', shape: [1.5], data_offsets: [0, 6] } }, d16, /whole numbers ≥ 0/, 'fractional shape'],
    [{ a: { dtype: 'F32', shape: [2 ** 40, 2 ** 40], data_offsets: [0, 8] } }, d16, /too large for any file/, 'a shape past 2^53 bytes'],
    [{ a: { dtype: 'F32', shape: [4], data_offsets: [0, 2 ** 60] } }, d16, /not a range of bytes/, 'an offset past 2^53'],
    [{ a: { dtype: 'F32', shape: [3], data_offsets: [0, 16] } }, d16, /needs 12 bytes/, 'byte length ≠ shape × dtype'],
    [{ a: { dtype: 'F32', shape: [8], data_offsets: [0, 32] } }, d16, /is truncated: [\d,]+ of [\d,]+ bytes/, 'data past the end'],
    [{ a: { dtype: 'constructor', shape: [4], data_offsets: [0, 16] } }, d16, /dtype constructor, which rnnlab does not read/, 'a dtype named like an Object method'],
    [{ a: { dtype: 'F32', shape: [4], data_offsets: [0] } }, d16, /entry of tensor a is malformed/, 'one offset'],
    [{ __metadata__: [] }, d16, /metadata is not an object/, 'metadata an array'],
    [{ __metadata__: { data_crc32: '00000000' }, a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, d16, /is corrupt: its tensor data/, 'a wrong data checksum'],
  ];
  for (const [header, data, re, what] of cases) refused(() => decodeSafetensors(rawSafetensors(header, data), 'f.safetensors'), re, what);
  // Zero-size tensors may share an offset; the file is well-formed.
  const z = decodeSafetensors(rawSafetensors({ a: { dtype: 'F32', shape: [0], data_offsets: [0, 0] }, b: { dtype: 'F32', shape: [2, 0], data_offsets: [0, 0] } }, new Uint8Array(0)), 'z');
  assert.equal(z.tensors.get('b')!.data.length, 0);
  // A header length over the limit is refused from the first bytes alone, on disk before the file is read.
  const over = new Uint8Array(9);
  new DataView(over.buffer).setBigUint64(0, BigInt(MAX_HEADER + 1), true);
  over[8] = 0x7b;
  const dir = mkdtempSync(join(tmpdir(), 'rnnlab-integrity-'));
  try {
    writeFileSync(join(dir, 'huge.safetensors'), over);
    refused(() => loadCheckpoint(join(dir, 'huge.safetensors'), be), /header length 104,857,601 is over the 104,857,600-byte limit/, 'a 100 MB + 1 header');
    const claims = new Uint8Array(64);
    new DataView(claims.buffer).setBigUint64(0, 1000n, true);
    claims[8] = 0x7b;
    writeFileSync(join(dir, 'short.safetensors'), claims);
    refused(() => loadCheckpoint(join(dir, 'short.safetensors'), be), /is truncated: 64 bytes, and its header alone needs 1,008/, 'a header longer than the file');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('metadata that is valid JSON but not what rnnlab wrote: one line naming the file and the key', () => {
  const good = smallCheckpoint(be, true);
  const cases: [(m: Record<string, string>) => void, RegExp, string][] = [
    [(m) => { m.config = 'null'; }, /f\.safetensors: bad "config" metadata: the model config is not an object/, 'config null'],
    [(m) => { m.config = '[1,2]'; }, /bad "config" metadata: the model config is not an object/, 'config an array'],
    [(m) => { m.config = JSON.stringify({ ...JSON.parse(m.config), hidden: 1e6 }); }, /asks for more than [\d,]+ values, far more than the file's/, 'hidden 10^6 (terabytes)'],
    [(m) => { m.config = JSON.stringify({ ...JSON.parse(m.config), layers: 5e5 }); }, /asks for more than/, '500 000 layers'],
    [(m) => { m.config = JSON.stringify({ ...JSON.parse(m.config), vocabSize: 2 ** 31 }); }, /vocabulary has \d+ tokens but the model expects 2147483648/, 'vocabSize 2^31'],
    [(m) => { m.vocab = '{"a":1}'; }, /bad "vocab" metadata: vocabulary must be a JSON array/, 'vocab an object'],
    [(m) => { m.tokenizer = 'null'; }, /bad "tokenizer" metadata: tokenizer settings must be an object/, 'tokenizer null'],
    [(m) => { m.train_state = 'null'; }, /f\.safetensors has a damaged training state \(not an object\): it cannot be resumed/, 'train_state null'],
    [(m) => { m.train_state = JSON.stringify({ ...JSON.parse(m.train_state), step: -1 }); }, /damaged training state \(step is -1\)/, 'step -1'],
    [(m) => { const s = JSON.parse(m.train_state); delete s.rng; m.train_state = JSON.stringify(s); }, /damaged training state \(no rng\)/, 'no rng'],
    [(m) => { m.train_state = JSON.stringify({ ...JSON.parse(m.train_state), optimizerSteps: { a: 'x' } }); }, /optimizerSteps is/, 'optimizerSteps of strings'],
    [(m) => { m.run_config = '5'; }, /metadata "run_config" is not an object/, 'run_config 5'],
    [(m) => { m.frozen = '{"x":1}'; }, /metadata "frozen" is not a list of parameter names/, 'frozen an object'],
    [(m) => { m.arch = '__proto__'; }, /holds a model of kind "__proto__"/, 'arch __proto__'],
    [(m) => { m.format = 'rnnlab/99'; }, /format "rnnlab\/99"/, 'a future format'],
  ];
  for (const [edit, re, what] of cases) refused(() => decodeCheckpoint(withMetadata(good, edit), be, 'f.safetensors'), re, what);
});
