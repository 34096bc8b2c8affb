/**
 * `rnnlab import`, run as a user runs it: (1) rnnlab models of every cell, char, word and BPE level
 * and classifiers exported by `rnnlab export --format pytorch` (weights stripped of rnnlab's
 * metadata, as a PyTorch script saves them) come back with identical tensors and identical eval
 * figures, without Python; (2) models trained in PyTorch (committed fixtures,
 * scripts/make_import_fixture.py) score what PyTorch scored; (3) bad inputs are one line each.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertOk, assertOneLineError, inParallel, rnnlabAsync, tempDir, writePangrams, type RunResult } from './helpers.js';
import { f32, readRaw, writeRaw, type RawTensor } from './import-helpers.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/pytorch-trained/', import.meta.url));
const JS = ['--backend', 'js'];

let dir: string;
const run = (args: string[]): Promise<RunResult> => rnnlabAsync(args, { cwd: dir, timeoutMs: 120_000 });
const importArgs = (src: string, out: string, tokenizer = true) => [
  'import', '--from', join(src, 'weights.safetensors'), '--config', join(src, 'config.json'), '--vocab', join(src, 'vocab.json'),
  ...(tokenizer ? ['--tokenizer', join(src, 'tokenizer.json')] : []), '--out', out,
];

/**
 * `rnnlab export --format pytorch`, then the weights rewritten with no metadata at all (as
 * `safetensors.torch.save_file(model.state_dict())` leaves them), so the import has only the
 * folder's config.json, vocab.json and tokenizer.json to go by.
 */
async function exportFolder(model: string, out: string): Promise<void> {
  assertOk(await run(['export', '--model', model, '--format', 'pytorch', '--out', out]), `export ${model}`);
  const w = join(dir, out, 'weights.safetensors');
  writeRaw(w, readRaw(w).tensors);
}

const WORDS = 'the cat sat on the mat . a dog ran in the park , and the cat ran after it .\nthe park was green and the mat was red .\n';
const TOPICS: Record<string, string[]> = { sport: ['goal', 'match', 'team'], money: ['bank', 'stocks', 'fund'], tech: ['chip', 'code', 'robot'] };

before(() => {
  dir = tempDir('import');
  writePangrams(dir, 'char.txt', 30);
  writeFileSync(join(dir, 'words.txt'), WORDS.repeat(30));
  writeFileSync(join(dir, 'docs.jsonl'), Array.from({ length: 20 }, (_, i) => JSON.stringify({ text: `${WORDS.split('\n')[i % 2]} ${i}` })).join('\n') + '\n');
  const rows: string[] = [];
  for (let i = 0; i < 90; i++) {
    const label = Object.keys(TOPICS)[i % 3], w = TOPICS[label];
    rows.push(`${label},${w[i % 3]} the ${w[(i + 1) % 3]} of a ${w[(i + 2) % 3]} today`);
  }
  writeFileSync(join(dir, 'docs.csv'), 'label,text\n' + rows.join('\n') + '\n');
});

interface Case {
  name: string;
  train: string[];
  eval: string[];
  classifier?: boolean;
}

const LM = ['train', ...JS, '--max-steps', '4', '--batch', '4', '--quiet'];
const SEQ = ['--seq', '16'];
const CLS = ['classify', 'train', ...JS, '--data', 'docs.csv', '--max-steps', '4', '--batch', '8', '--quiet', '--embed', '8', '--hidden', '8'];
const CASES: Case[] = [
  { name: 'char-lstm', train: [...LM, ...SEQ, '--data', 'char.txt', '--cell', 'lstm', '--layers', '2', '--hidden', '12', '--embed', '6'], eval: ['--data', 'char.txt'] },
  { name: 'char-gru', train: [...LM, ...SEQ, '--data', 'char.txt', '--cell', 'gru', '--layers', '2', '--hidden', '10', '--embed', '6'], eval: ['--data', 'char.txt'] },
  { name: 'char-rnn-relu-onehot', train: [...LM, ...SEQ, '--data', 'char.txt', '--cell', 'rnn', '--activation', 'relu', '--layers', '1', '--hidden', '10', '--embed', '0'], eval: ['--data', 'char.txt'] },
  { name: 'word-gru-tied', train: [...LM, ...SEQ, '--data', 'words.txt', '--level', 'word', '--cell', 'gru', '--layers', '1', '--hidden', '8', '--embed', '8', '--tie-weights'], eval: ['--data', 'words.txt'] },
  { name: 'bpe-lstm', train: [...LM, ...SEQ, '--data', 'words.txt', '--level', 'bpe', '--bpe-merges', '20', '--cell', 'lstm', '--layers', '1', '--hidden', '8', '--embed', '4'], eval: ['--data', 'words.txt'] },
  { name: 'word-lstm-docs', train: [...LM, '--data', 'docs.jsonl', '--level', 'word', '--cell', 'lstm', '--layers', '1', '--hidden', '8', '--embed', '4', '--batching', 'pad'], eval: ['--data', 'docs.jsonl'] },
  { name: 'cls-bigru', train: [...CLS, '--model', 'gru', '--bidirectional', '--layers', '2'], eval: ['--data', 'docs.csv'], classifier: true },
  { name: 'cls-cnn', train: [...CLS, '--model', 'cnn', '--layers', '2', '--pool', 'mean'], eval: ['--data', 'docs.csv'], classifier: true },
];

