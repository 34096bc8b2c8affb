/**
 * `rnnlab eval --data a,b,c`: one table row per corpus (and the same numbers as evaluating each
 * alone), a JSON array, characters and words the model never saw counted and listed without
 * failing, `--untrained` (the run's architecture and seed, ≈ the vocabulary size), and
 * `--metric notebook` checked against per-document evaluations.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertOk, assertOneLineError, inParallel, readSafetensorsHeader, rnnlabAsync, tempDir, TINY, writePangrams } from './helpers.js';

const JS = ['--backend', 'js'];

interface Figures { perplexity: number; bits_per_token: number; loss: number; nll: number; tokens: number; notebook_perplexity?: number; notebook_documents?: number }
interface EvalJson extends Figures {
  model: string; data: string; level: string; oov: number; oov_rate: number; dropped_tokens: string[]; unseen: string[]; backend: string;
  untrained?: Figures & { seed: number };
}

let dir = '', pangrams = '', odd = '', lines = '', chars: string[] = [];
const WORD_DOCS = [
  'the cat sat on the mat', 'a dog sat on the log', 'the cat saw a dog', 'the dog saw the cat on the mat',
  'a cat and a dog sat', 'on the log sat a cat', 'the mat saw the log', 'a dog on a mat',
];

before(async () => {
  dir = tempDir('evmulti');
  pangrams = writePangrams(dir);
  odd = join(dir, 'odd.txt');
  writeFileSync(odd, 'Привет! The quick brown fox 😀\n');
  lines = join(dir, 'lines.txt');
  writeFileSync(lines, 'pack my box with five dozen liquor jugs\n'.repeat(5));
  writeFileSync(join(dir, 'docs.jsonl'), WORD_DOCS.map((t) => JSON.stringify({ text: t })).join('\n') + '\n');
  const train = ['train', ...TINY, '--epochs', '2', '--quiet'];
  const runs = await inParallel([
    () => rnnlabAsync([...train, '--data', pangrams, '--out', 'char', '--batch', '8', '--seq', '32', '--lr', '0.02', '--seed', '7'], { cwd: dir }),
    // the same architecture and seed, trained otherwise: its untrained baseline is the same model
    () => rnnlabAsync([...train, '--data', pangrams, '--out', 'char2', '--batch', '4', '--seq', '16', '--lr', '0.01', '--seed', '7'], { cwd: dir }),
    () => rnnlabAsync([...train, '--data', 'docs.jsonl', '--level', 'word', '--out', 'word', '--batch', '2', '--lr', '0.02', '--val-fraction', '0.25'], { cwd: dir }),
  ]);
  runs.forEach((r, i) => assertOk(r, `training model ${i}`));
  chars = JSON.parse(readSafetensorsHeader(join(dir, 'char', 'model.safetensors')).metadata.vocab) as string[];
});

const evalJson = async (args: string[]) => {
  const r = await rnnlabAsync(['eval', ...JS, '--json', ...args], { cwd: dir });
  assertOk(r, `eval ${args.join(' ')}`);
  return JSON.parse(r.stdout) as unknown;
};

test('eval --data a,b,c: a table row per corpus with the numbers of each corpus scored alone; --json is an array of the single-file objects', async () => {
  const data = [pangrams, odd, lines].join(',');
  const [table, many, ...alone] = await inParallel([
    () => rnnlabAsync(['eval', '--model', 'char', '--data', data, ...JS], { cwd: dir }),
    () => evalJson(['--model', 'char', '--data', data]),
    ...[pangrams, odd, lines].map((f) => () => evalJson(['--model', 'char', '--data', f])),
  ]);
  const t = table as Awaited<ReturnType<typeof rnnlabAsync>>;
  assertOk(t, 'eval of three files');
  const arr = many as EvalJson[];
  assert.ok(Array.isArray(arr) && arr.length === 3, 'an array, one entry per corpus');
  const singles = alone as EvalJson[];
  for (let i = 0; i < 3; i++) {
    assert.ok(!Array.isArray(singles[i]), 'one file: one object, as before');
    assert.deepEqual(arr[i], singles[i], `entry ${i} is what evaluating that file alone prints`);
  }
  const rows = t.stdout.trimEnd().split('\n');
  assert.match(rows[0], /^corpus\s+chars\s+perplexity\s+bits\/char\s+out of vocabulary$/);
  assert.equal(rows.length, 4);
  arr.forEach((e, i) => {
    const cells = rows[i + 1].split(/\s{2,}/);
    assert.equal(cells[0], e.data);
    assert.deepEqual(cells.slice(1, 4), [String(e.tokens), e.perplexity.toFixed(4), e.bits_per_token.toFixed(4)]);
  });
  assert.match(rows[2], /skipped 8 of 30 chars \(26\.67%\): "П", "р", "и", "в", "е", "т", "!", "😀"$/);
  assert.match(rows[1], /\s0$/);
});

test('eval: characters the model never saw are counted and listed per corpus, never fatal', async () => {
  const e = (await evalJson(['--model', 'char', '--data', `${pangrams},${odd}`])) as EvalJson[];
  assert.equal(e[0].oov, 0);
  assert.deepEqual(e[0].unseen, []);
  const o = e[1];
  assert.equal(o.oov, 8);
  assert.deepEqual(o.unseen, ['П', 'р', 'и', 'в', 'е', 'т', '!', '😀']);
  assert.deepEqual(o.dropped_tokens, o.unseen, 'a char vocabulary has no [UNK]: they are dropped');
  // 30 characters, 22 kept: the rate is over all 30
  assert.equal(o.oov_rate, 8 / 30);
  for (const c of o.unseen) assert.ok(!chars.includes(c));
  // A word model maps unseen words to [UNK] and lists them.
  const words = join(dir, 'words.txt');
  writeFileSync(words, 'the zebra sat on the mat with a zebra and an owl\n');
  const w = (await evalJson(['--model', 'word', '--data', words])) as EvalJson;
  assert.deepEqual(w.unseen, ['zebra', 'with', 'and', 'an', 'owl'].filter((x) => !WORD_DOCS.join(' ').split(' ').includes(x)));
  assert.equal(w.oov, w.unseen.length + 1, '"zebra" twice');
  assert.deepEqual(w.dropped_tokens, []);
});

test('eval --untrained: per corpus, the architecture freshly initialised with the run\'s seed, about the vocabulary size', async () => {
  const data = `${pangrams},${lines}`;
  const [a, b, word, text] = await inParallel([
    () => evalJson(['--model', 'char', '--data', data, '--untrained']),
    () => evalJson(['--model', join(dir, 'char2', 'model.safetensors'), '--data', data, '--untrained']),
    () => evalJson(['--model', 'word', '--data', 'docs.jsonl', '--untrained']),
    () => rnnlabAsync(['eval', '--model', 'char', '--data', data, '--untrained', ...JS], { cwd: dir }),
  ]);
  const [ea, eb] = [a as EvalJson[], b as EvalJson[]];
  for (let i = 0; i < 2; i++) {
    const u = ea[i].untrained!;
    assert.equal(u.seed, 7, 'the run\'s seed, from its config.json');
    assert.equal(u.tokens, ea[i].tokens);
    assert.ok(u.perplexity > chars.length * 0.8 && u.perplexity < chars.length * 1.25, `untrained perplexity ${u.perplexity} vs vocabulary ${chars.length}`);
    assert.ok(ea[i].perplexity < u.perplexity, 'the trained model does better');
    // Another run of the same architecture and seed has the same untrained model, whatever it learnt.
    assert.equal(eb[i].untrained!.nll, u.nll);
    assert.notEqual(eb[i].nll, ea[i].nll);
  }
  const w = word as EvalJson;
  const wordVocab = (JSON.parse(readSafetensorsHeader(join(dir, 'word', 'model.safetensors')).metadata.vocab) as string[]).length;
  assert.equal(w.untrained!.seed, 42);
  assert.ok(w.untrained!.perplexity > wordVocab * 0.7 && w.untrained!.perplexity < wordVocab * 1.4, `untrained ${w.untrained!.perplexity} vs vocabulary ${wordVocab}`);
  const t = text as Awaited<ReturnType<typeof rnnlabAsync>>;
  assertOk(t);
  const rows = t.stdout.trimEnd().split('\n');
  assert.equal(rows.length, 6, t.stdout);
  assert.match(rows[2], new RegExp(`^  untrained\\s+${ea[0].untrained!.tokens}\\s+${ea[0].untrained!.perplexity.toFixed(4)}\\s`));
  assert.match(rows[4], /^  untrained\s/);
  assert.match(rows[5], /^untrained: the same architecture freshly initialised \(seed 7\)/);
});

test('eval --metric notebook: the mean over documents of 2^(nats per token), beside the standard figure and labelled', async () => {
  // Documents (padded, each from a zero state) score alike alone and together, so the figure of
  // the file is the mean of 2^loss over its documents evaluated one by one.
  const files = WORD_DOCS.map((t, i) => {
    const f = join(dir, `doc${i}.jsonl`);
    writeFileSync(f, JSON.stringify({ text: t }) + '\n');
    return f;
  });
  const [all, ...each] = await inParallel([
    () => evalJson(['--model', 'word', '--data', 'docs.jsonl', '--metric', 'notebook']),
    ...files.map((f) => () => evalJson(['--model', 'word', '--data', f])),
  ]);
  const e = all as EvalJson;
  const alone = each as EvalJson[];
  assert.equal(e.notebook_documents, WORD_DOCS.length);
  const want = alone.reduce((s, d) => s + 2 ** d.loss, 0) / alone.length;
  assert.ok(Math.abs(e.notebook_perplexity! - want) < 1e-5 * want, `notebook ${e.notebook_perplexity} vs the mean of 2^loss per document ${want}`);
  assert.ok(Math.abs(e.nll - alone.reduce((s, d) => s + d.nll, 0)) < 1e-5 * e.nll, 'the standard figure is unchanged');
  // A plain-text file is one document: the figure is 2^loss (the perplexity is e^loss).
  const [one, text, table] = await inParallel([
    () => evalJson(['--model', 'char', '--data', pangrams, '--metric', 'notebook']),
    () => rnnlabAsync(['eval', '--model', 'char', '--data', pangrams, '--metric', 'notebook', ...JS], { cwd: dir }),
    () => rnnlabAsync(['eval', '--model', 'char', '--data', `${pangrams},${lines}`, '--metric', 'notebook', ...JS], { cwd: dir }),
  ]);
  const o = one as EvalJson;
  assert.equal(o.notebook_documents, 1);
  assert.ok(Math.abs(o.notebook_perplexity! - 2 ** o.loss) < 1e-6 * o.notebook_perplexity!);
  const tx = text as Awaited<ReturnType<typeof rnnlabAsync>>;
  assertOk(tx);
  assert.match(tx.stdout, new RegExp(`^perplexity ${o.perplexity.toFixed(4)}\\n.*\\nnotebook perplexity ${o.notebook_perplexity!.toFixed(4)} \\(mean over 1 document of 2\\^\\(nats per char\\), not a perplexity\\)\\nout of vocabulary 0\\n$`, 's'));
  const tb = table as Awaited<ReturnType<typeof rnnlabAsync>>;
  assertOk(tb);
  assert.match(tb.stdout, /^corpus\s+chars\s+perplexity\s+bits\/char\s+notebook¹\s+out of vocabulary\n/);
  assert.match(tb.stdout, /\n¹ notebook perplexity: mean over documents of 2\^\(nats per char\), not a perplexity\n$/);
});

test('eval bad input: an empty name in the list, a missing second file, an unknown metric', async () => {
  const [empty, missing, metric] = await inParallel([
    () => rnnlabAsync(['eval', '--model', 'char', '--data', `${pangrams},,${odd}`, ...JS], { cwd: dir }),
    () => rnnlabAsync(['eval', '--model', 'char', '--data', `${pangrams},nope.txt`, ...JS], { cwd: dir }),
    () => rnnlabAsync(['eval', '--model', 'char', '--data', pangrams, '--metric', 'bogus', ...JS], { cwd: dir }),
  ]);
  assertOneLineError(empty, /names an empty file/);
  assertOneLineError(missing, /nope\.txt/);
  assertOneLineError(metric, /--metric.*notebook/);
});
