/**
 * `rnnlab train` as a user runs it: the files of a run (model.safetensors, last.safetensors,
 * metrics.jsonl), the safetensors layout (PyTorch state_dict names and shapes, F32, JSON
 * metadata), the cell/embedding variants, and that a tiny model actually learns.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  assertOk, inParallel, listFiles, PANGRAM, readMetrics, readSafetensorsHeader, rnnlab, rnnlabAsync, tempDir,
  TINY, untrainedLoss, writePangrams, type Metric, type StHeader,
} from './helpers.js';

const V = new Set(PANGRAM).size; // 31 distinct characters
const H = 16, E = 8;
const GATES = { lstm: 4, gru: 3, rnn: 1 } as const;

/** name → shape of PyTorch's embedding → nn.LSTM/GRU/RNN → Linear state_dict, in order. */
function expectedShapes(o: { cell: keyof typeof GATES; embed: number; layers: number }): [string, number[]][] {
  const G = GATES[o.cell] * H;
  const out: [string, number[]][] = [];
  if (o.embed > 0) out.push(['embedding.weight', [V, o.embed]]);
  for (let l = 0; l < o.layers; l++) {
    const inp = l === 0 ? (o.embed > 0 ? o.embed : V) : H;
    out.push([`rnn.weight_ih_l${l}`, [G, inp]], [`rnn.weight_hh_l${l}`, [G, H]], [`rnn.bias_ih_l${l}`, [G]], [`rnn.bias_hh_l${l}`, [G]]);
  }
  out.push(['decoder.weight', [V, H]], ['decoder.bias', [V]]);
  return out;
}

/** The safetensors invariants: F32, offsets contiguous from 0 and covering the data exactly. */
function assertWellFormed(h: StHeader, file: string): void {
  let pos = 0;
  const entries = [...h.tensors].sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0]);
  for (const [name, t] of entries) {
    assert.equal(t.dtype, 'F32', `${file}: ${name} dtype`);
    const n = t.shape.reduce((a, b) => a * b, 1);
    assert.deepEqual(t.data_offsets, [pos, pos + 4 * n], `${file}: ${name} data_offsets`);
    pos += 4 * n;
  }
  assert.equal(8 + h.headerLength + pos, h.fileSize, `${file}: the tensors should fill the file exactly`);
  assert.equal((8 + h.headerLength) % 8, 0, `${file}: data should start 8-byte aligned`);
}

function assertModelTensors(h: StHeader, want: [string, number[]][], file: string): void {
  const model = [...h.tensors.keys()].filter((k) => !k.startsWith('optimizer.') && !k.startsWith('state.'));
  assert.deepEqual(model.sort(), want.map(([n]) => n).sort(), `${file}: model tensor names`);
  for (const [name, shape] of want) assert.deepEqual(h.tensors.get(name)!.shape, shape, `${file}: shape of ${name}`);
}

function assertMetadata(h: StHeader, file: string, cell: string, embed: number, layers: number): void {
  for (const k of ['config', 'vocab', 'tokenizer']) {
    assert.equal(typeof h.metadata[k], 'string', `${file}: __metadata__.${k} should be a string`);
  }
  const config = JSON.parse(h.metadata.config) as Record<string, unknown>;
  assert.equal(config.vocabSize, V);
  assert.equal(config.cell, cell);
  assert.equal(config.hidden, H);
  assert.equal(config.embed, embed);
  assert.equal(config.layers, layers);
  const vocab = JSON.parse(h.metadata.vocab) as string[];
  assert.ok(Array.isArray(vocab) && vocab.length === V, `${file}: vocab should list ${V} tokens`);
  assert.deepEqual([...vocab].sort(), [...new Set(PANGRAM)].sort(), `${file}: vocab should be the text's characters`);
  const tok = JSON.parse(h.metadata.tokenizer) as Record<string, unknown>;
  assert.equal(tok.kind, 'char');
}

/**
 * The event schema of metrics.jsonl (README › metrics.jsonl): a start line, the untrained
 * validation at step 0, step lines counting 1, 2, …, n, val lines carrying the step they
 * follow, epochs never going back, and an end line saying why the run stopped.
 */
