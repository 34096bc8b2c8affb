/**
 * Checkpoints through the architecture registry: the `arch` key, buffers saved beside the
 * parameters under their PyTorch names (int64 counters as I64), frozen flags, an unknown kind
 * refused by name, and files written before the registry (rnnlab-lm/1) loading as they did.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Backend } from '../../src/backend/backend.js';
import { JsBackend } from '../../src/backend/js/index.js';
import { RnnlabError } from '../../src/errors.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/io/safetensors.js';
import { registerArchitecture } from '../../src/nn/architectures.js';
import { LanguageModel } from '../../src/nn/language-model.js';
import type { Model } from '../../src/nn/model.js';
import { makeParam, type Buffer, type Param } from '../../src/nn/param.js';
import type { Tensor } from '../../src/tensor.js';
import { createTokenizer } from '../../src/text/tokenizers/tokenizer.js';
import { Vocab } from '../../src/text/vocab.js';
import { decodeCheckpoint, encodeCheckpoint, requireLanguageModel } from '../../src/train/checkpoint-format.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { evaluateStream } from '../../src/eval/perplexity.js';
import { Rng } from '../../src/util/rng.js';

const OLD = fileURLToPath(new URL('../../../test/fixtures/checkpoints-v1/', import.meta.url));

/** A model kind of the test's own, with a float and an int64 buffer (BatchNorm's kind of state). */
class Scaler implements Model {
  readonly arch = 'test-scaler';
  readonly weight: Param;
  readonly running: Buffer;
  readonly tracked: Buffer;
  constructor(readonly backend: Backend, readonly config: { size: number; vocabSize: number }) {
    this.weight = makeParam(backend, 'norm.weight', [config.size]);
    this.running = { name: 'norm.running_mean', value: backend.alloc([config.size]) };
    this.tracked = { name: 'norm.num_batches_tracked', value: backend.alloc([]), dtype: 'int64' };
  }
  params(): Param[] {
    return [this.weight];
  }
  buffers(): Buffer[] {
    return [this.running, this.tracked];
  }
  stateDict(): Map<string, Tensor> {
    return new Map([[this.weight.name, this.weight.value], [this.running.name, this.running.value], [this.tracked.name, this.tracked.value]]);
  }
  initialize(rng: Rng): void {
    for (let i = 0; i < this.weight.value.size; i++) this.weight.value.data[i] = rng.normal();
  }
  parameterCount(): number {
    return this.weight.value.size;
  }
}
registerArchitecture({
  key: 'test-scaler', description: 'test scaler',
  build: (be, config) => new Scaler(be, config as { size: number; vocabSize: number }),
});

const vocab = Vocab.build(new Map([['a', 3], ['b', 2]]), { specials: [] });
const tokenizer = createTokenizer({ kind: 'char', lowercase: false });

test('a registered kind of model round-trips through a checkpoint, buffers included (int64 as I64)', () => {
  const be = new JsBackend('float32');
  const m = new Scaler(be, { size: 3, vocabSize: vocab.size });
  m.initialize(new Rng(1));
  m.running.value.data.set([0.5, -1, 2]);
  m.tracked.value.data[0] = 1234567;
  const bytes = encodeCheckpoint({ model: m, vocab, tokenizer });
  const st = decodeSafetensors(bytes, 'x');
  assert.equal(st.metadata.arch, 'test-scaler');
  assert.equal(st.metadata.format, 'rnnlab/2');
  assert.deepEqual([...st.tensors.keys()], ['norm.weight', 'norm.running_mean', 'norm.num_batches_tracked']);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true)))));
  assert.equal(header['norm.num_batches_tracked'].dtype, 'I64', 'PyTorch stores the counter as int64');
  const back = decodeCheckpoint(bytes, be, 'x');
  assert.ok(back.model instanceof Scaler);
  const s = back.model as Scaler;
  assert.deepEqual(Array.from(s.weight.value.data), Array.from(m.weight.value.data));
  assert.deepEqual(Array.from(s.running.value.data), [0.5, -1, 2]);
  assert.equal(s.tracked.value.data[0], 1234567);
  assert.throws(() => requireLanguageModel(back, 'x.safetensors'), /x\.safetensors holds a test scaler, not a language model/);
});

test('an unknown kind of model is refused by name; frozen flags survive a checkpoint', () => {
  const be = new JsBackend('float32');
  const lm = new LanguageModel(be, { vocabSize: vocab.size, cell: 'gru', activation: 'tanh', layers: 1, hidden: 3, embed: 2, dropout: 0, tieWeights: false, init: 'pytorch' });
  lm.initialize(new Rng(2));
  lm.embedding.weight!.freeze();
  const bytes = encodeCheckpoint({ model: lm, vocab, tokenizer, batching: 'stream' });
  const back = requireLanguageModel(decodeCheckpoint(bytes, be));
  assert.equal(back.model.embedding.weight!.frozen, true);
  assert.equal(back.model.params().filter((p) => p.frozen).length, 1);
  const st = decodeSafetensors(bytes, 'x');
  const renamed = encodeSafetensors(st.tensors, { ...st.metadata, arch: 'transformer' });
  assert.throws(() => decodeCheckpoint(renamed, be, 'y.safetensors'), (e: unknown) => e instanceof RnnlabError && /y\.safetensors holds a model of kind "transformer".*known: lm/.test(e.message));
  const future = encodeSafetensors(st.tensors, { ...st.metadata, format: 'rnnlab/9' });
  assert.throws(() => decodeCheckpoint(future, be, 'z.safetensors'), /format "rnnlab\/9"/);
});

test('checkpoints written before the registry (rnnlab-lm/1) load as language models and score as they did', () => {
  const be = new JsBackend('float32');
  for (const name of ['char-lstm', 'word-gru']) {
    const m = loadCheckpoint(`${OLD}${name}`, be);
    assert.equal(m.metadata.format, 'rnnlab-lm/1');
    assert.equal(m.metadata.arch, undefined);
    assert.ok(m.model instanceof LanguageModel, `${name} is a language model`);
    const last = loadCheckpoint(`${OLD}${name}/last.safetensors`, be);
    assert.ok(last.trainState && last.trainState.optimizerSteps === undefined, 'an old train_state: one optimizer step count');
    assert.equal(last.runConfig, null);
  }
  // The char model scores its own text exactly as rnnlab 3f1b507 did (eval --json, js backend).
  const m = requireLanguageModel(loadCheckpoint(`${OLD}char-lstm`, be));
  const text = readFileSync(`${OLD}pangrams.txt`, 'utf8');
  const ids = m.vocab.encode([...text], 'error').ids;
  const r = evaluateStream(m.model, ids, 16, 256);
  const want = JSON.parse(readFileSync(`${OLD}char-lstm.eval.json`, 'utf8')) as { nll: number; tokens: number };
  assert.equal(r.tokens, want.tokens);
  assert.equal(r.nll, want.nll);
});
