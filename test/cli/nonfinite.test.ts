/**
 * Numbers that go bad, as a user meets them: a diverging or NaN run fails with one line naming
 * the step and the checkpoints kept (exit 1), --on-nonfinite skip goes on and counts, and the
 * small truthfulness fixes of the output (no "best" without validation, the tokens --overflow
 * cut leaves, eval's rows for a short text, --threads notes).
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { JsBackend } from '../../src/backend/js/index.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { finiteWeights } from '../../src/train/step-guard.js';
import {
  assertOk, assertOneLineError, inParallel, listFiles, readMetrics, rnnlab, rnnlabAsync, show, TINY, tempDir, writePangrams,
} from './helpers.js';

const SMALL = [...TINY, '--batch', '8', '--seq', '32'];
/** A ReLU RNN under plain SGD at lr 10: its hidden state overflows and the loss is NaN at step 5 (13 steps per epoch). */
const EXPLODING = [...SMALL, '--cell', 'rnn', '--activation', 'relu', '--optimizer', 'sgd', '--clip', '0', '--lr', '10', '--epochs', '3'];

test('train --lr 1e6: the run diverges without a NaN; it stops with exit 1 instead of saving garbage as the best model', () => {
  const dir = tempDir('diverge');
  const data = writePangrams(dir);
  const r = rnnlab(['train', '--data', data, '--out', 'run', ...SMALL, '--lr', '1e6', '--epochs', '2'], { cwd: dir });
  const line = assertOneLineErrorAfterProgress(r);
  assert.match(line, /^error: training diverged at step \d+ \(epoch 1, batch \d+ of 13\): the loss has been above 13\.4 nats \(the untrained loss is 3\.43\) for 5 steps in a row/);
  assert.match(line, /no checkpoint had been written yet, so nothing was saved; try a lower --lr or a --clip$/);
  assert.deepEqual(listFiles(join(dir, 'run')), ['config.json', 'metrics.jsonl'], 'no model.safetensors of a diverged run');
  const ms = readMetrics(join(dir, 'run', 'metrics.jsonl'));
  assert.equal(ms[ms.length - 1].type, 'end');
  assert.equal(ms[ms.length - 1].stopped_by, 'diverged');
});

test('train: a NaN loss stops the run at that step, exit 1, and last.safetensors stays the good one it names; resuming with --on-nonfinite skip skips each bad batch until the NaN validation stops it', async () => {
  const dir = tempDir('nan');
  const data = writePangrams(dir);
  const r = rnnlab(['train', '--data', data, '--out', 'run', ...EXPLODING, '--save-every', '2'], { cwd: dir });
  const line = assertOneLineErrorAfterProgress(r);
  const m = /^error: the loss is NaN at step (\d+) \(epoch 1, batch \d+ of 13\); the run stopped before that update \(--on-nonfinite stop\); the last good checkpoints are kept: last\.safetensors \(step (\d+)\); try a lower --lr or a --clip, or resume with --on-nonfinite skip to leave such batches out$/.exec(line);
  assert.ok(m, line);
  const [bad, kept] = [Number(m[1]), Number(m[2])];
  assert.ok(kept < bad, `${kept} < ${bad}`);
  const last = loadCheckpoint(join(dir, 'run', 'last.safetensors'), new JsBackend('float32'));
  assert.equal(last.trainState!.step, kept, 'last.safetensors is the step the message names');
  assert.ok(finiteWeights(last.model.params()), 'and its weights are numbers');
  const ms = readMetrics(join(dir, 'run', 'metrics.jsonl'));
  const nf = ms.filter((x) => x.type === 'nonfinite');
  assert.deepEqual(nf.map((x) => [x.step, x.loss, x.action]), [[bad, 'NaN', 'stop']]);
  assert.equal(ms[ms.length - 1].stopped_by, 'nonfinite');

  // The weights of step `kept` explode again and skipping cannot mend them: the later batches
  // are skipped up to the epoch's end, whose validation is NaN: the run has diverged.
  const again = await rnnlabAsync(['train', '--out', 'run', '--resume', '--on-nonfinite', 'skip'], { cwd: dir });
  const line2 = assertOneLineErrorAfterProgress(again);
  assert.match(line2, new RegExp(`^error: training diverged: the validation at step 13 has loss NaN nats \\(perplexity NaN\\), above the limit of 13\\.4 .*; the last good checkpoints are kept: last\\.safetensors \\(step ${kept}\\); try a lower --lr or a --clip$`));
  assert.match(again.stderr, /^step \d+: loss NaN · gradient norm NaN: batch skipped, no update \(--on-nonfinite skip; 1 skipped so far\)$/m);
  const config = JSON.parse(readFileSync(join(dir, 'run', 'config.json'), 'utf8')) as { config: { onNonfinite: string } };
  assert.equal(config.config.onNonfinite, 'skip', 'the setting of the latest session');
  const ms2 = readMetrics(join(dir, 'run', 'metrics.jsonl'));
  const skips = ms2.filter((x) => x.type === 'nonfinite');
  assert.ok(skips.length >= 5, `${skips.length} skips`);
  assert.deepEqual(skips.map((x) => [x.step, x.action]), skips.map((_, i) => [bad + i, 'skip']), 'the bad step and those after it, skipped');
  assert.equal(ms2[ms2.length - 1].stopped_by, 'diverged');
  assert.equal(ms2[ms2.length - 1].skipped, skips.length);
  assert.ok(finiteWeights(loadCheckpoint(join(dir, 'run', 'last.safetensors'), new JsBackend('float32')).model.params()));
});

