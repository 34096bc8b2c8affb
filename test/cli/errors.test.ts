/**
 * Bad input to every command: missing, empty and binary files, unknown flags, malformed and
 * out-of-range numbers, corrupt checkpoints. Each must fail with exit 1 and exactly one
 * `error:` line on stderr (no stack trace), and leave no model or temporary file behind.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  assertNoModelFiles, assertOk, assertOneLineError, inParallel, listFiles, readSafetensorsHeader, rewriteSafetensorsMetadata,
  rnnlab, rnnlabAsync, tempDir, TINY, writePangrams,
} from './helpers.js';

let dir = '', text = '', model = '';

/** Deterministic "random" bytes (xorshift), not valid UTF-8. */
function noise(n: number, seed = 12345): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

before(() => {
  dir = tempDir('errors');
  text = writePangrams(dir, 'text.txt', 10);
  writeFileSync(join(dir, 'empty.txt'), '');
  writeFileSync(join(dir, 'random.bin'), noise(4096));
  writeFileSync(join(dir, 'random.txt'), noise(4096, 777));
  writeFileSync(join(dir, 'nul.txt'), 'hello\0world\0\0\0 some text\n');
  writeFileSync(join(dir, 'tiny.txt'), 'ab\n');
  const r = rnnlab(['train', '--data', text, '--out', 'good', ...TINY, '--batch', '4', '--seq', '50', '--max-steps', '3', '--quiet'], { cwd: dir });
  assertOk(r, 'training the reference model');
  model = join(dir, 'good', 'model.safetensors');

  // Corrupt checkpoints, each in a file and (for --model DIR) in a directory of its own.
  const bytes = readFileSync(model);
  const bad = (name: string, b: Buffer | Uint8Array) => {
    writeFileSync(join(dir, `${name}.safetensors`), b);
    mkdirSync(join(dir, `${name}-dir`));
    writeFileSync(join(dir, `${name}-dir`, 'model.safetensors'), b);
  };
  bad('truncated', bytes.subarray(0, Math.floor(bytes.length / 2)));
  bad('garbage', noise(bytes.length, 99));
  bad('short', bytes.subarray(0, 5));
  bad('empty', Buffer.alloc(0));
  // A valid safetensors file whose config disagrees with the tensors.
  rewriteSafetensorsMetadata(model, join(dir, 'wronghidden.safetensors'), (m) => {
    m.config = JSON.stringify({ ...JSON.parse(m.config), hidden: 32 });
  });
  rewriteSafetensorsMetadata(model, join(dir, 'wrongcell.safetensors'), (m) => {
    m.config = JSON.stringify({ ...JSON.parse(m.config), cell: 'gru' });
  });
  rewriteSafetensorsMetadata(model, join(dir, 'wrongvocab.safetensors'), (m) => {
    m.vocab = JSON.stringify([...JSON.parse(m.vocab), 'Ж']);
  });
  rewriteSafetensorsMetadata(model, join(dir, 'badjson.safetensors'), (m) => {
    m.config = '{"vocabSize": 31, "cell": ';
  });
  rewriteSafetensorsMetadata(model, join(dir, 'nometa.safetensors'), (m) => {
    for (const k of Object.keys(m)) delete m[k];
  });
  // Valid structure, but a weight is NaN.
  const h = readSafetensorsHeader(model);
  const nan = Buffer.from(bytes);
  nan.writeFloatLE(NaN, 8 + h.headerLength + h.tensors.get('decoder.weight')!.data_offsets[0]);
  writeFileSync(join(dir, 'nan.safetensors'), nan);
  rewriteSafetensorsMetadata(join(dir, 'nan.safetensors'), join(dir, 'nan-nosum.safetensors'), () => {});
  // A directory without a model.
  mkdirSync(join(dir, 'emptydir'));
});

/** Runs train with an --out of its own; checks the one-line error and that --out holds nothing. */
async function trainFails(args: string[], pattern: RegExp | undefined, what: string, out = `out-${what.replace(/\W+/g, '_')}`): Promise<string> {
  const r = await rnnlabAsync(['train', '--out', out, ...args], { cwd: dir });
  const line = assertOneLineError(r, pattern, what);
  assertNoModelFiles(join(dir, out), what);
  assert.equal(r.stdout, '', `${what}: nothing on stdout`);
  return line;
}

