/**
 * bf16 mixed precision trains like fp32: the same run (data, seed, model, steps) through the
 * library's TrainingRun on the wasm backend in each precision, the losses falling alike. The
 * products' bf16 rounding (≈ 2^-9 relative per operand) is noise well below the step-to-step
 * change of the loss, so the curves stay close; they are not identical (the check that bf16
 * mode really ran).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBackend } from '../../src/backend/select.js';
import type { Precision } from '../../src/backend/backend.js';
import { train } from '../../src/run/session.js';
import type { RunEvent } from '../../src/train/events.js';
import { RnnlabError } from '../../src/errors.js';
import { TrainingRun } from '../../src/run/session.js';

const TEXT = 'The quick brown fox jumps over the lazy dog. Pack my box with five dozen liquor jugs.\n'.repeat(40);

async function losses(dir: string, data: string, precision: Precision): Promise<{ steps: number[]; val: number }> {
  const steps: number[] = [];
  const { backend } = await createBackend({ name: 'wasm', precision });
  const { summary } = await train(
    { data, out: join(dir, precision), precision, cell: 'lstm', layers: 1, hidden: 32, embed: 16, batch: 8, seq: 32, maxSteps: 60, lr: 0.01, seed: 3 },
    { backend, note: () => {}, sinks: [{ event: (e: RunEvent) => void (e.type === 'step' && steps.push(e.loss)) }] },
  );
  return { steps, val: summary.last!.loss };
}

test('bf16 training: the loss falls as fp32\'s does (first and last losses, validation within a small margin)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnnlab-bf16-train-'));
  try {
    const data = join(dir, 'pangrams.txt');
    writeFileSync(data, TEXT);
    const fp32 = await losses(dir, data, 'fp32');
    const bf16 = await losses(dir, data, 'bf16');
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const head32 = mean(fp32.steps.slice(0, 5)), tail32 = mean(fp32.steps.slice(-10));
    const head16 = mean(bf16.steps.slice(0, 5)), tail16 = mean(bf16.steps.slice(-10));
    // fp32 learns this text (the pangram paragraph repeated) well within 60 steps
    assert.ok(tail32 < 0.6 * head32, `fp32 loss ${head32.toFixed(3)} → ${tail32.toFixed(3)}`);
    assert.ok(tail16 < 0.6 * head16, `bf16 loss ${head16.toFixed(3)} → ${tail16.toFixed(3)}`);
    // the same start (bf16 rounding moves the first losses by far less than a percent)…
    assert.ok(Math.abs(head16 - head32) < 0.01 * head32, `first losses: bf16 ${head16} vs fp32 ${head32}`);
    // …and the same end: the final losses within 2 % (the curves drift apart by rounding noise, not by learning less)
    assert.ok(Math.abs(tail16 - tail32) < 0.02 * tail32, `last losses: bf16 ${tail16} vs fp32 ${tail32}`);
    assert.ok(Math.abs(bf16.val - fp32.val) < 0.02 * fp32.val, `validation: bf16 ${bf16.val} vs fp32 ${fp32.val}`);
    assert.notDeepEqual(bf16.steps, fp32.steps, 'bf16 mode should change the numbers');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('TrainingRun: a backend in another precision than --precision is refused in one line; without --precision the run takes the backend\'s', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnnlab-bf16-backend-'));
  try {
    const data = join(dir, 'pangrams.txt');
    writeFileSync(data, TEXT);
    const { backend } = await createBackend({ name: 'js', precision: 'bf16' });
    await assert.rejects(
      TrainingRun.create({ data, out: join(dir, 'a'), precision: 'fp32', hidden: 8, embed: 4, layers: 1 }, { backend, note: () => {} }),
      (e: unknown) => e instanceof RnnlabError && /computes in bf16 but the run is --precision fp32/.test(e.message),
    );
    const run = await TrainingRun.create({ data, out: join(dir, 'b'), hidden: 8, embed: 4, layers: 1, maxSteps: 1 }, { backend, note: () => {} });
    assert.equal(run.config.precision, 'bf16');
    await run.run();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
