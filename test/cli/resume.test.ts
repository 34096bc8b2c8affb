/**
 * `train --resume`: a run stopped and continued gives exactly the metrics of one uninterrupted
 * run (dropout RNG, carried state, epoch boundaries, best-loss bookkeeping, patience), and the
 * ways a resume or a re-run is refused without touching the existing files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  assertNoModelFiles, assertOk, assertOneLineError, assertSameFiles, inParallel, PANGRAM, readMetrics, readSafetensorsHeader,
  rnnlab, rnnlabAsync, snapshot, tempDir, TINY, writePangrams, type Metric,
} from './helpers.js';
import { assertSameSteps, comparable, resumeRuns, tensorBytes, validations } from './resume-runs.js';

test('resume: 6 + 6 steps = 12 steps exactly, with --dropout 0.2 and 2 layers (RNG and carried state restored)', async () => {
  const { dir, whole, parts } = await resumeRuns({
    name: 'dropout', total: 12, splits: [6],
    args: ['--backend', 'js', '--hidden', '16', '--embed', '8', '--layers', '2', '--dropout', '0.2', '--batch', '4', '--seq', '16'],
  });
  const steps = whole.filter((m) => m.type === 'step');
  assert.deepEqual(steps.map((m) => m.step), [...Array(12).keys()].map((i) => i + 1));
  assertSameSteps(whole, parts[0].ms, 'resume after 6');
  // Both runs end mid-epoch at step 12 with a final validation; the stopped one also validated at 6.
  assert.deepEqual(validations(parts[0].ms, 6), validations(whole));
  assert.deepEqual(parts[0].ms.filter((m) => m.type === 'val').map((m) => [m.step, m.final ?? false]), [[0, false], [6, true], [12, true]]);
  // Two sessions, each with its start and end line.
  assert.deepEqual(parts[0].ms.filter((m) => m.type === 'start' || m.type === 'end').map((m) => `${m.type}@${m.step}`), ['start@0', 'end@6', 'start@6', 'end@12']);
  // The final weights, optimizer moments and carried state are bit-identical.
  assert.ok(tensorBytes(join(dir, 'whole', 'last.safetensors')).equals(tensorBytes(join(parts[0].out, 'last.safetensors'))), 'last.safetensors tensors differ');
  assert.ok(tensorBytes(join(dir, 'whole', 'model.safetensors')).equals(tensorBytes(join(parts[0].out, 'model.safetensors'))), 'model.safetensors tensors differ');
  const ts = JSON.parse(readSafetensorsHeader(join(parts[0].out, 'last.safetensors')).metadata.train_state) as { step: number };
  assert.equal(ts.step, 12);
});

test('resume across epoch boundaries (4 steps per epoch): split at a boundary and mid-epoch, all metrics identical', async () => {
  // 860 chars, 774 for training: batch 4 → rows of 193, seq 50 → 4 windows (steps) per epoch.
  const { whole, parts } = await resumeRuns({
    name: 'epochs', total: 12, splits: [4, 6],
    args: ['--backend', 'js', '--hidden', '16', '--embed', '8', '--layers', '2', '--dropout', '0.2', '--batch', '4', '--seq', '50', '--epochs', '10', '--lr', '0.01'],
  });
  assert.deepEqual(whole.filter((m) => m.type === 'val').map((m) => m.step), [0, 4, 8, 12], 'the untrained validation, then one after each 4-step epoch');
  assert.deepEqual(whole.filter((m) => m.type === 'step').map((m) => m.epoch), [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
  for (const { split, ms } of parts) {
    assertSameSteps(whole, ms, `resume after ${split}`);
    assert.deepEqual(validations(ms, split), validations(whole), `resume after ${split}: the validations should be the uninterrupted run's`);
  }
  // Stopped at an epoch end, nothing extra happened: the lines are the uninterrupted run's, best included.
  assert.deepEqual(comparable(parts[0].ms), comparable(whole));
});

test('resume with learning-rate schedules (step after warm-up, cosine): the rates and losses of the uninterrupted run', async () => {
  const base = ['--backend', 'js', '--hidden', '16', '--embed', '8', '--layers', '1', '--batch', '4', '--seq', '50', '--epochs', '4', '--optimizer', 'sgd', '--lr', '0.5'];
  const [step, cosine] = await Promise.all([
    resumeRuns({ name: 'step', total: 12, splits: [6], args: [...base, '--lr-schedule', 'step', '--lr-decay', '0.5', '--lr-decay-start', '1', '--warmup-steps', '3'] }),
    resumeRuns({ name: 'cosine', total: 0, splits: [5], args: [...base, '--lr-schedule', 'cosine', '--min-lr', '0.05'] }),
  ]);
  const lrs = (ms: Metric[]) => ms.filter((m) => m.type === 'step').map((m) => m.lr as number);
  // 4 steps per epoch: warm-up over steps 1–3, epoch 1 at the rate, then halved each epoch
  assert.deepEqual(lrs(step.whole), [0.5 / 3, 1 / 3, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.125, 0.125, 0.125, 0.125]);
  assertSameSteps(step.whole, step.parts[0].ms, 'step schedule, resume after 6');
  // cosine over the 4 epochs' 16 steps: 0.5 at step 1, falling to the floor
  const c = lrs(cosine.whole);
  assert.equal(c.length, 16);
  assert.equal(c[0], 0.5);
  assert.ok(c.every((x, i) => i === 0 || x < c[i - 1]) && c[15] > 0.05 && c[15] < 0.06, `cosine rates ${c.join(', ')}`);
  assertSameSteps(cosine.whole, cosine.parts[0].ms, 'cosine schedule, resume after 5');
});

test('resume with --lr-decay and --patience: a mid-epoch stop does not change which epochs count as improvements', async () => {
  // A high learning rate makes validation loss go up and down, so "best" and the learning-rate
  // decay depend on the history of validations. Split 25 is mid-epoch, just before an epoch
  // end (step 28) whose validation beats the previous epoch's but not the one taken at step 25.
  const { dir, whole, parts } = await resumeRuns({
    name: 'lr-decay', total: 0, splits: [25],
    args: [...TINY, '--batch', '4', '--seq', '50', '--epochs', '10', '--lr', '1', '--lr-decay', '0.5', '--patience', '2'],
  });
  const vals = whole.filter((m) => m.type === 'val');
  if (vals.every((m) => m.best)) process.stdout.write('# note: the uninterrupted run never had a non-improving epoch; this test exercised less than intended\n');
  for (const { split, ms, out, before } of parts) {
    assertSameSteps(whole, ms, `resume after ${split}`);
    assert.deepEqual(validations(ms, split), validations(whole), `resume after ${split}: the validations should be the uninterrupted run's`);
    assert.ok(tensorBytes(join(dir, 'whole', 'last.safetensors')).equals(tensorBytes(join(out, 'last.safetensors'))), `resume after ${split}: the final weights and optimizer state differ`);
    // Nothing of the first session is lost, its final validation included…
    assert.deepEqual(ms.slice(0, before.length), before, `resume after ${split}: the first session's lines are kept`);
    // …and model.safetensors only ever got better: it is the best of every validation made.
    const vals = ms.filter((m) => m.type === 'val' && !m.untrained);
    let bestSoFar = Infinity;
    for (const v of vals) {
      assert.equal(v.best, v.loss < bestSoFar, `resume after ${split}: val at step ${v.step} (loss ${v.loss}) best flag`);
      bestSoFar = Math.min(bestSoFar, v.loss);
    }
    const splitVal = vals.find((v) => v.step === split && v.final);
    assert.ok(splitVal, 'the stop validated');
    if (!vals.some((v) => v.step > split && v.loss > splitVal.loss && v.loss < Math.min(...vals.filter((u) => u.step < split).map((u) => u.loss)))) {
      process.stdout.write('# note: no later epoch fell between the stop\'s validation and the earlier best; the invariant held trivially\n');
    }
  }
});

test('resume with --patience: epochs without improvement counted before the stop still count after it', async () => {
  // Validation gets worse after epochs 3 and 4 → early stopping at step 16 (seed 1, lr 2); the
  // split at 14 falls between the two bad epochs.
  const { whole, parts } = await resumeRuns({
    name: 'patience', total: 0, splits: [14],
    args: [...TINY, '--batch', '4', '--seq', '50', '--epochs', '10', '--lr', '2', '--seed', '1', '--patience', '2'],
  });
  const bad = whole.filter((m) => m.type === 'val' && !m.best).length;
  if (bad < 2) process.stdout.write('# note: the uninterrupted run did not stop early; this test exercised less than intended\n');
  for (const { split, ms } of parts) {
    assertSameSteps(whole, ms, `resume after ${split}`);
    assert.deepEqual(validations(ms, split), validations(whole), `resume after ${split}: the validations should be the uninterrupted run's`);
  }
});

test('resume refusals: no last.safetensors, a changed --lr/--batch/model option, other data; existing files untouched', async () => {
  const dir = tempDir('resume');
  const data = writePangrams(dir, 'text.txt', 10);
  const args = ['train', '--data', data, ...TINY, '--batch', '4', '--seq', '50', '--quiet'];
  assertOk(rnnlab([...args, '--out', 'run', '--max-steps', '3'], { cwd: dir }), 'first run');
  const before = snapshot(join(dir, 'run'));
  const other = join(dir, 'other.txt');
  writeFileSync(other, PANGRAM.repeat(10).replace(/dog/g, 'cat'));

  // one after another: each takes the run's lock while it checks, so parallel ones would meet it
  const [noDir, lr, batch, hidden, cell, otherData] = await inParallel([
    () => rnnlabAsync([...args, '--out', 'nothing-here', '--resume', '--max-steps', '6'], { cwd: dir }),
    () => rnnlabAsync([...args, '--out', 'run', '--resume', '--max-steps', '6', '--lr', '0.05'], { cwd: dir }),
    () => rnnlabAsync([...args.map((a) => (a === '4' ? '2' : a)), '--out', 'run', '--resume', '--max-steps', '6'], { cwd: dir }),
    () => rnnlabAsync([...args.map((a) => (a === '16' ? '32' : a)), '--out', 'run', '--resume', '--max-steps', '6'], { cwd: dir }),
    () => rnnlabAsync([...args, '--cell', 'gru', '--out', 'run', '--resume', '--max-steps', '6'], { cwd: dir }),
    () => rnnlabAsync([...args.map((a) => (a === data ? other : a)), '--out', 'run', '--resume', '--max-steps', '6'], { cwd: dir }),
  ], 1);
  assertOneLineError(noDir, /cannot resume: .*last\.safetensors does not exist/, '--resume without a run');
  assertNoModelFiles(join(dir, 'nothing-here'), '--resume without a run');
  assertOneLineError(lr, /--lr\b.*0\.002/, '--resume with another --lr');
  assertOneLineError(batch, /--batch\b/, '--resume with another --batch');
  assertOneLineError(hidden, /--hidden\b/, '--resume with another --hidden');
  assertOneLineError(cell, /--cell\b/, '--resume with another --cell');
  assertOneLineError(otherData, /data/, '--resume on other data');
  assertSameFiles(before, join(dir, 'run'), 'refused resumes');

  // A run directory without last.safetensors (only the best model) cannot be resumed either.
  rmSync(join(dir, 'run', 'last.safetensors'));
  const noLast = rnnlab([...args, '--out', 'run', '--resume', '--max-steps', '6'], { cwd: dir });
  assertOneLineError(noLast, /last\.safetensors does not exist/, '--resume without last.safetensors');
});

test('train into a directory that already holds a model, without --resume: refused, files untouched', () => {
  const dir = tempDir('resume');
  const data = writePangrams(dir, 'text.txt', 10);
  const args = ['train', '--data', data, ...TINY, '--batch', '4', '--seq', '50', '--quiet', '--out', 'run'];
  assertOk(rnnlab([...args, '--max-steps', '2'], { cwd: dir }), 'first run');
  const before = snapshot(join(dir, 'run'));
  const again = rnnlab([...args, '--max-steps', '4'], { cwd: dir });
  assertOneLineError(again, /already holds a model.*--resume/, 'second train into the same --out');
  assertSameFiles(before, join(dir, 'run'), 'train into an existing run');
  // Also when only one of the model files is there.
  rmSync(join(dir, 'run', 'last.safetensors'));
  const before2 = snapshot(join(dir, 'run'));
  assertOneLineError(rnnlab([...args, '--max-steps', '4'], { cwd: dir }), /already holds a model/, 'train next to a lone model.safetensors');
  assertSameFiles(before2, join(dir, 'run'), 'train next to a lone model.safetensors');
});

test('resume without --epochs keeps the run\'s own epoch count (not the default) and runs to its end', () => {
  const dir = tempDir('resume-epochs');
  const data = writePangrams(dir);
  const args = ['train', '--data', data, '--out', 'run', ...TINY, '--batch', '4', '--seq', '50', '--quiet'];
  assertOk(rnnlab([...args, '--epochs', '12', '--max-steps', '3'], { cwd: dir }));
  // The run keeps its --max-steps 3 budget: resuming alone has nothing left to do, and says so.
  assertOneLineError(rnnlab(['train', '--out', 'run', '--resume'], { cwd: dir }), /already reached its budget of --max-steps 3.*--max-steps/, 'resume of a run that spent its budget');
  assertOk(rnnlab(['train', '--out', 'run', '--resume', '--max-steps', '0', '--quiet'], { cwd: dir }));
  const ms = readMetrics(join(dir, 'run', 'metrics.jsonl'));
  const vals = ms.filter((m) => m.type === 'val');
  assert.equal(vals[vals.length - 1].epoch, 11, 'the last validation is epoch 12 of 12 (0-based 11)');
});

test('resume inside a --freeze-steps period: the embedding stays frozen until its step, then trains, as in one run', async () => {
  const { dir, whole, parts } = await resumeRuns({
    name: 'freeze', total: 10, splits: [3, 6],
    args: ['--backend', 'js', '--hidden', '16', '--embed', '8', '--layers', '1', '--batch', '4', '--seq', '16', '--freeze-steps', '6'],
  });
  const first = readSafetensorsHeader(join(parts[0].out, 'last.safetensors'));
  assert.deepEqual(JSON.parse(first.metadata.frozen ?? '[]'), [], 'after step 10 the embedding trains again');
  for (const part of parts) {
    assertSameSteps(whole, part.ms, `resume after ${part.split} of 6 frozen steps`);
    assert.ok(tensorBytes(join(dir, 'whole', 'last.safetensors')).equals(tensorBytes(join(part.out, 'last.safetensors'))), `resume after ${part.split}: same weights and optimizer state`);
  }
});