function assertMetricsShape(ms: Metric[], steps: number, file: string): void {
  assert.ok(ms.length > 0, `${file} is empty`);
  assert.equal(ms[0].type, 'start', `${file}: the first line is the start event`);
  assert.equal(ms[ms.length - 1].type, 'end', `${file}: the last line is the end event`);
  const end = ms[ms.length - 1] as Metric & { stopped_by: string };
  assert.match(end.stopped_by, /^(epochs|max-steps|time|early-stopping)$/);
  const body = ms.slice(1, -1);
  assert.ok(body[0].type === 'val' && body[0].step === 0 && body[0].untrained === true, `${file}: the untrained validation comes first`);
  let lastStep = 0, lastEpoch = 0;
  for (const m of body) {
    assert.ok(m.type === 'step' || m.type === 'val', `${file}: unknown line type ${String(m.type)}`);
    assert.ok(Number.isFinite(m.loss) && m.loss >= 0, `${file}: loss ${m.loss}`);
    assert.ok(Number.isInteger(m.epoch) && m.epoch >= lastEpoch, `${file}: epoch ${m.epoch} after ${lastEpoch}`);
    lastEpoch = m.epoch;
    if (m.type === 'step') {
      assert.equal(m.step, lastStep + 1, `${file}: step lines should count up by one`);
      lastStep = m.step;
      for (const k of ['batch', 'batches', 'grad_norm', 'lr', 'tokens', 'tokens_per_sec', 'elapsed']) assert.ok(Number.isFinite(m[k] as number), `${file}: step line field ${k}`);
    } else {
      assert.equal(m.step, lastStep, `${file}: a val line should carry the step it follows`);
      assert.ok(Number.isFinite(m.perplexity as number) && Number.isInteger(m.tokens as number), `${file}: val line fields`);
      assert.ok(Math.abs((m.perplexity as number) - Math.exp(m.loss)) <= 1e-9 * Math.exp(m.loss), `${file}: perplexity = exp(loss)`);
    }
  }
  assert.equal(lastStep, steps, `${file}: last step`);
  const last = body[body.length - 1];
  assert.equal(last.type, 'val', `${file}: a run ends with a validation`);
  assert.equal(last.step, steps);
  assert.equal(end.step, steps);
}

