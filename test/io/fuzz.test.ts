/**
 * Property tests (fast-check) of the safetensors reader and the checkpoint loader: random bytes,
 * random damage to a valid checkpoint (flipped bytes, cuts, insertions) and random JSON headers
 * and metadata. Whatever the input, the answer is a model or a RnnlabError, never another
 * exception; each case is quick (no hang) and the loader's allocations stay bounded by the
 * input (a config asking for a huge model is refused before its memory is taken).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { JsBackend } from '../../src/backend/js/index.js';
import { RnnlabError } from '../../src/errors.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/io/safetensors.js';
import { decodeCheckpoint } from '../../src/train/checkpoint-format.js';
import { smallCheckpoint } from './checkpoint-fixture.js';
import { rawSafetensors } from '../helpers.js';

const be = new JsBackend('float32');
const GOOD = smallCheckpoint(be, true);

/** Runs the reader and the loader on `bytes`: a result or a RnnlabError, quickly. */
function survives(bytes: Uint8Array): boolean {
  for (const f of [() => decodeSafetensors(bytes, 'f'), () => decodeCheckpoint(bytes, be, 'f')]) {
    const t0 = performance.now();
    try {
      f();
    } catch (e) {
      if (!(e instanceof RnnlabError)) throw new Error(`not a RnnlabError: ${(e as Error)?.stack ?? String(e)}`);
      assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
    }
    assert.ok(performance.now() - t0 < 1000, 'each input is handled quickly');
  }
  return true;
}


test('random bytes (and random bytes behind a plausible header length)', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), survives), { numRuns: 300, seed: 1 });
  fc.assert(fc.property(fc.integer({ min: 0, max: 400 }), fc.uint8Array({ maxLength: 400 }), (n, rest) => {
    const b = new Uint8Array(8 + rest.length);
    new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
    b.set(rest, 8);
    if (rest.length) b[8] = 0x7b;
    return survives(b);
  }), { numRuns: 200, seed: 2 });
});

test('a valid checkpoint, damaged at random: flipped bytes, cuts, insertions; every cut is refused', () => {
  const damage = fc.oneof(
    fc.array(fc.tuple(fc.nat(GOOD.length - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 6 }).map((flips) => {
      const b = Uint8Array.from(GOOD);
      for (const [at, x] of flips) b[at] ^= x;
      return b;
    }),
    fc.nat(GOOD.length - 1).map((n) => GOOD.slice(0, n)),
    fc.tuple(fc.nat(GOOD.length), fc.uint8Array({ minLength: 1, maxLength: 16 })).map(([at, ins]) => {
      const b = new Uint8Array(GOOD.length + ins.length);
      b.set(GOOD.subarray(0, at));
      b.set(ins, at);
      b.set(GOOD.subarray(at), at + ins.length);
      return b;
    }),
  );
  fc.assert(fc.property(damage, survives), { numRuns: 300, seed: 3 });
  fc.assert(fc.property(fc.nat(GOOD.length - 1), (n) => {
    assert.throws(() => decodeCheckpoint(GOOD.slice(0, n), be, 'f'), RnnlabError);
    return true;
  }), { numRuns: 100, seed: 4 });
});

test('random JSON headers: entries, offsets, shapes and rnnlab metadata of any JSON', () => {
  const dim = fc.oneof(fc.integer({ min: -2, max: 6 }), fc.constantFrom(0.5, 2 ** 31, 2 ** 53, -0, 1e300), fc.jsonValue());
  const entry = fc.record({
    dtype: fc.oneof(fc.constantFrom('F32', 'I32', 'I64', 'F16', 'BF16', 'F64', 'U8', '__proto__', 'constructor'), fc.string()),
    shape: fc.oneof(fc.array(dim, { maxLength: 4 }), fc.jsonValue()),
    data_offsets: fc.oneof(fc.tuple(fc.integer({ min: -4, max: 80 }), fc.integer({ min: -4, max: 80 })), fc.jsonValue()),
  }, { requiredKeys: [] });
  const small = fc.oneof(fc.integer({ min: -3, max: 40 }), fc.constantFrom(1e6, 2 ** 31, 0.5, null, true, 'lstm', 'x'));
  const config = fc.oneof(
    fc.record({
      vocabSize: small, cell: fc.constantFrom('lstm', 'gru', 'rnn', 'x'), activation: fc.constantFrom('tanh', 'relu'), layers: small, hidden: small, embed: small,
      dropout: fc.constantFrom(0, 0.5, 2), tieWeights: fc.boolean(), init: fc.constantFrom('pytorch', 'xavier', 'nope'),
      classes: small, model: fc.constantFrom('rnn', 'gru', 'lstm', 'cnn'), bidirectional: fc.boolean(), pool: fc.constantFrom('last', 'max', 'mean'), kernel: small, stride: small,
    }, { requiredKeys: [] }),
    fc.jsonValue(),
  );
  const metadata = fc.record({
    format: fc.constantFrom('rnnlab/2', 'rnnlab-lm/1', 'other'),
    arch: fc.constantFrom('lm', 'classifier', 'x', '__proto__', 'toString'),
    config: config.map((c) => JSON.stringify(c)),
    vocab: fc.oneof(fc.constant(['a', 'b', 'c', ' ']), fc.array(fc.string(), { maxLength: 6 }), fc.jsonValue()).map((v) => JSON.stringify(v)),
    tokenizer: fc.oneof(fc.constant({ kind: 'char', lowercase: false }), fc.jsonValue()).map((v) => JSON.stringify(v)),
    train_state: fc.jsonValue().map((v) => JSON.stringify(v)),
    run_config: fc.jsonValue().map((v) => JSON.stringify(v)),
    frozen: fc.jsonValue().map((v) => JSON.stringify(v)),
    batching: fc.string(),
    classes: fc.jsonValue().map((v) => JSON.stringify(v)),
    labels: fc.jsonValue().map((v) => JSON.stringify(v)),
    data_crc32: fc.integer({ min: 0, max: 2 ** 32 - 1 }).map((n) => n.toString(16).padStart(8, '0')),
  }, { requiredKeys: ['config'] });
  const header = fc.tuple(fc.dictionary(fc.string({ maxLength: 12 }), entry, { maxKeys: 4 }), metadata, fc.boolean()).map(([entries, meta, withMeta]) => ({
    ...(withMeta ? { __metadata__: meta } : {}), ...entries,
  }));
  fc.assert(fc.property(header, fc.uint8Array({ maxLength: 96 }), (h, data) => survives(rawSafetensors(h, data))), { numRuns: 250, seed: 5 });
  // The same metadata on the valid model's tensors, with right checksums: the loader's own checks, not the checksum, must answer.
  const tensors = decodeSafetensors(GOOD, 'good').tensors;
  fc.assert(fc.property(metadata, (m) => survives(encodeSafetensors(tensors, m as Record<string, string>))), { numRuns: 200, seed: 6 });
});
