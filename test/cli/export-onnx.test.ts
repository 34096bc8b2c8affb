/**
 * `rnnlab export --format onnx` as a user runs it: a trained language model and a trained
 * classifier become .onnx files that onnxruntime-node runs to rnnlab's own logits; bad inputs
 * are one clear line and exit 1.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JsBackend } from '../../src/backend/js/index.js';
import { decodeOnnxModel } from '../../src/interop/onnx/proto.js';
import { Classifier } from '../../src/nn/classifier.js';
import { LanguageModel } from '../../src/nn/language-model.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { assertWithin, int64, runOnnx } from '../interop/onnx-helpers.js';
import { assertOk, assertOneLineError, rnnlab, rnnlabAsync, tempDir, TINY, writePangrams } from './helpers.js';

let dir = '';

before(async () => {
  dir = tempDir('export-onnx');
  writePangrams(dir);
  const rows = ['label,text'];
  const words = { sport: ['goal', 'match', 'team'], money: ['bank', 'market', 'fund'] };
  for (let i = 0; i < 40; i++) {
    const [label, ws] = Object.entries(words)[i % 2];
    rows.push(`${label},${Array.from({ length: 3 + (i % 5) }, (_, k) => ws[(i + k) % 3]).join(' ')} the news`);
  }
  writeFileSync(join(dir, 'train.csv'), rows.join('\n') + '\n');
  const [lm, cls] = await Promise.all([
    rnnlabAsync(['train', '--data', 'pangrams.txt', '--out', 'lm', ...TINY, '--cell', 'lstm', '--layers', '2', '--batch', '4', '--seq', '16', '--max-steps', '2', '--quiet'], { cwd: dir }),
    rnnlabAsync(['classify', 'train', '--data', 'train.csv', '--model', 'gru', '--bidirectional', '--hidden', '6', '--embed', '5', '--epochs', '1', '--batch', '8', '--quiet', '--out', 'cls'], { cwd: dir }),
  ]);
  assertOk(lm, 'train');
  assertOk(cls, 'classify train');
});

test('export --format onnx: a language model runs in onnxruntime-node to rnnlab\'s logits and carries its vocabulary', async () => {
  const r = rnnlab(['export', '--model', 'lm', '--format', 'onnx', '--out', 'lm.onnx'], { cwd: dir });
  assertOk(r, 'export');
  assert.match(r.stdout, /^wrote lm\.onnx \(opset 17, \d+ KB\): LSTM language model, 2 layers of 16, vocabulary \d+; inputs input_ids, h0, c0 \(optional, zeros by default\); outputs logits, h_n, c_n\n$/);
  const bytes = new Uint8Array(readFileSync(join(dir, 'lm.onnx')));
  const loaded = loadCheckpoint(join(dir, 'lm'), new JsBackend()), m = loaded.model as LanguageModel;
  const ids = Array.from(loaded.vocab.encode(loaded.tokenizer.tokenize('the quick brown fox'), 'unk').ids);
  const T = ids.length, V = m.config.vocabSize;
  const got = await runOnnx(bytes, { input_ids: int64(ids, [1, T]) });
  const st = m.newState(1);
  m.forward(Int32Array.from(ids), null, 1, T, st, false, null);
  assertWithin('logits', got.logits.data as Float32Array, m.logitsTensor().data.subarray(0, T * V));
  const props = Object.fromEntries((decodeOnnxModel(bytes).metadataProps as { key: string; value: string }[]).map((e) => [e.key, e.value]));
  assert.equal(props.vocab, loaded.metadata.vocab);
  assert.equal(props.tokenizer, loaded.metadata.tokenizer);
  assert.deepEqual(JSON.parse(props.config), m.config);
});

test('export --format onnx: a bidirectional GRU classifier runs to rnnlab\'s logits on a ragged batch', async () => {
  const r = rnnlab(['export', '--model', 'cls', '--format', 'onnx', '--out', 'cls.onnx', '--opset', '14'], { cwd: dir });
  assertOk(r, 'export');
  assert.match(r.stdout, /^wrote cls\.onnx \(opset 14, \d+ KB\): bidirectional GRU classifier, 2 classes; inputs input_ids, lengths; outputs logits, probabilities\n$/);
  const m = loadCheckpoint(join(dir, 'cls'), new JsBackend()).model as Classifier;
  const B = 3, T = 6, ids = Int32Array.from({ length: B * T }, (_, i) => (i * 7) % m.config.vocabSize), lengths = Int32Array.from([6, 2, 4]);
  m.forward(ids, lengths, B, T, null, false, null);
  const got = await runOnnx(new Uint8Array(readFileSync(join(dir, 'cls.onnx'))), { input_ids: int64(ids, [B, T]), lengths: int64(lengths, [B]) });
  assertWithin('logits', got.logits.data as Float32Array, m.logits());
});

test('export --format onnx --state-inputs: h0 and c0 become inputs the caller feeds', async () => {
  assertOk(rnnlab(['export', '--model', 'lm/model.safetensors', '--format', 'onnx', '--out', 'stateful.onnx', '--state-inputs'], { cwd: dir }), 'export');
  const { ort } = await import('../interop/onnx-helpers.js');
  const s = await ort.InferenceSession.create(join(dir, 'stateful.onnx'));
  assert.deepEqual(s.inputNames, ['input_ids', 'h0', 'c0']);
  await s.release();
});

test('export --format onnx: bad inputs are one clear line and exit 1, and nothing the user had is lost', async () => {
  mkdirSync(join(dir, 'folder'), { recursive: true });
  writeFileSync(join(dir, 'taken.onnx'), 'mine');
  const cases: [string[], RegExp][] = [
    [['--model', 'nowhere', '--out', 'x.onnx'], /cannot read model nowhere: no such file or directory/],
    [['--model', 'lm', '--out', 'folder'], /--out folder names a folder; give the \.onnx file to write \(e\.g\. --out folder\/model\.onnx\)/],
    [['--model', 'lm', '--out', 'new-folder/'], /--out new-folder\/ names a folder; give the \.onnx file to write \(e\.g\. --out new-folder\/model\.onnx\)/],
    [['--model', 'lm', '--out', 'x.onnx', '--opset', '13'], /--opset.*13.*from 14 to 21/],
    [['--model', 'lm', '--out', 'taken.onnx'], /--out taken\.onnx already exists \(add --force to replace it\)/],
    [['--model', 'lm', '--out', 'x.onnx', '--with-data', 'pangrams.txt'], /--with-data applies to --format pytorch only/],
    [['--model', 'cls', '--out', 'x.onnx', '--state-inputs'], /--state-inputs applies to language models/],
    [['--model', 'pangrams.txt', '--out', 'x.onnx'], /pangrams\.txt/],
    [['--model', 'lm', '--out', 'no/such/folder/x.onnx'], /cannot write no\/such\/folder\/x\.onnx: the folder no\/such\/folder does not exist/],
  ];
  const results = await Promise.all(cases.map(([args]) => rnnlabAsync(['export', '--format', 'onnx', ...args], { cwd: dir })));
  cases.forEach(([args, pattern], i) => assertOneLineError(results[i], pattern, args.join(' ')));
  assert.ok(!existsSync(join(dir, 'x.onnx')), 'no refused export leaves a file');
  assert.equal(readFileSync(join(dir, 'taken.onnx'), 'utf8'), 'mine');
  assertOk(rnnlab(['export', '--format', 'onnx', '--model', 'lm', '--out', 'taken.onnx', '--force'], { cwd: dir }), '--force');
  assert.notEqual(readFileSync(join(dir, 'taken.onnx'), 'utf8'), 'mine');
});

test('export --format onnx: a model file from before the architecture registry (rnnlab-lm/1) exports, named a language model', async () => {
  const model = fileURLToPath(new URL('../../../test/fixtures/checkpoints-v1/word-gru', import.meta.url));
  assertOk(rnnlab(['export', '--model', model, '--format', 'onnx', '--out', 'old.onnx'], { cwd: dir }), 'export');
  const bytes = new Uint8Array(readFileSync(join(dir, 'old.onnx')));
  const props = Object.fromEntries((decodeOnnxModel(bytes).metadataProps as { key: string; value: string }[]).map((e) => [e.key, e.value]));
  assert.equal(props.arch, 'lm');
  assert.equal(props.format, 'rnnlab-lm/1');
  const m = loadCheckpoint(model, new JsBackend()).model as LanguageModel;
  const ids = [4, 5, 6, 7], V = m.config.vocabSize;
  m.forward(Int32Array.from(ids), null, 1, ids.length, m.newState(1), false, null);
  const got = await runOnnx(bytes, { input_ids: int64(ids, [1, ids.length]) });
  assertWithin('logits', got.logits.data as Float32Array, m.logitsTensor().data.subarray(0, ids.length * V));
});