test('train --on-nonfinite: a choice of stop or skip, in --help, saved in config.json (default stop)', async () => {
  const dir = tempDir('flag');
  const data = writePangrams(dir);
  const [bad, help, ok, cls] = await inParallel([
    () => rnnlabAsync(['train', '--data', data, '--on-nonfinite', 'ignore', ...SMALL], { cwd: dir }),
    () => rnnlabAsync(['train', '--help'], { cwd: dir }),
    () => rnnlabAsync(['train', '--data', data, '--out', 'run', ...SMALL, '--max-steps', '2', '--quiet'], { cwd: dir }),
    () => rnnlabAsync(['classify', 'train', '--help'], { cwd: dir }),
  ]);
  assertOneLineError(bad, /--on-nonfinite/);
  assert.match(help.stdout, /--on-nonfinite <how>/);
  assert.match(cls.stdout, /--on-nonfinite <how>/);
  assertOk(ok);
  const config = JSON.parse(readFileSync(join(dir, 'run', 'config.json'), 'utf8')) as { config: { onNonfinite: string } };
  assert.equal(config.config.onNonfinite, 'stop');
});

test('classify train --lr 1e6 on labels it cannot learn: the loss runs away, the run stops with exit 1', () => {
  const dir = tempDir('cls-diverge');
  const words = ['stocks', 'market', 'shares', 'profit', 'bank', 'goal', 'match', 'team', 'player', 'score'];
  let seed = 7;
  const next = (k: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % k;
  const rows = Array.from({ length: 80 }, () => `${next(2)},${Array.from({ length: 6 }, () => words[next(words.length)]).join(' ')}`);
  writeFileSync(join(dir, 'noise.csv'), `label,text\n${rows.join('\n')}\n`);
  const r = rnnlab(['classify', 'train', '--data', 'noise.csv', '--backend', 'js', '--hidden', '8', '--embed', '8', '--batch', '8', '--epochs', '3', '--lr', '1e6', '--out', 'run'], { cwd: dir });
  const line = assertOneLineErrorAfterProgress(r);
  assert.match(line, /^error: training diverged at step \d+ .*the untrained loss is 0\.69/);
  assert.ok(!listFiles(join(dir, 'run')).includes('model.safetensors'));
});

test('train --val-fraction 0: no validation, so model.safetensors is not called the best', () => {
  const dir = tempDir('noval');
  const data = writePangrams(dir);
  const r = rnnlab(['train', '--data', data, '--out', 'run', ...SMALL, '--val-fraction', '0', '--epochs', '1'], { cwd: dir });
  assertOk(r);
  assert.doesNotMatch(r.stdout, /\(best|best validation/);
  assert.match(r.stdout, /^saved run\/model\.safetensors \(the latest weights: no validation data, so no best\), run\/last\.safetensors \(resume\)/m);
  const withVal = rnnlab(['train', '--data', data, '--out', 'run2', ...SMALL, '--epochs', '1'], { cwd: dir });
  assert.match(withVal.stdout, /^saved run2\/model\.safetensors \(best validation\)/m);
});

test('train --overflow cut: "training on N tokens" counts what the cut leaves, not the whole documents', async () => {
  const dir = tempDir('cut');
  // 30 documents of 8 words: 10 tokens each with [SOS] and [EOS]
  writeFileSync(join(dir, 'docs.jsonl'), Array(30).fill('{"text": "alpha beta gamma delta epsilon zeta eta theta"}\n').join(''));
  const args = (how: string) => ['train', '--data', 'docs.jsonl', '--level', 'word', '--batching', 'pad', '--max-len', '4', '--overflow', how, '--val-fraction', '0',
    ...TINY, '--batch', '4', '--epochs', '1', '--out', how];
  const [cut, split] = await inParallel([() => rnnlabAsync(args('cut'), { cwd: dir }), () => rnnlabAsync(args('split'), { cwd: dir })]);
  assertOk(cut);
  assertOk(split);
  assert.match(cut.stderr, /training on 120 tokens,/, show(cut));
  assert.match(split.stderr, /training on 300 tokens,/, show(split));
  assert.equal(readMetrics(join(dir, 'cut', 'metrics.jsonl'))[0].train_tokens, 120);
});

test('eval --batch 100000 on a short text: the rows are capped to what the text supports (rows of 32 tokens), with a note', async () => {
  const dir = tempDir('eval-rows');
  const data = writePangrams(dir, 'pangrams.txt', 30);
  assertOk(rnnlab(['train', '--data', data, '--out', 'run', ...SMALL, '--epochs', '2', '--quiet'], { cwd: dir }));
  const [huge, plain, most, plainJson, json] = await inParallel([
    () => rnnlabAsync(['eval', '--model', 'run', '--data', 'pangrams.txt', '--batch', '100000', '--backend', 'js'], { cwd: dir }),
    () => rnnlabAsync(['eval', '--model', 'run', '--data', 'pangrams.txt', '--backend', 'js'], { cwd: dir }),
    () => rnnlabAsync(['eval', '--model', 'run', '--data', 'pangrams.txt', '--batch', '80', '--backend', 'js'], { cwd: dir }),
    () => rnnlabAsync(['eval', '--model', 'run', '--data', 'pangrams.txt', '--json', '--backend', 'js'], { cwd: dir }),
    () => rnnlabAsync(['eval', '--model', 'run', '--data', 'pangrams.txt', '--batch', '100000', '--seq', '8', '--json', '--backend', 'js'], { cwd: dir }),
  ]);
  assertOk(huge);
  assertOk(plain);
  // 30 × 86 = 2,580 characters: rows of at least 32 → 80 rows
  assert.equal(huge.stderr, 'note: pangrams.txt: 2,580 tokens fill only 80 rows of at least 32 tokens: scored in 80 rows, not --batch 100000 (every row starts from an empty state, so shorter rows would score worse)\n');
  assert.equal(plain.stderr, '', 'the default --batch (16 rows here) needs no note');
  assert.equal(most.stderr, '');
  assert.equal(huge.stdout, most.stdout, 'the capped rows are --batch 80');
  const j = JSON.parse(json.stdout) as { rows: number; perplexity: number };
  assert.equal(j.rows, 80, '--seq 8 still leaves rows of 32');
  assert.ok(Number.isFinite(j.perplexity));
  assert.equal((JSON.parse(plainJson.stdout) as { rows: number }).rows, 16);
});

test('--threads: more than the cores is capped with a note; the wasm backend uses them; on the js backend it is noted as having no effect', async () => {
  const dir = tempDir('threads');
  const cores = availableParallelism();
  const [many, wasm, js, fits] = await inParallel([
    () => rnnlabAsync(['info', '--threads', '256', '--backend', 'native', '--json'], { cwd: dir }),
    () => rnnlabAsync(['info', '--threads', '2', '--backend', 'wasm'], { cwd: dir }),
    () => rnnlabAsync(['info', '--threads', '2', '--backend', 'js'], { cwd: dir }),
    () => rnnlabAsync(['info', '--threads', '1', '--backend', 'native'], { cwd: dir }),
  ]);
  assertOk(many);
  assertOk(wasm);
  assertOk(js);
  assertOk(fits);
  if (cores < 256) {
    assert.equal(many.stderr, `note: --threads 256 on ${cores} core${cores === 1 ? '' : 's'}: capped at ${cores} (more threads than cores only slow the kernels down)\n`);
    assert.equal((JSON.parse(many.stdout) as { threads: number }).threads, cores);
  } else assert.equal(many.stderr, '');
  if (cores >= 2) {
    assert.equal(wasm.stderr, '');
    assert.match(wasm.stdout, /wasm \(SIMD128[^)]*, 2 threads, shared memory\)/);
  }
  assert.equal(js.stderr, 'note: --threads 2 has no effect: the js backend runs on one thread (only the native and wasm backends use threads)\n');
  assert.equal(fits.stderr, '');
});

/** A failed training command: exit 1 and its last stderr line an "error:" line (progress lines may come before it). */
function assertOneLineErrorAfterProgress(r: { status: number | null; stdout: string; stderr: string }): string {
  assert.equal(r.status, 1, show(r as never));
  const lines = r.stderr.split('\n').filter((l) => l.length > 0);
  const errors = lines.filter((l) => l.startsWith('error:'));
  assert.equal(errors.length, 1, show(r as never));
  assert.equal(lines[lines.length - 1], errors[0], 'the error is the last line');
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  return errors[0];
}