test('round trip without Python: rnnlab export --format pytorch → import gives identical tensors and identical eval figures', async () => {
  const trained = await inParallel(CASES.map((c) => () => run([...c.train, '--out', `runs/${c.name}`])));
  trained.forEach((r, i) => assertOk(r, `train ${CASES[i].name}`));
  await inParallel(CASES.map((c) => () => exportFolder(`runs/${c.name}`, join('export', c.name))));
  const imported = await inParallel(CASES.map((c) => () => run(importArgs(join('export', c.name), `imported/${c.name}`))));
  imported.forEach((r, i) => assertOk(r, `import ${CASES[i].name}`));
  for (const c of CASES) {
    const a = readRaw(join(dir, 'runs', c.name, 'model.safetensors')), b = readRaw(join(dir, 'imported', c.name, 'model.safetensors'));
    assert.deepEqual([...b.tensors.keys()], [...a.tensors.keys()], `${c.name}: tensor names`);
    for (const [name, t] of a.tensors) {
      const u = b.tensors.get(name)!;
      assert.equal(u.dtype, t.dtype, `${c.name} ${name}: dtype`);
      assert.deepEqual(u.shape, t.shape, `${c.name} ${name}: shape`);
      assert.ok(u.bytes.equals(t.bytes), `${c.name} ${name}: values differ`);
    }
    for (const k of ['arch', 'config', 'vocab', 'tokenizer', 'batching', 'classes', 'labels', 'max_len', 'clean']) assert.equal(b.metadata[k], a.metadata[k], `${c.name}: metadata ${k}`);
    const provenance = JSON.parse(b.metadata.imported) as { from: string; at: string };
    assert.equal(provenance.from, join('export', c.name, 'weights.safetensors'));
    assert.ok(!Number.isNaN(Date.parse(provenance.at)), 'the import time');
    assert.ok(existsSync(join(dir, 'imported', c.name, 'imported.json')));
  }
  const evals = await inParallel(CASES.flatMap((c) => ['runs', 'imported'].map((where) => () =>
    run(c.classifier ? ['classify', 'eval', '--model', `${where}/${c.name}`, ...c.eval, '--json', '--out', `${where}-${c.name}-eval`, ...JS] : ['eval', '--model', `${where}/${c.name}`, ...c.eval, '--json', ...JS]))));
  CASES.forEach((c, i) => {
    const [a, b] = [evals[2 * i], evals[2 * i + 1]];
    assertOk(a, `eval ${c.name}`);
    assertOk(b, `eval imported ${c.name}`);
    const x = JSON.parse(a.stdout) as Record<string, unknown>, y = JSON.parse(b.stdout) as Record<string, unknown>;
    const keys = c.classifier ? ['accuracy', 'loss', 'macro_f1', 'confusion'] : ['perplexity', 'bits_per_token', 'nll', 'tokens', 'oov'];
    for (const k of keys) if (k in x) assert.deepEqual(y[k], x[k], `${c.name}: eval ${k}`);
    assert.ok(keys.some((k) => k in x), `${c.name}: eval printed none of ${keys}`);
  });
});

test('the contract\'s config.json alone (no tokenizer.json) imports a char model from "level"', async () => {
  const r = await run([...LM, ...SEQ, '--data', 'char.txt', '--cell', 'gru', '--layers', '1', '--hidden', '8', '--embed', '4', '--out', 'runs/level-only']);
  assertOk(r);
  await exportFolder('runs/level-only', join('export', 'level-only'));
  const i = await run(importArgs(join('export', 'level-only'), 'imported/level-only', false));
  assertOk(i);
  assert.match(i.stdout, /imported a language model: GRU, 1 layer, hidden 8, embed 4, char level, vocabulary 31/);
  const tok = readRaw(join(dir, 'imported', 'level-only', 'model.safetensors')).metadata.tokenizer;
  assert.deepEqual(JSON.parse(tok), { kind: 'char', lowercase: false });
});