const TRAIN = (data: string) => ['--data', data, ...TINY, '--batch', '4', '--seq', '16', '--max-steps', '2'];

test('train: missing, empty, binary and too-short data files', async () => {
  await inParallel([
    () => trainFails(TRAIN(join(dir, 'does-not-exist.txt')), /does-not-exist\.txt.*(no such file|not found|does not exist)/i, 'missing file'),
    () => trainFails(TRAIN(join(dir, 'empty.txt')), /empty\.txt.*empty|no text/i, 'empty file'),
    () => trainFails(TRAIN(join(dir, 'random.bin')), /random\.bin.*(binary|UTF-8)/i, 'random bytes (.bin)'),
    () => trainFails(TRAIN(join(dir, 'nul.txt')), /binary|NUL/i, 'NUL bytes'),
    () => trainFails(TRAIN(join(dir, 'tiny.txt')), /too short|too little|batch/i, 'a 3-character file'),
    () => trainFails(TRAIN(dir), /directory|cannot read|not a file/i, 'a directory as --data'),
    () => trainFails(['--backend', 'js', '--max-steps', '2'], /--data/, 'no --data'),
  ]);
});

test('train: unknown flags, non-numeric and out-of-range hyper-parameters', async () => {
  const cases: [string[], RegExp, string][] = [
    [['--frob'], /unknown option '--frob'/, '--frob'],
    [['--hidden', 'abc'], /--hidden.*'abc'/, '--hidden abc'],
    [['--hidden', '1.5'], /--hidden.*integer/, '--hidden 1.5'],
    [['--dropout', '1.5'], /--dropout.*'1\.5'/, '--dropout 1.5'],
    [['--dropout', 'NaN'], /--dropout/, '--dropout NaN'],
    [['--layers', '0'], /--layers.*'0'/, '--layers 0'],
    [['--lr', '-1'], /--lr.*'-1'/, '--lr -1'],
    [['--lr', '0'], /--lr/, '--lr 0'],
    [['--batch', '0'], /--batch/, '--batch 0'],
    [['--seq', ''], /--seq/, '--seq ""'],
    [['--cell', 'transformer'], /--cell.*lstm, gru, rnn/, '--cell transformer'],
    [['--val-fraction', '1'], /--val-fraction/, '--val-fraction 1'],
    [['--backend', 'gpu'], /--backend/, '--backend gpu'],
    [['--max-steps'], /--max-steps.*argument missing/, '--max-steps without a value'],
  ];
  await inParallel(cases.map(([extra, re, what]) => () => trainFails([...TRAIN(text), ...extra], re, what)));
});

test('train: a misspelt flag gets the error line plus commander\'s "(Did you mean …?)" hint, nothing else', async () => {
  const r = await rnnlabAsync(['train', ...TRAIN(text), '--hiden', '8', '--out', 'misspelt'], { cwd: dir });
  assert.equal(r.status, 1);
  assert.deepEqual(r.stderr.split('\n').filter(Boolean), ["error: unknown option '--hiden'", '(Did you mean --hidden?)']);
  assertNoModelFiles(join(dir, 'misspelt'), 'misspelt flag');
});

test('train: settings that cannot work (--tie-weights with --embed ≠ --hidden, --batch over the data) fail before any progress output', async () => {
  await inParallel([
    () => trainFails([...TRAIN(text), '--tie-weights'], /tie/i, '--tie-weights with embed 8, hidden 16'),
    () => trainFails([...TRAIN(text), '--batch', '5000'], /batch/, '--batch larger than the data'),
  ]);
});