test('train: an LSTM run writes model.safetensors, last.safetensors and metrics.jsonl with PyTorch names and shapes', () => {
  const dir = tempDir('train');
  const data = writePangrams(dir);
  // ~3.1 K training chars, batch 8 × seq 32 → 13 steps per epoch; 2 epochs.
  const r = rnnlab(['train', '--data', data, '--out', 'run', ...TINY, '--batch', '8', '--seq', '32', '--epochs', '2'], { cwd: dir });
  assertOk(r, 'train');
  const out = join(dir, 'run');
  assert.deepEqual(listFiles(out), ['config.json', 'last.safetensors', 'metrics.jsonl', 'model.safetensors']);
  // What it says on stdout and stderr.
  assert.match(r.stdout, /^trained 26 steps \(2 epochs\)/m);
  assert.match(r.stdout, /best validation: perplexity [\d.]+ · [\d.]+ bits\/char/);
  assert.match(r.stdout, /saved run\/model\.safetensors/);
  assert.match(r.stderr, new RegExp(`vocabulary ${V}\\b`));
  assert.match(r.stderr, /13 steps per epoch/);

  const want = expectedShapes({ cell: 'lstm', embed: E, layers: 1 });
  const model = readSafetensorsHeader(join(out, 'model.safetensors'));
  assertWellFormed(model, 'model.safetensors');
  assertModelTensors(model, want, 'model.safetensors');
  assert.deepEqual([...model.tensors.keys()], want.map(([n]) => n), 'model.safetensors: state_dict order');
  assertMetadata(model, 'model.safetensors', 'lstm', E, 1);
  assert.equal(model.metadata.train_state, undefined, 'model.safetensors carries no training state');

  const last = readSafetensorsHeader(join(out, 'last.safetensors'));
  assertWellFormed(last, 'last.safetensors');
  assertModelTensors(last, want, 'last.safetensors');
  assertMetadata(last, 'last.safetensors', 'lstm', E, 1);
  // Adam keeps two moments per parameter, shaped like it.
  for (const [name, shape] of want) {
    for (const moment of ['exp_avg', 'exp_avg_sq']) {
      const t = last.tensors.get(`optimizer.${name}.${moment}`);
      assert.ok(t, `last.safetensors lacks optimizer.${name}.${moment}`);
      assert.deepEqual(t.shape, shape);
    }
  }
  assert.equal(typeof last.metadata.train_state, 'string');
  const ts = JSON.parse(last.metadata.train_state) as { step: number; epoch: number; options: Record<string, unknown> };
  assert.equal(ts.step, 26);
  assert.equal(ts.epoch, 2);
  assert.equal(ts.options.batch, 8);
  assert.equal(ts.options.seq, 32);

  // config.json: the whole run configuration, defaults filled in, for people and tools.
  const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as { arch: string; config: Record<string, unknown>; model: Record<string, unknown>; parameters: { total: number; trainable: number } };
  assert.equal(cfg.arch, 'lm');
  assert.deepEqual([cfg.config.data, cfg.config.batch, cfg.config.seq, cfg.config.epochs, cfg.config.lr, cfg.config.batching], [data, 8, 32, 2, 0.002, 'stream']);
  assert.equal(cfg.model.hidden, H);
  assert.equal(cfg.parameters.total, cfg.parameters.trainable);

  const ms = readMetrics(join(out, 'metrics.jsonl'));
  assertMetricsShape(ms, 26, 'metrics.jsonl');
  assert.deepEqual(ms.filter((m) => m.type === 'val').map((m) => m.step), [0, 13, 26], 'the untrained validation, then one at the end of each epoch');
  // tokens per step = batch × window length: 3096 training chars → 8 rows of floor(3095 / 8) = 386
  // = 12 × 32 + 2, so the 13th window of each epoch is 2 long.
  ms.filter((x) => x.type === 'step').forEach((m, i) => {
    assert.equal(m.tokens, 8 * (i % 13 === 12 ? 2 : 32), `tokens of step ${m.step} = batch × window length`);
  });
});

test('train: --embed 0 (one-hot input), gru (3H rows, 2 layers) and rnn (H rows, relu)', async () => {
  const dir = tempDir('train');
  const data = writePangrams(dir);
  const common = ['--data', data, '--backend', 'js', '--hidden', String(H), '--batch', '4', '--seq', '16', '--max-steps', '3', '--quiet'];
  const variants = [
    { out: 'onehot', cell: 'lstm' as const, embed: 0, layers: 1, args: ['--embed', '0', '--layers', '1'] },
    { out: 'gru', cell: 'gru' as const, embed: E, layers: 2, args: ['--cell', 'gru', '--embed', String(E), '--layers', '2'] },
    { out: 'rnn', cell: 'rnn' as const, embed: E, layers: 1, args: ['--cell', 'rnn', '--activation', 'relu', '--embed', String(E), '--layers', '1'] },
  ];
  const runs = await inParallel(variants.map((v) => () => rnnlabAsync(['train', ...common, '--out', v.out, ...v.args], { cwd: dir })));
  variants.forEach((v, i) => {
    assertOk(runs[i], `train ${v.out}`);
    assert.equal(runs[i].stderr, '', `train --quiet: nothing on stderr (${v.out})`);
    const want = expectedShapes(v);
    for (const f of ['model.safetensors', 'last.safetensors']) {
      const h = readSafetensorsHeader(join(dir, v.out, f));
      assertWellFormed(h, `${v.out}/${f}`);
      assertModelTensors(h, want, `${v.out}/${f}`);
      assertMetadata(h, `${v.out}/${f}`, v.cell, v.embed, v.layers);
    }
    const config = JSON.parse(readSafetensorsHeader(join(dir, v.out, 'model.safetensors')).metadata.config) as Record<string, unknown>;
    if (v.out === 'rnn') assert.equal(config.activation, 'relu');
    assertMetricsShape(readMetrics(join(dir, v.out, 'metrics.jsonl')), 3, `${v.out}/metrics.jsonl`);
  });
  const onehot = readSafetensorsHeader(join(dir, 'onehot', 'model.safetensors'));
  assert.equal(onehot.tensors.has('embedding.weight'), false, '--embed 0 has no embedding');
  assert.deepEqual(onehot.tensors.get('rnn.weight_ih_l0')!.shape, [4 * H, V], '--embed 0: the first layer reads the one-hot vector');
  assert.deepEqual(readSafetensorsHeader(join(dir, 'gru', 'model.safetensors')).tensors.get('rnn.weight_ih_l1')!.shape, [3 * H, H]);
  assert.deepEqual(readSafetensorsHeader(join(dir, 'rnn', 'model.safetensors')).tensors.get('rnn.weight_hh_l0')!.shape, [H, H]);
});

