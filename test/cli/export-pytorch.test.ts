/**
 * `rnnlab export --format pytorch`: the folder a user gets (every file, the weights equal to the
 * checkpoint's, an rnnlab model file that evaluates and samples identically, the JSON files of
 * the contract, data.bin equal to rnnlab's tokenization), bad inputs as one line, and model.py
 * and train_ddp.py valid Python. PyTorch itself is not needed: scripts/pytorch_parity.py runs
 * the exported code against rnnlab where torch is installed.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeSafetensors } from '../../src/io/safetensors.js';
import { createTokenizer, type TokenizerSettings } from '../../src/text/tokenizers/tokenizer.js';
import { Vocab } from '../../src/text/vocab.js';
import { assertOk, assertOneLineError, inParallel, PANGRAM, rnnlab, rnnlabAsync, tempDir, TINY, writePangrams } from './helpers.js';

let dir = '';
const JS = ['--backend', 'js'];
const LM_FILES = ['README.md', 'charclasses.json', 'config.json', 'model.py', 'tokenizer.json', 'train_ddp.py', 'vocab.json', 'weights.safetensors'];

const words = (n: number) => Array.from({ length: n }, (_, i) => `{"text": "the ${['cat', 'dog', 'fox'][i % 3]} sat on the mat , and the bird sang ${i % 2 ? 'loudly' : 'softly'} ."}`).join('\n') + '\n';

before(() => {
  dir = tempDir('ptexport');
  writePangrams(dir);
  writeFileSync(join(dir, 'docs.jsonl'), words(30));
  const q = (s: string) => `"${s}"`;
  const rows = Array.from({ length: 40 }, (_, i) => `${q(['sport', 'money'][i % 2])},${q(i % 2 ? 'market shares rose as the bank gained' : 'the team won the match with a late goal')}`);
  writeFileSync(join(dir, 'cls.csv'), 'label,text\n' + rows.join('\n') + '\n');
  const train = (args: string[], what: string) => assertOk(rnnlab(args, { cwd: dir, timeoutMs: 120_000 }), what);
  train(['train', '--data', 'pangrams.txt', '--out', 'char', ...TINY, '--batch', '4', '--seq', '16', '--max-steps', '3', '--quiet'], 'a char model');
  train(['train', '--data', 'docs.jsonl', '--out', 'word', '--level', 'word', '--batching', 'stream', ...TINY, '--batch', '4', '--max-steps', '2', '--min-freq', '2', '--quiet'], 'a word model');
  train(['classify', 'train', '--data', 'cls.csv', '--out', 'cls', '--model', 'gru', '--hidden', '8', '--embed', '4', '--batch', '8', '--max-steps', '2', ...JS, '--quiet'], 'a classifier');
});

const json = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));
const st = (path: string) => decodeSafetensors(readFileSync(path), path);

test('a char language model: every file, the weights exactly, metadata, config/vocab/tokenizer JSON and data.bin', () => {
  const r = rnnlab(['export', '--model', 'char', '--format', 'pytorch', '--out', 'out/char', '--with-data', 'pangrams.txt'], { cwd: dir });
  assertOk(r, 'export');
  assert.match(r.stdout, /exported a char-level language model to out\/char/);
  const out = join(dir, 'out', 'char');
  assert.deepEqual(readdirSync(out).sort(), [...LM_FILES, 'data.bin', 'data.json'].sort());
  // no temporary folder is left beside it
  assert.deepEqual(readdirSync(join(dir, 'out')), ['char']);

  const src = st(join(dir, 'char', 'model.safetensors'));
  const exp = st(join(out, 'weights.safetensors'));
  const names = [...src.tensors.keys()].filter((n) => !n.startsWith('optimizer.') && !n.startsWith('state.'));
  assert.deepEqual([...exp.tensors.keys()].sort(), names.sort());
  for (const n of names) {
    assert.deepEqual(exp.tensors.get(n)!.shape, src.tensors.get(n)!.shape, n);
    assert.deepEqual(Buffer.from(exp.tensors.get(n)!.data.buffer), Buffer.from(src.tensors.get(n)!.data.buffer), `${n}: the exported values`);
  }
  for (const k of ['format', 'arch', 'config', 'vocab', 'tokenizer', 'batching']) assert.equal(exp.metadata[k], src.metadata[k], `metadata ${k}`);
  assert.equal(exp.metadata.train_state, undefined, 'no training state in the exported weights');

  assert.deepEqual(json(join(out, 'config.json')), { ...JSON.parse(src.metadata.config), arch: 'lm', level: 'char', batching: 'stream' });
  assert.deepEqual(json(join(out, 'vocab.json')), JSON.parse(src.metadata.vocab));
  assert.deepEqual(json(join(out, 'tokenizer.json')), JSON.parse(src.metadata.tokenizer));
  const classes = json(join(out, 'charclasses.json')) as { classes: Record<string, [number, number][]> };
  assert.deepEqual(classes.classes.L.find(([a, b]) => a <= 0x61 && 0x61 <= b) !== undefined, true, '"a" is a letter');

  // data.bin: int32 little-endian ids of the text, exactly rnnlab's tokenization
  const vocab = new Vocab(JSON.parse(src.metadata.vocab) as string[]);
  const tok = createTokenizer(JSON.parse(src.metadata.tokenizer) as TokenizerSettings);
  const want = vocab.encode(tok.tokenize(readFileSync(join(dir, 'pangrams.txt'), 'utf8')), 'error').ids;
  const bin = readFileSync(join(out, 'data.bin'));
  assert.deepEqual([...new Int32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.length))], [...want]);
  assert.deepEqual(json(join(out, 'data.json')), {
    format: 'rnnlab-token-ids/1', dtype: 'int32', byteorder: 'little', tokens: want.length, documents: 1, vocab_size: vocab.size,
    unknown: 0, layout: 'stream', separator: '\n', source: 'pangrams.txt', tokenizer: 'char',
  });
  assert.match(readFileSync(join(out, 'README.md'), 'utf8'), /torchrun --nproc_per_node 2 train_ddp\.py/);
});

test('the exported weights.safetensors is an rnnlab model: eval and sample give the same numbers and text', async () => {
  assertOk(rnnlab(['export', '--model', 'char', '--format', 'pytorch', '--out', 'same'], { cwd: dir }), 'export');
  const weights = join('same', 'weights.safetensors');
  const [a, b, c, d] = await inParallel([
    () => rnnlabAsync(['eval', '--model', 'char', '--data', 'pangrams.txt', '--batch', '1', '--json', ...JS], { cwd: dir }),
    () => rnnlabAsync(['eval', '--model', weights, '--data', 'pangrams.txt', '--batch', '1', '--json', ...JS], { cwd: dir }),
    () => rnnlabAsync(['sample', '--model', 'char', '--prime', 'The ', '--length', '40', '--seed', '3', ...JS], { cwd: dir }),
    () => rnnlabAsync(['sample', '--model', weights, '--prime', 'The ', '--length', '40', '--seed', '3', ...JS], { cwd: dir }),
  ]);
  for (const r of [a, b, c, d]) assertOk(r);
  const [x, y] = [JSON.parse(a.stdout), JSON.parse(b.stdout)];
  assert.equal(y.nll, x.nll);
  assert.equal(y.tokens, x.tokens);
  assert.equal(d.stdout, c.stdout);
});

test('a word stream model over JSONL records: [EOS] between documents in data.bin, unknown words as [UNK], --max-docs', () => {
  writeFileSync(join(dir, 'more.jsonl'), words(4) + '{"text": "the zebra sat"}\n');
  const r = rnnlab(['export', '--model', 'word', '--format', 'pytorch', '--out', 'wordout', '--with-data', 'more.jsonl', '--max-docs', '5'], { cwd: dir });
  assertOk(r, 'export');
  assert.match(r.stdout, /data\.bin: \d+ tokens of 5 document\(s\), 1 outside the vocabulary written as \[UNK\]/);
  const out = join(dir, 'wordout');
  const vocab = new Vocab(json(join(out, 'vocab.json')) as string[]);
  const tok = createTokenizer(json(join(out, 'tokenizer.json')) as TokenizerSettings);
  const docs = readFileSync(join(dir, 'more.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { text: string }).text);
  const want: number[] = [];
  docs.forEach((d, i) => {
    if (i > 0) want.push(vocab.eos);
    want.push(...vocab.encode(tok.tokenize(d), 'unk').ids);
  });
  const bin = readFileSync(join(out, 'data.bin'));
  assert.deepEqual([...new Int32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.length))], want);
  assert.ok(want.includes(vocab.unk), '"zebra" is [UNK]');
  const info = json(join(out, 'data.json')) as Record<string, unknown>;
  assert.equal(info.separator, '[EOS]');
  assert.equal(info.unknown, 1);
  assert.equal((json(join(out, 'config.json')) as Record<string, unknown>).level, 'word');
});

test('a model trained on documents: data.bin holds each document as [SOS] … [EOS]', () => {
  assertOk(rnnlab(['train', '--data', 'docs.jsonl', '--out', 'docword', '--level', 'word', ...TINY, '--batch', '4', '--max-steps', '1', '--quiet'], { cwd: dir }), 'train');
  assertOk(rnnlab(['export', '--model', 'docword', '--format', 'pytorch', '--out', 'docout', '--with-data', 'docs.jsonl', '--max-docs', '3'], { cwd: dir }), 'export');
  const out = join(dir, 'docout');
  const vocab = new Vocab(json(join(out, 'vocab.json')) as string[]);
  const tok = createTokenizer(json(join(out, 'tokenizer.json')) as TokenizerSettings);
  const docs = readFileSync(join(dir, 'docs.jsonl'), 'utf8').trim().split('\n').slice(0, 3).map((l) => (JSON.parse(l) as { text: string }).text);
  const want = docs.flatMap((d) => [vocab.sos, ...vocab.encode(tok.tokenize(d), 'unk').ids, vocab.eos]);
  const bin = readFileSync(join(out, 'data.bin'));
  assert.deepEqual([...new Int32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.length))], want);
  const info = json(join(out, 'data.json')) as Record<string, unknown>;
  assert.equal(info.layout, 'documents');
  assert.equal(info.separator, null);
  assert.equal(info.documents, 3);
});

test('a classifier: the folder with its class metadata; --with-data is refused in one line', () => {
  const r = rnnlab(['export', '--model', 'cls', '--format', 'pytorch', '--out', 'clsout'], { cwd: dir });
  assertOk(r, 'export');
  assert.match(r.stdout, /exported a text classifier/);
  const out = join(dir, 'clsout');
  assert.deepEqual(readdirSync(out).sort(), LM_FILES);
  const src = st(join(dir, 'cls', 'model.safetensors')), exp = st(join(out, 'weights.safetensors'));
  for (const [n, t] of exp.tensors) assert.deepEqual(Buffer.from(t.data.buffer), Buffer.from(src.tensors.get(n)!.data.buffer), n);
  assert.equal(exp.metadata.classes, src.metadata.classes);
  assert.equal(exp.metadata.arch, 'classifier');
  assert.equal((json(join(out, 'config.json')) as Record<string, unknown>).arch, 'classifier');
  assert.match(readFileSync(join(out, 'README.md'), 'utf8'), /train_ddp\.py trains language models only/);
  const p = rnnlab(['classify', 'predict', '--model', join('clsout', 'weights.safetensors'), '--text', 'the team won', '--json', ...JS], { cwd: dir });
  const q = rnnlab(['classify', 'predict', '--model', 'cls', '--text', 'the team won', '--json', ...JS], { cwd: dir });
  assertOk(p);
  assert.equal(p.stdout, q.stdout);
  assertOneLineError(rnnlab(['export', '--model', 'cls', '--format', 'pytorch', '--out', 'clsdata', '--with-data', 'cls.csv'], { cwd: dir }), /--with-data .*language models.*classifier/);
  assert.equal(existsSync(join(dir, 'clsdata')), false);
});

test('model.py and train_ddp.py are valid Python (python3 -m py_compile)', () => {
  assertOk(rnnlab(['export', '--model', 'char', '--format', 'pytorch', '--out', 'pyc'], { cwd: dir }), 'export');
  const r = spawnSync('python3', ['-m', 'py_compile', join(dir, 'pyc', 'model.py'), join(dir, 'pyc', 'train_ddp.py')], { encoding: 'utf8' });
  assert.equal(r.error, undefined, `python3 should run: ${r.error}`);
  assert.equal(r.status, 0, r.stderr);
});

test('bad inputs: one clear line, exit 1, nothing half-written', () => {
  mkdirSync(join(dir, 'full'));
  writeFileSync(join(dir, 'full', 'keep.txt'), 'mine');
  writeFileSync(join(dir, 'afile'), 'x');
  writeFileSync(join(dir, 'unseen.txt'), PANGRAM + 'Zebra ünïcode\n');
  const cases: [string[], RegExp, string][] = [
    [['--model', 'nope', '--out', 'x1'], /cannot read model nope/, 'a missing model'],
    [['--model', 'char', '--out', 'afile'], /--out afile is a file/, '--out is a file'],
    [['--model', 'char', '--out', 'full'], /--out full already exists and is not empty.*--force/, 'a non-empty --out'],
    [['--model', 'char', '--out', 'x2', '--with-data', 'unseen.txt'], /"Z".*lacks.*no \[UNK\]/, 'a character the char model never saw'],
    [['--model', 'char', '--out', 'x3', '--with-data', 'missing.txt'], /missing\.txt/, 'a missing --with-data file'],
    [['--model', 'char', '--out', 'x4', '--text-field', 'body'], /--text-field .*--with-data/, '--text-field without --with-data'],
    [['--model', 'char', '--out', 'char', '--force'], /--out char holds the model .* itself/, '--out is the run folder of the model'],
    [['--model', 'char', '--out', '.', '--force'], /holds the model/, '--out is a parent of the model'],
  ];
  for (const [args, re, what] of cases) assertOneLineError(rnnlab(['export', '--format', 'pytorch', ...args], { cwd: dir }), re, what);
  for (const d of ['x1', 'x2', 'x3', 'x4']) assert.equal(existsSync(join(dir, d)), false, `${d} is not left behind`);
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('.')), [], 'no temporary folders are left');
  assert.equal(readFileSync(join(dir, 'full', 'keep.txt'), 'utf8'), 'mine');
  assert.ok(existsSync(join(dir, 'char', 'model.safetensors')), 'the run folder is untouched');
  // --force replaces it with a complete export
  assertOk(rnnlab(['export', '--format', 'pytorch', '--model', 'char', '--out', 'full', '--force'], { cwd: dir }), '--force');
  assert.deepEqual(readdirSync(join(dir, 'full')).sort(), LM_FILES);
});