test('train: settings that would be silently ignored are refused, naming the flag', async () => {
  const docs = join(dir, 'docs.jsonl');
  writeFileSync(docs, Array.from({ length: 10 }, (_, i) => JSON.stringify({ text: `document ${i} about a fox` })).join('\n') + '\n');
  const cases: [string[], RegExp, string][] = [
    [[...TRAIN(text), '--momentum', '0.9'], /^error: --momentum applies only to --optimizer sgd/, '--momentum with Adam'],
    [[...TRAIN(text), '--activation', 'relu'], /^error: --activation applies only to --cell rnn/, '--activation relu with LSTM'],
    [[...TRAIN(text), '--bpe-merges', '100'], /^error: --bpe-merges applies only to --level bpe/, '--bpe-merges at char level'],
    [[...TRAIN(text), '--max-len', '50'], /^error: --max-len applies only to document batching/, '--max-len with stream batching'],
    [[...TRAIN(text), '--tokenizer', 'wordpunct'], /^error: --tokenizer applies only to --level word/, '--tokenizer at char level'],
    [[...TRAIN(text), '--text-field', 'body'], /^error: --text-field applies only to JSON/, '--text-field on plain text'],
    [[...TRAIN(text), '--freeze-embeddings', '--freeze-steps', '5'], /^error: --freeze-embeddings \(never trained\) and --freeze-steps/, 'both freezing flags'],
    [[...TRAIN(text), '--tie-weights', '--embed', '16', '--freeze-steps', '5'], /^error: --freeze-steps with --tie-weights would freeze the decoder too/, '--freeze-embedding with tied weights'],
    [['--data', text, ...TINY, '--batching', 'pad', '--max-len', '1', '--max-steps', '2'], /^error: --max-len must be 0 \(no limit\) or at least 2/, '--max-len 1'],
    [[...TRAIN(text), '--val-fraction', '0', '--patience', '2'], /^error: --patience needs validation data/, '--patience without validation'],
    [[...TRAIN(text), '--embeddings', 'vectors.txt'], /^error: --embeddings needs --level word/, '--embeddings at char level'],
    [[...TRAIN(text), '--embed', '0', '--freeze-embeddings'], /^error: --freeze-embeddings needs an embedding/, '--freeze-embedding with one-hot input'],
    [['--data', docs, ...TINY, '--level', 'word', '--batch', '2', '--seq', '16', '--max-steps', '2'], /^error: --seq applies only to --batching stream/, '--seq with padded documents'],
  ];
  const lines = await inParallel(cases.map(([args, re, what]) => () => trainFails(args, re, what)));
  for (const l of lines) {
    const words = l.split(/\s+/).filter((w) => !w.includes('/'));
    assert.ok(!words.some((w) => /^\(?[a-z]+[A-Z]\w*/.test(w)), `a message names CLI flags, not library options (textField): ${l}`);
  }
});

test('train: a model too large for memory is refused up front with an estimate, not a crash', async () => {
  const line = await trainFails(['--data', text, '--hidden', '65536', '--layers', '64', '--batch', '4', '--seq', '16'], /^error: the model needs about [\d.]+ (GB|TB) \(.*parameters.*\) but this machine has [\d.]+ GB: use a smaller --hidden/, 'a 2-trillion-byte model');
  assert.match(line, /[\d,]+ parameters/);
});

/** eval and/or sample on a bad --model: exit 1, one line, nothing on stdout, no files written. */
async function modelFails(model: string, pattern: RegExp | undefined, what: string, cmds: ('eval' | 'sample')[] = ['eval', 'sample']): Promise<void> {
  const before = listFiles(dir);
  const args = { eval: ['eval', '--model', model, '--data', text, '--backend', 'js'], sample: ['sample', '--model', model, '--prime', 'The', '--length', '5', '--backend', 'js'] };
  const runs = await Promise.all(cmds.map((c) => rnnlabAsync(args[c], { cwd: dir })));
  cmds.forEach((cmd, i) => {
    assertOneLineError(runs[i], pattern, `${cmd} --model ${what}`);
    assert.equal(runs[i].stdout, '', `${cmd} --model ${what}: nothing on stdout`);
  });
  assert.deepEqual(listFiles(dir), before, `${what}: eval/sample should not write files`);
}

test('eval and sample: corrupt or mismatched checkpoints', async () => {
  const f = (n: string) => join(dir, n);
  await inParallel([
    () => modelFails(f('truncated.safetensors'), /checkpoint .*truncated\.safetensors is truncated: [\d,]+ of [\d,]+ bytes/, 'a model truncated to half'),
    () => modelFails(f('garbage.safetensors'), /garbage\.safetensors is not a safetensors file/, 'a file of garbage'),
    () => modelFails(f('wronghidden.safetensors'), /shape/, 'a config with hidden 32 over hidden-16 tensors'),
    () => modelFails(f('nan.safetensors'), /nan\.safetensors is corrupt: its tensor data do not match their checksum/, 'a weight overwritten (NaN): the checksum'),
    () => modelFails(f('nan-nosum.safetensors'), /non-finite|NaN/, 'a weight that is NaN in a file without checksums'),
    () => modelFails(f('truncated-dir'), /truncated-dir.*is truncated/, 'a directory with a truncated model', ['sample']),
    () => modelFails(f('garbage-dir'), /not a safetensors file/, 'a directory with a garbage model', ['eval']),
    () => modelFails(f('short.safetensors'), /not a safetensors file \(5 bytes/, 'a 5-byte file', ['sample']),
    () => modelFails(f('empty.safetensors'), /not a safetensors file \(0 bytes|empty/, 'an empty file', ['eval']),
    () => modelFails(f('wrongcell.safetensors'), /shape/, 'a config saying gru over lstm tensors', ['sample']),
    () => modelFails(f('wrongvocab.safetensors'), /vocabulary|vocab/, 'a vocabulary one token longer than the model', ['eval']),
    () => modelFails(f('badjson.safetensors'), /config.*JSON|JSON.*config/, 'config metadata that is not JSON', ['sample']),
    () => modelFails(f('nometa.safetensors'), /not an rnnlab model/, 'a safetensors file without rnnlab metadata', ['eval']),
    () => modelFails(f('emptydir'), /model\.safetensors/, 'a directory without a model', ['sample']),
    () => modelFails(f('no-such-model'), /no-such-model.*no such file/, 'a path that does not exist', ['eval']),
    () => modelFails(text, /not a safetensors file/, 'a text file', ['sample']),
  ], 1);
});

test('eval: bad --data and missing options', async () => {
  const cases: [string[], RegExp, string][] = [
    [['--model', model, '--data', join(dir, 'does-not-exist.txt')], /does-not-exist\.txt/, 'missing data file'],
    [['--model', model, '--data', join(dir, 'empty.txt')], /empty/, 'empty data file'],
    [['--model', model, '--data', join(dir, 'random.txt')], /binary|UTF-8/, 'binary data file (.txt)'],
    [['--data', text], /--model/, 'no --model'],
    [['--model', model], /--data/, 'no --data'],
    [['--model', model, '--data', text, '--batch', 'x'], /--batch/, '--batch x'],
  ];
  await inParallel(cases.map(([args, re, what]) => async () => {
    const r = await rnnlabAsync(['eval', ...args, '--backend', 'js'], { cwd: dir });
    assertOneLineError(r, re, `eval: ${what}`);
  }));
});

test('sample: bad options', async () => {
  const cases: [string[], RegExp, string][] = [
    [['--top-k', '0'], /--top-k/, '--top-k 0'],
    [['--temperature', '-1'], /--temperature/, '--temperature -1'],
    [['--strategy', 'greedy', '--top-k', '5'], /greedy/, 'greedy with --top-k'],
    [['--frob'], /unknown option '--frob'/, '--frob'],
  ];
  await inParallel([
    ...cases.map(([extra, re, what]) => async () => {
      const r = await rnnlabAsync(['sample', '--model', model, '--prime', 'The', '--length', '5', '--backend', 'js', ...extra], { cwd: dir });
      assertOneLineError(r, re, `sample: ${what}`);
    }),
    async () => {
      assertOneLineError(await rnnlabAsync(['sample', '--prime', 'x', '--backend', 'js'], { cwd: dir }), /--model/, 'sample without --model');
    },
    async () => {
      assertOneLineError(await rnnlabAsync(['frobnicate'], { cwd: dir }), /unknown command/, 'an unknown command');
    },
  ]);
});

test('--debug adds the stack trace that is otherwise hidden', async () => {
  const r = await rnnlabAsync(['eval', '--model', join(dir, 'garbage.safetensors'), '--data', text, '--backend', 'js', '--debug'], { cwd: dir });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^error: .*not a safetensors file/);
  assert.match(r.stderr, /\n\s+at /, 'a stack trace with --debug');
});

test('no stray temporaries next to the models that the failures above read', () => {
  const tmp = listFiles(dir).filter((f) => /\.tmp$/.test(f) || /^\.[^/]*\.\d+\.tmp$/.test(f));
  assert.deepEqual(tmp, []);
  // The reference model is intact.
  assert.ok(readSafetensorsHeader(model).tensors.has('decoder.weight'));
});