test('train: without --out the run goes to runs/<level>-<cell>-<time> under the working directory', () => {
  const dir = tempDir('train');
  const data = writePangrams(dir);
  const r = rnnlab(['train', '--data', data, ...TINY, '--cell', 'gru', '--batch', '4', '--seq', '16', '--max-steps', '2', '--quiet'], { cwd: dir });
  assertOk(r);
  const files = listFiles(join(dir, 'runs'));
  assert.equal(files.length, 4, files.join(', '));
  assert.match(files[0], /^char-gru-\d{8}-\d{6}\/config\.json$/);
  assert.ok(files.every((f) => f.startsWith(files[0].split('/')[0] + '/')));
});

test('train: a tiny LSTM learns a repetitive text (validation loss < 1.0 nats/char and below the untrained loss)', () => {
  const dir = tempDir('learn');
  const data = writePangrams(dir);
  // 6 epochs × 13 steps; reaches ~0.2–0.3 nats/char on seeds 1–5, so 1.0 leaves a wide margin.
  const r = rnnlab(['train', '--data', data, '--out', 'run', ...TINY, '--batch', '8', '--seq', '32', '--epochs', '6', '--lr', '0.02', '--json'], { cwd: dir });
  assertOk(r, 'train --json');
  const s = JSON.parse(r.stdout) as { out: string; steps: number; epochs: number; stopped_by: string; best: { loss: number; perplexity: number; bits_per_token: number; tokens: number } };
  assert.equal(s.out, 'run');
  assert.equal(s.steps, 78);
  assert.equal(s.epochs, 6);
  assert.equal(s.stopped_by, 'epochs');
  const untrained = untrainedLoss(r.stderr);
  assert.ok(untrained !== null, `the untrained validation should be reported on stderr:\n${r.stderr}`);
  // An untrained model predicts about uniformly: loss ≈ ln V.
  assert.ok(Math.abs(untrained - Math.log(V)) < 0.3, `untrained loss ${untrained} vs ln ${V} = ${Math.log(V).toFixed(4)}`);

  const ms = readMetrics(join(dir, 'run', 'metrics.jsonl'));
  const step0 = ms.find((m) => m.type === 'val' && m.untrained);
  assert.ok(step0 && step0.step === 0 && Math.abs(step0.loss - untrained) < 1e-4, 'the untrained validation is the step-0 line of metrics.jsonl');
  const vals = ms.filter((m) => m.type === 'val' && !m.untrained);
  assert.equal(vals.length, 6);
  const before = step0.loss;
  const best = Math.min(...vals.map((m) => m.loss));
  assert.ok(best < 1.0, `best validation loss ${best} should be < 1.0 nats/char`);
  assert.ok(best < before - 1, `best ${best} should be well below the untrained ${before}`);
  assert.ok(vals[vals.length - 1].loss < vals[0].loss, 'validation loss falls from the first epoch to the last');
  assert.equal(s.best.loss, best, '--json reports the best validation of metrics.jsonl');
  assert.ok(Math.abs(s.best.bits_per_token - best / Math.LN2) < 1e-12);
  assert.ok(Math.abs(s.best.perplexity - Math.exp(best)) < 1e-9);
  // The step losses fall too.
  const steps = ms.filter((m) => m.type === 'step');
  const mean = (xs: Metric[]) => xs.reduce((a, m) => a + m.loss, 0) / xs.length;
  assert.ok(mean(steps.slice(-13)) < mean(steps.slice(0, 13)) - 1);
});