interface Fixture {
  tokens: number;
  nll: number;
}

test('models trained in PyTorch (vocabularies without rnnlab\'s specials) score what PyTorch scored', async () => {
  const fixtures = [
    { name: 'char-gru', data: 'heldout.txt' },
    { name: 'word-lstm', data: 'heldout-words.txt' },
  ];
  const cwd = tempDir('import-torch');
  cpSync(FIXTURES, cwd, { recursive: true });
  for (const f of fixtures) {
    const r = await rnnlabAsync(['import', '--from', `${f.name}.safetensors`, '--config', `${f.name}.config.json`, '--vocab', `${f.name}.vocab.json`, '--out', f.name], { cwd });
    assertOk(r, `import ${f.name}`);
    if (f.name === 'word-lstm') assert.match(r.stderr, /^note: 7 tensors converted from F16 to float32 \(exact\)/m);
    const e = await rnnlabAsync(['eval', '--model', f.name, '--data', f.data, '--batch', '1', '--json', ...JS], { cwd });
    assertOk(e, `eval ${f.name}`);
    const got = JSON.parse(e.stdout) as { nll: number; tokens: number; oov: number };
    const want = JSON.parse(readFileSync(join(FIXTURES, `${f.name}.nll.json`), 'utf8')) as Fixture;
    assert.equal(got.tokens, want.tokens, `${f.name}: tokens scored`);
    assert.equal(got.oov, 0);
    const rel = Math.abs(got.nll - want.nll) / want.nll;
    assert.ok(rel <= 1e-5, `${f.name}: rnnlab NLL ${got.nll}, PyTorch ${want.nll} (relative ${rel.toExponential(2)})`);
  }
  // a vocabulary without [UNK]/[EOS]: sampling works from a prime in the vocabulary, and text outside it is named, not scored wrong
  const s = await rnnlabAsync(['sample', '--model', 'char-gru', '--prime', 'The Time ', '--length', '20', '--seed', '1', ...JS], { cwd });
  assertOk(s, 'sample');
  assert.ok(s.stdout.startsWith('The Time '));
  assertOneLineError(await rnnlabAsync(['sample', '--model', 'char-gru', '--prime', 'Zürich', ...JS], { cwd }), /the prime holds characters outside the model's vocabulary: "Z", "ü"/);
  assertOneLineError(await rnnlabAsync(['sample', '--model', 'word-lstm', ...JS], { cwd }), /--prime is required for this model/);
  const w = await rnnlabAsync(['sample', '--model', 'word-lstm', '--prime', 'the time traveller', '--length', '5', ...JS], { cwd });
  assertOk(w, 'word sample');
  writeFileSync(join(cwd, 'other.txt'), 'The Time Traveller — 1898 ✓\n'.repeat(10));
  const strict = await rnnlabAsync(['eval', '--model', 'char-gru', '--data', 'other.txt', '--strict-vocab', ...JS], { cwd });
  assertOneLineError(strict, /not in the vocabulary: "—", "1", "8", "9", "✓"/);
  const loose = await rnnlabAsync(['eval', '--model', 'char-gru', '--data', 'other.txt', '--json', ...JS], { cwd });
  assertOk(loose);
  const o = JSON.parse(loose.stdout) as { skipped: number; dropped_tokens: string[] };
  assert.equal(o.skipped, 60, 'the characters outside the vocabulary are skipped and counted');
  writeFileSync(join(cwd, 'zebra.txt'), 'the time traveller zebra said the quick\n');
  const words = await rnnlabAsync(['eval', '--model', 'word-lstm', '--data', 'zebra.txt', ...JS], { cwd });
  assertOk(words);
  assert.match(words.stdout, /^out of vocabulary skipped 2 of 7 tokens \(28\.57%\): "zebra", "quick"$/m);
  assert.match(words.stderr, /and were skipped \(the vocabulary has no \[UNK\]\): the perplexity is over the rest of the text only/);
  assert.match(loose.stderr, /60 of 280 chars \(21\.43%\) are not in the model's vocabulary and were skipped/);
});

test('import: what it leaves out and converts (optimizer state, DDP\'s module. prefix, F64), --force, and a classifier\'s labels', async () => {
  const cwd = tempDir('import-notes');
  cpSync(FIXTURES, cwd, { recursive: true });
  const base = readRaw(join(FIXTURES, 'char-gru.safetensors'));
  // a DistributedDataParallel checkpoint with Adam's moments and the weights as float64
  const wrapped = new Map<string, RawTensor>([...base.tensors].map(([n, t]) => {
    const f = new Float32Array(t.bytes.buffer, t.bytes.byteOffset, t.bytes.length / 4);
    return [`module.${n}`, { dtype: 'F64', shape: t.shape, bytes: Buffer.from(Float64Array.from(f).buffer) }];
  }));
  wrapped.set('module.optimizer.rnn.weight_ih_l0.exp_avg', f32([2], [0, 0]));
  writeRaw(join(cwd, 'ddp.safetensors'), wrapped);
  const args = ['import', '--from', 'ddp.safetensors', '--config', 'char-gru.config.json', '--vocab', 'char-gru.vocab.json', '--out', 'ddp'];
  const r = await rnnlabAsync(args, { cwd });
  assertOk(r);
  assert.match(r.stderr, /note: 11 tensors converted from F64 to float32 \(rounded\)/);
  assert.match(r.stderr, /note: every tensor name started with "module\." \(DistributedDataParallel\)/);
  assert.match(r.stderr, /note: left out 1 tensor that is not a model parameter .*optimizer\.rnn\.weight_ih_l0\.exp_avg/);
  const same = readRaw(join(cwd, 'ddp', 'model.safetensors'));
  for (const [n, t] of base.tensors) assert.ok(same.tensors.get(n)!.bytes.equals(t.bytes), `${n}: float32 → float64 → float32 is exact`);
  assertOneLineError(await rnnlabAsync(args, { cwd }), /--out ddp already holds a model \(model\.safetensors\): add --force/);
  assertOk(await rnnlabAsync([...args, '--force'], { cwd }), 'import --force');
  // a classifier's class names: from "labels", and refused when absent
  const emb = f32([4, 2], [1, 2, 3, 4, 5, 6, 7, 8]);
  const gru = (g: number, i: number) => f32([g, i], Array.from({ length: g * i }, (_, k) => k / 100));
  writeRaw(join(cwd, 'cls.safetensors'), new Map([
    ['embedding.weight', emb], ['rnn.weight_ih_l0', gru(9, 2)], ['rnn.weight_hh_l0', gru(9, 3)], ['rnn.bias_ih_l0', f32([9], Array(9).fill(0))],
    ['rnn.bias_hh_l0', f32([9], Array(9).fill(0))], ['fc.weight', gru(2, 3)], ['fc.bias', f32([2], [0, 0])],
  ]));
  writeFileSync(join(cwd, 'cls.vocab.json'), JSON.stringify(['[PAD]', '[UNK]', 'good', 'bad']));
  writeFileSync(join(cwd, 'cls.json'), JSON.stringify({ arch: 'classifier', level: 'word', labels: ['neg', 'pos'] }));
  const c = await rnnlabAsync(['import', '--from', 'cls.safetensors', '--config', 'cls.json', '--vocab', 'cls.vocab.json', '--out', 'cls'], { cwd });
  assertOk(c, 'import a classifier');
  assert.match(c.stdout, /imported a text classifier: GRU, 1 layer, hidden 3, embed 2, 2 classes, pool last/);
  assert.match(c.stderr, /note: how the classifier pools is not in its weights: last assumed/);
  const p = await rnnlabAsync(['classify', 'predict', '--model', 'cls', '--text', 'good bad good', '--json', ...JS], { cwd });
  assertOk(p, 'classify predict on the imported classifier');
  assert.deepEqual(Object.keys((JSON.parse(p.stdout) as { probabilities: object }).probabilities), ['neg', 'pos']);
  // a vocabulary without [UNK]: text in it is classified, other text is refused naming the words
  writeFileSync(join(cwd, 'cls.nounk.json'), JSON.stringify(['[PAD]', 'meh', 'good', 'bad']));
  assertOk(await rnnlabAsync(['import', '--from', 'cls.safetensors', '--config', 'cls.json', '--vocab', 'cls.nounk.json', '--out', 'cls-nounk'], { cwd }));
  assertOk(await rnnlabAsync(['classify', 'predict', '--model', 'cls-nounk', '--text', 'good bad', ...JS], { cwd }));
  assertOneLineError(await rnnlabAsync(['classify', 'predict', '--model', 'cls-nounk', '--text', 'good ugly', ...JS], { cwd }), /the vocabulary has no \[UNK\] token \(unknown: "ugly"\)/);
  writeFileSync(join(cwd, 'labelled.csv'), 'label,text\npos,good good\nneg,bad ugly\n');
  assertOneLineError(await rnnlabAsync(['classify', 'eval', '--model', 'cls-nounk', '--data', 'labelled.csv', ...JS], { cwd }), /labelled\.csv document 2: cannot map unknown tokens to \[UNK\]: the vocabulary has no \[UNK\] token \(unknown: "ugly"\)/);
  writeFileSync(join(cwd, 'cls-nolabels.json'), JSON.stringify({ arch: 'classifier', level: 'word' }));
  assertOneLineError(await rnnlabAsync(['import', '--from', 'cls.safetensors', '--config', 'cls-nolabels.json', '--vocab', 'cls.vocab.json', '--out', 'cls2'], { cwd }), /a classifier needs its class names: add "labels"/);
});

test('import: each bad input is one clear line and exit 1, and nothing is written', async () => {
  const cwd = tempDir('import-bad');
  cpSync(FIXTURES, cwd, { recursive: true });
  const base = readRaw(join(FIXTURES, 'char-gru.safetensors'));
  const without = new Map(base.tensors);
  without.delete('rnn.bias_hh_l1');
  writeRaw(join(cwd, 'missing.safetensors'), without);
  writeRaw(join(cwd, 'extra.safetensors'), new Map([...base.tensors, ['head.weight', f32([1], [0])]]));
  const vocab = JSON.parse(readFileSync(join(FIXTURES, 'char-gru.vocab.json'), 'utf8')) as string[];
  const files: Record<string, string> = {
    'hidden32.json': JSON.stringify({ cell: 'gru', hidden: 32, level: 'char' }),
    'broken.json': '{"cell": "gru", "level": "char",}',
    'transformer.json': JSON.stringify({ cell: 'transformer', level: 'char' }),
    'short.vocab.json': JSON.stringify(vocab.slice(0, -1)),
  };
  for (const [n, text] of Object.entries(files)) writeFileSync(join(cwd, n), text);
  const imp = (o: { from?: string; config?: string; vocab?: string; out?: string }) => ['import', '--from', o.from ?? 'char-gru.safetensors', '--config', o.config ?? 'char-gru.config.json', '--vocab', o.vocab ?? 'char-gru.vocab.json', '--out', o.out ?? 'out'];
  const cases: [string[], RegExp, string][] = [
    [imp({ config: 'hidden32.json' }), /^error: --from char-gru\.safetensors: rnn\.weight_ih_l0 is \[72,12\], the config implies \[96,12\] \(cell gru, layers 2, hidden 32, embed 12, vocabulary 53\)$/, 'a shape mismatch'],
    [imp({ vocab: 'short.vocab.json' }), /--vocab short\.vocab\.json holds 52 tokens, but the weights are for 53 tokens \(embedding\.weight \[53,12\]\)/, 'a vocabulary of another length'],
    [imp({ config: 'broken.json' }), /--config broken\.json is not valid JSON \(/, 'malformed JSON'],
    [imp({ config: 'transformer.json' }), /--config transformer\.json: unknown cell "transformer" \(known: lstm, gru, rnn\)/, 'an unknown cell'],
    [imp({ from: 'missing.safetensors' }), /--from missing\.safetensors lacks the tensor rnn\.bias_hh_l1 \[72\] that the config implies \(cell gru/, 'a missing tensor'],
    [imp({ from: 'extra.safetensors' }), /--from extra\.safetensors holds a tensor that this language model .* does not have: head\.weight/, 'an unexpected tensor'],
    [imp({ from: 'nope.safetensors' }), /cannot read --from nope\.safetensors: no such file/, 'a missing weights file'],
    [['import', '--from', 'char-gru.safetensors', '--config', 'char-gru.config.json', '--out', 'out'], /required option '--vocab <file>' not specified/, 'no --vocab'],
  ];
  const results = await inParallel(cases.map(([args]) => () => rnnlabAsync(args, { cwd })));
  results.forEach((r, i) => assertOneLineError(r, cases[i][1], cases[i][2]));
  assert.ok(!existsSync(join(cwd, 'out')), 'a refused import writes nothing');
  // a training run's folder is never an import's --out
  const t = await rnnlabAsync(['train', '--data', 'train.txt', ...JS, '--max-steps', '1', '--hidden', '4', '--embed', '2', '--layers', '1', '--batch', '2', '--seq', '8', '--out', 'run', '--quiet'], { cwd });
  assertOk(t);
  assertOneLineError(await rnnlabAsync([...imp({ out: 'run' }), '--force'], { cwd }), /--out run holds a training run \(last\.safetensors\)/);
});
