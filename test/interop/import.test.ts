/**
 * importModel in the process (the CLI tests spawn `rnnlab import` for the main cases): what it
 * infers from shapes where the config is silent, and every further bad input as one RnnlabError
 * naming the flag and file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RnnlabError } from '../../src/errors.js';
import { importModel, type ImportOptions } from '../../src/index.js';
import { f32, readRaw, writeRaw, type RawTensor } from '../cli/import-helpers.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/pytorch-trained/', import.meta.url));

function folder(): string {
  const d = mkdtempSync(join(tmpdir(), 'rnnlab-import-lib-'));
  cpSync(FIXTURES, d, { recursive: true });
  process.on('exit', () => rmSync(d, { recursive: true, force: true }));
  return d;
}

const opts = (d: string, o: Partial<ImportOptions> = {}): ImportOptions => ({
  weights: join(d, 'char-gru.safetensors'), config: join(d, 'char-gru.config.json'), vocab: join(d, 'char-gru.vocab.json'), out: join(d, 'out'), ...o,
});

test('importModel infers every size from the shapes when the config gives only the level', () => {
  const d = folder();
  writeFileSync(join(d, 'level.json'), '{"level":"char"}');
  const r = importModel(opts(d, { config: join(d, 'level.json') }));
  assert.equal(r.arch, 'lm');
  assert.deepEqual(r.config, { vocabSize: 53, cell: 'gru', activation: 'tanh', layers: 2, hidden: 24, embed: 12, dropout: 0, tieWeights: false, init: 'pytorch' });
  assert.equal(r.level, 'char');
  assert.equal(r.model, join(d, 'out', 'model.safetensors'));
  const saved = readRaw(r.model);
  assert.equal(saved.metadata.format, 'rnnlab/2');
  assert.equal(saved.metadata.batching, 'stream');
  assert.deepEqual(JSON.parse(saved.metadata.vocab), JSON.parse(readFileSync(join(d, 'char-gru.vocab.json'), 'utf8')));
  const provenance = JSON.parse(readFileSync(join(d, 'out', 'imported.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(provenance.from, join(d, 'char-gru.safetensors'));
  assert.equal(provenance.arch, 'lm');
});

test('importModel: a plain RNN (gates 1) and tied weights without decoder.weight are read from the shapes', () => {
  const d = folder();
  const n = (k: number) => Array.from({ length: k }, (_, i) => (i % 7) / 10 - 0.3);
  writeRaw(join(d, 'tied.safetensors'), new Map<string, RawTensor>([
    ['embedding.weight', f32([3, 4], n(12))], ['rnn.weight_ih_l0', f32([4, 4], n(16))], ['rnn.weight_hh_l0', f32([4, 4], n(16))],
    ['rnn.bias_ih_l0', f32([4], n(4))], ['rnn.bias_hh_l0', f32([4], n(4))], ['decoder.bias', f32([3], n(3))],
  ]));
  writeFileSync(join(d, 'tied.vocab.json'), JSON.stringify(['a', 'b', 'c']));
  writeFileSync(join(d, 'tied.json'), JSON.stringify({ level: 'char' }));
  const r = importModel(opts(d, { weights: join(d, 'tied.safetensors'), vocab: join(d, 'tied.vocab.json'), config: join(d, 'tied.json') }));
  assert.equal((r.config as { cell: string }).cell, 'rnn');
  assert.equal((r.config as { tieWeights: boolean }).tieWeights, true);
  assert.ok(r.notes.some((x) => /tanh assumed/.test(x)));
  assert.ok(r.notes.some((x) => /no decoder\.weight \(embed = hidden\)/.test(x)));
  const saved = readRaw(r.model);
  assert.ok(saved.tensors.get('decoder.weight')!.bytes.equals(saved.tensors.get('embedding.weight')!.bytes));
});

test('importModel: modules built with bias=False get zero biases, with a note', () => {
  const d = folder();
  const base = readRaw(join(d, 'char-gru.safetensors'));
  writeRaw(join(d, 'nobias.safetensors'), new Map([...base.tensors].filter(([n]) => !n.includes('.bias'))));
  const r = importModel(opts(d, { weights: join(d, 'nobias.safetensors') }));
  assert.deepEqual(r.notes.filter((n) => /bias=False/.test(n)), ['rnn has no bias (bias=False): zeros, which compute the same', 'decoder has no bias (bias=False): zeros, which compute the same']);
  const saved = readRaw(r.model);
  for (const n of ['rnn.bias_ih_l0', 'rnn.bias_hh_l1', 'decoder.bias']) assert.ok(saved.tensors.get(n)!.bytes.every((b) => b === 0), n);
  assert.ok(saved.tensors.get('rnn.weight_ih_l0')!.bytes.equals(base.tensors.get('rnn.weight_ih_l0')!.bytes));
});

test('importModel: further bad inputs are one RnnlabError naming the flag and the file, and write nothing', () => {
  const d = folder();
  const base = readRaw(join(d, 'char-gru.safetensors'));
  writeRaw(join(d, 'int8.safetensors'), new Map<string, RawTensor>([...base.tensors].map(([n, t]) => [n, n === 'decoder.bias' ? { dtype: 'I8', shape: t.shape, bytes: Buffer.alloc(t.shape[0]) } : t])));
  writeRaw(join(d, 'nan.safetensors'), new Map<string, RawTensor>([...base.tensors].map(([n, t]) => [n, n === 'decoder.bias' ? f32(t.shape, Array(t.shape[0]).fill(NaN)) : t])));
  writeRaw(join(d, 'lstm-named.safetensors'), new Map<string, RawTensor>([...base.tensors].map(([n, t]) => [n.replace(/^rnn\./, 'lstm.'), t])));
  const five = f32([5 * 24, 24], Array(5 * 24 * 24).fill(0));
  writeRaw(join(d, 'five.safetensors'), new Map<string, RawTensor>([...base.tensors].map(([n, t]) => [n, n === 'rnn.weight_hh_l0' ? five : t])));
  const vocab = JSON.parse(readFileSync(join(d, 'char-gru.vocab.json'), 'utf8')) as string[];
  const files: Record<string, string> = {
    'typo.json': JSON.stringify({ cell: 'gru', hiden: 24, level: 'char' }),
    'bpe.json': JSON.stringify({ level: 'bpe' }),
    'nolevel.json': JSON.stringify({ cell: 'gru' }),
    'array.json': '[1, 2]',
    'empty.json': '  \n',
    'string-hidden.json': JSON.stringify({ hidden: '24', level: 'char' }),
    'arch.json': JSON.stringify({ arch: 'transformer', level: 'char' }),
    'docs.json': JSON.stringify({ level: 'char', batching: 'pad' }),
    'word-tok.json': JSON.stringify({ kind: 'word', lowercase: false }),
    'bad-tok.json': JSON.stringify({ kind: 'sentencepiece', lowercase: false }),
    'words.vocab.json': JSON.stringify(['the', ...vocab.slice(1)]),
    'object.vocab.json': JSON.stringify({ a: 0 }),
    'dup.vocab.json': JSON.stringify([...vocab.slice(0, -1), vocab[0]]),
    'number.vocab.json': JSON.stringify([...vocab.slice(0, -1), 7]),
  };
  for (const [n, text] of Object.entries(files)) writeFileSync(join(d, n), text);
  writeFileSync(join(d, 'latin1.json'), Buffer.from([0x7b, 0xe9, 0x7d]));
  const f = (n: string) => join(d, n);
  const cases: [Partial<ImportOptions>, RegExp][] = [
    [{ config: f('typo.json') }, /^--config .*typo\.json: unknown key "hiden" for a language model \(known: vocabSize, cell/],
    [{ config: f('bpe.json') }, /^a bpe model needs its merges: give --tokenizer SETTINGS\.json/],
    [{ config: f('nolevel.json') }, /nolevel\.json has no "level": add "level": "char" or "word" \(or give --tokenizer SETTINGS\.json\)$/],
    [{ config: f('array.json') }, /array\.json is not a JSON object of config keys/],
    [{ config: f('empty.json') }, /--config .*empty\.json is empty \(it should hold JSON\)$/],
    [{ config: f('latin1.json') }, /--config .*latin1\.json is not a text file \(it is not UTF-8\)$/],
    [{ config: f('string-hidden.json') }, /string-hidden\.json: "hidden" must be a whole number ≥ 0, got "24"$/],
    [{ config: f('arch.json') }, /arch\.json: unknown arch "transformer" \(known: lm, classifier\)$/],
    [{ config: f('docs.json') }, /says "batching": "pad" \(documents as \[SOS\] … \[EOS\]\), but --vocab .* lacks \[PAD\], \[SOS\], \[EOS\]$/],
    [{ tokenizer: f('word-tok.json') }, /--tokenizer .*word-tok\.json is a word tokenizer, but --config .* says "level": "char"$/],
    [{ tokenizer: f('bad-tok.json') }, /--tokenizer .*bad-tok\.json: unknown tokenizer kind "sentencepiece"/],
    [{ tokenizer: f('nope.json') }, /^cannot read --tokenizer .*nope\.json: no such file$/],
    [{ config: f('nope.json') }, /^cannot read --config .*nope\.json: no such file$/],
    [{ config: d }, /^cannot read --config .*: it is a folder, not a file$/],
    [{ vocab: f('nope.json') }, /^cannot read --vocab .*nope\.json: no such file$/],
    [{ vocab: f('words.vocab.json') }, /entry 0 is "the", not one character, but the model is char level \(one character per entry\)$/],
    [{ vocab: f('object.vocab.json') }, /object\.vocab\.json is not a JSON array of tokens \(index = id\), it is an object$/],
    [{ vocab: f('dup.vocab.json') }, /dup\.vocab\.json: vocabulary has the token "\\n" twice \(ids 0 and 52\)$/],
    [{ vocab: f('number.vocab.json') }, /number\.vocab\.json: entry 52 is 7, not a string/],
    [{ weights: f('int8.safetensors') }, /int8\.safetensors: tensor decoder\.bias is I8; rnnlab imports F32, F64, F16 and BF16 weights/],
    [{ weights: f('nan.safetensors') }, /nan\.safetensors: decoder\.bias holds non-finite values \(NaN or infinity\) at index 0$/],
    [{ weights: f('lstm-named.safetensors') }, /lacks the tensor rnn\.weight_ih_l0 \[72,12\] that the config implies \(cell gru, .*\); it holds lstm\.weight_ih_l0, lstm\.weight_hh_l0, lstm\.bias_ih_l0, … instead \(the documented layout names the modules embedding, rnn, decoder\)$/],
    [{ weights: f('char-gru.vocab.json') }, /^--from .*char-gru\.vocab\.json is not a safetensors file/],
    [{ weights: d }, /^cannot read --from .*: it is a folder, not a \.safetensors file$/],
  ];
  for (const [o, re] of cases) {
    assert.throws(() => importModel(opts(d, o)), (e: unknown) => {
      assert.ok(e instanceof RnnlabError, `${JSON.stringify(o)}: ${String(e)}`);
      assert.match(e.message, re);
      assert.ok(!e.message.includes('\n'), 'one line');
      return true;
    });
  }
  writeFileSync(join(d, 'level.json'), '{"level":"char"}');
  assert.throws(() => importModel(opts(d, { weights: f('five.safetensors'), config: f('level.json') })), /rnn\.weight_hh_l0 is \[120,24\], 5 gate blocks \(an LSTM has 4, a GRU 3, an RNN 1\): set "cell" in --config$/);
  assert.ok(!existsSync(join(d, 'out')), 'nothing written');
});