test('train into a directory an earlier run left without a model: its leftovers are replaced, not appended to', () => {
  const dir = tempDir('train-leftovers');
  const data = writePangrams(dir);
  mkdirSync(join(dir, 'run'));
  writeFileSync(join(dir, 'run', 'metrics.jsonl'), '{"type":"start","step":0}\n{"type":"step","step":1,"loss":9}\n');
  writeFileSync(join(dir, 'run', 'config.json'), '{"sessions":[{"from_step":0}]}');
  writeFileSync(join(dir, 'run', `.last.safetensors.${2 ** 22 + 7}.tmp`), 'half a file');
  assertOk(rnnlab(['train', '--data', data, '--out', 'run', ...TINY, '--batch', '4', '--seq', '16', '--max-steps', '2', '--quiet'], { cwd: dir }));
  assert.deepEqual(listFiles(join(dir, 'run')), ['config.json', 'last.safetensors', 'metrics.jsonl', 'model.safetensors'], 'the dead process\'s temporary is gone');
  const ms = readMetrics(join(dir, 'run', 'metrics.jsonl'));
  assert.equal(ms.filter((m) => m.type === 'start').length, 1);
  assert.deepEqual(ms.filter((m) => m.type === 'step').map((m) => m.step), [1, 2]);
  const cfg = JSON.parse(readFileSync(join(dir, 'run', 'config.json'), 'utf8')) as { sessions: unknown[] };
  assert.equal(cfg.sessions.length, 1);
});

test('train a word language model on pretrained vectors: the vocabulary from the data and the file, frozen embedding, summary and coverage lines', () => {
  const dir = tempDir('train-glove');
  writeFileSync(join(dir, 'docs.jsonl'), Array.from({ length: 30 }, (_, i) => JSON.stringify({ text: `The fox ${i % 3 ? 'jumps' : 'runs'} over the lazy dog.` })).join('\n') + '\n');
  writeFileSync(join(dir, 'vectors.txt'), ['the 0.1 0.2 0.3', 'fox 1 0 0', 'dog 0 1 0', 'cat 0 0 1', 'lazy 0.5 0.5 0'].join('\n') + '\n');
  const r = rnnlab(['train', '--data', 'docs.jsonl', '--level', 'word', '--lowercase', '--embeddings', 'vectors.txt', '--vocab-from', 'both',
    '--freeze-embeddings', '--backend', 'js', '--hidden', '8', '--layers', '1', '--batch', '4', '--max-steps', '4', '--out', 'run'], { cwd: dir });
  assertOk(r, 'train with --embeddings');
  assert.match(r.stderr, /embeddings: 5 of 9 vocabulary words covered/);
  assert.match(r.stderr, /0 +embedding +Embedding\(\d+, 3\)/, 'the embedding takes the file\'s width');
  assert.match(r.stderr, /\d+ +frozen params/);
  const h = readSafetensorsHeader(join(dir, 'run', 'model.safetensors'));
  assert.deepEqual(JSON.parse(h.metadata.frozen), ['embedding.weight']);
  const vocab = JSON.parse(h.metadata.vocab) as string[];
  assert.ok(vocab.includes('cat'), '--vocab-from both: the file\'s words join the data\'s');
  const cfg = JSON.parse(readFileSync(join(dir, 'run', 'config.json'), 'utf8')) as { config: { embed: number }; parameters: { frozen: number } };
  assert.equal(cfg.config.embed, 3);
  assert.equal(cfg.parameters.frozen, vocab.length * 3);
});
