/**
 * Stopping `rnnlab train` as a user does: Ctrl-C (SIGINT) or SIGTERM mid-epoch finishes the
 * step, writes last.safetensors, prints the command that resumes and exits non-zero within
 * about a second; a second Ctrl-C leaves at once without corrupting anything; kill -9 loses at
 * most --save-every steps. Every resumed run gives the loss curve of the run that was never
 * stopped, step for step. And `--resume` alone continues a run: its data and settings come
 * from the run.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  assertOk, CLI, PANGRAM, readMetrics, readSafetensorsHeader, rnnlab, rnnlabAsync, tempDir, TINY, type Metric,
} from './helpers.js';

let dir = '';
let whole: Metric[] = [];
// 1200 pangrams → 8 rows of ~12.9 K chars → 403 windows of 32 per epoch: a stop lands mid-epoch.
const ARGS = ['--data', 'text.txt', ...TINY, '--batch', '8', '--seq', '32', '--max-steps', '450'];

before(() => {
  dir = tempDir('interrupt');
  writeFileSync(join(dir, 'text.txt'), PANGRAM.repeat(1200));
  assertOk(rnnlab(['train', ...ARGS, '--out', 'whole', '--quiet'], { cwd: dir, timeoutMs: 120_000 }), 'the uninterrupted run');
  whole = readMetrics(join(dir, 'whole', 'metrics.jsonl'));
});

interface Stopped {
  status: number | null;
  stderr: string;
  /** Milliseconds from the (last) signal to the process's exit. */
  exitMs: number;
}

/**
 * Starts `rnnlab train`, waits for `afterSteps` step lines in metrics.jsonl (0: for the start
 * line, then `delayMs`), then sends the signals.
 */
function trainAndSignal(out: string, extra: string[], afterSteps: number, signals: NodeJS.Signals[], args = ARGS, delayMs = 0): Promise<Stopped> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'train', ...args, '--out', out, ...extra], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.resume();
    let sentAt = 0;
    const metrics = join(dir, out, 'metrics.jsonl');
    const poll = setInterval(() => {
      if (!existsSync(metrics)) return;
      const lines = readFileSync(metrics, 'utf8').split('\n');
      const steps = lines.filter((l) => l.startsWith('{"type":"step"')).length;
      if (steps < afterSteps || !lines[0].startsWith('{"type":"start"')) return;
      clearInterval(poll);
      setTimeout(() => {
        for (const s of signals) child.kill(s);
        sentAt = performance.now();
      }, delayMs);
    }, 5);
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('exit', (status) => {
      clearInterval(poll);
      clearTimeout(killer);
      resolve({ status, stderr, exitMs: sentAt ? performance.now() - sentAt : NaN });
    });
  });
}

const stepLines = (ms: Metric[]) => ms.filter((m) => m.type === 'step').map((m) => {
  const { tokens_per_sec: _a, elapsed: _b, ...rest } = m;
  return JSON.stringify(rest);
});

function assertSameCurve(out: string, what: string): Metric[] {
  const ms = readMetrics(join(dir, out, 'metrics.jsonl'));
  const a = stepLines(whole), b = stepLines(ms);
  const i = a.findIndex((x, k) => x !== b[k]);
  assert.ok(i < 0 && a.length === b.length, `${what}: step lines differ ${i >= 0 ? `first at step ${i + 1}:\n  whole:   ${a[i]}\n  resumed: ${b[i]}` : `in count: ${a.length} vs ${b.length}`}`);
  return ms;
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  test(`${sig} mid-epoch: the step finishes, last.safetensors is written, the resume command is printed, exit ${sig === 'SIGINT' ? 130 : 143} within a second; --resume gives the uninterrupted curve`, async () => {
    const out = `stop-${sig}`;
    const r = await trainAndSignal(out, [], 40, [sig]);
    assert.equal(r.status, sig === 'SIGINT' ? 130 : 143, `exit code; stderr:\n${r.stderr}`);
    assert.ok(r.exitMs < 1000, `exited ${r.exitMs.toFixed(0)} ms after ${sig}`);
    assert.match(r.stderr, new RegExp(`${sig}: stopping after this step`));
    assert.match(r.stderr, new RegExp(`interrupted at step \\d+; continue with: rnnlab train --out ${out} --resume\\n`));
    const ms = readMetrics(join(dir, out, 'metrics.jsonl'));
    const end = ms[ms.length - 1] as Metric & { stopped_by: string };
    assert.deepEqual([end.type, end.stopped_by], ['end', 'interrupt']);
    const lastStep = ms.filter((m) => m.type === 'step').pop()!;
    assert.equal(end.step, lastStep.step, 'the step in progress was finished and logged');
    const ts = JSON.parse(readSafetensorsHeader(join(dir, out, 'last.safetensors')).metadata.train_state) as { step: number; batchIndex: number };
    assert.equal(ts.step, lastStep.step, 'last.safetensors holds the last finished step');
    assert.ok(ts.batchIndex > 0 && ts.batchIndex < 403, `stopped mid-epoch (batch ${ts.batchIndex})`);
    assert.ok(!ms.some((m) => m.type === 'val' && m.step === lastStep.step), 'an interrupt does not stop to validate');
    // Resume with nothing but the run directory (and the same backend, for equal numbers).
    const resumed = await rnnlabAsync(['train', '--out', out, '--resume', '--backend', 'js', '--quiet'], { cwd: dir });
    assertOk(resumed, 'resume after the interrupt');
    assertSameCurve(out, `${sig} then --resume`);
  });
}

test('Ctrl-C during a long validation abandons it: exit within a second, and the run resumes', async () => {
  // ~400 K characters, half held out: the untrained validation takes seconds on the js backend.
  writeFileSync(join(dir, 'big.txt'), PANGRAM.repeat(4800));
  const args = ['--data', 'big.txt', '--backend', 'js', '--hidden', '48', '--embed', '8', '--layers', '1', '--batch', '8', '--seq', '32', '--val-fraction', '0.5', '--max-steps', '3'];
  const r = await trainAndSignal('val-stop', [], 0, ['SIGINT'], args, 300);
  assert.equal(r.status, 130, r.stderr);
  assert.ok(r.exitMs < 1000, `exited ${r.exitMs.toFixed(0)} ms after Ctrl-C during the validation`);
  assert.match(r.stderr, /interrupted at step 0; continue with: rnnlab train --out val-stop --resume/);
  const ms = readMetrics(join(dir, 'val-stop', 'metrics.jsonl'));
  assert.deepEqual(ms.map((m) => m.type), ['start', 'end'], 'no validation line: it was abandoned');
  assertOk(await rnnlabAsync(['train', '--out', 'val-stop', '--resume', '--quiet'], { cwd: dir, timeoutMs: 120_000 }), 'resume');
  const after = readMetrics(join(dir, 'val-stop', 'metrics.jsonl'));
  assert.deepEqual(after.filter((m) => m.type === 'step').map((m) => m.step), [1, 2, 3]);
});

test('Ctrl-C twice: the second exits at once (130) and corrupts nothing; the run resumes from its last checkpoint', async () => {
  const out = 'twice';
  const r = await trainAndSignal(out, ['--save-every', '20'], 45, ['SIGINT', 'SIGINT']);
  assert.equal(r.status, 130, r.stderr);
  assert.ok(r.exitMs < 1000, `exited ${r.exitMs.toFixed(0)} ms after the second Ctrl-C`);
  // Every line of metrics.jsonl is whole; last.safetensors is a complete checkpoint.
  const ms = readMetrics(join(dir, out, 'metrics.jsonl'));
  const h = readSafetensorsHeader(join(dir, out, 'last.safetensors'));
  assert.ok(h.tensors.has('optimizer.decoder.weight.exp_avg') && h.tensors.has('state.h_l0'));
  const ts = JSON.parse(h.metadata.train_state) as { step: number };
  assert.ok(ts.step >= 40, `a checkpoint from --save-every or the interrupt (step ${ts.step})`);
  assert.ok(ms.filter((m) => m.type === 'step').length >= ts.step);
  assertOk(await rnnlabAsync(['train', '--out', out, '--resume', '--backend', 'js', '--quiet'], { cwd: dir }), 'resume');
  assertSameCurve(out, 'two Ctrl-C then --resume');
});

test('kill -9 mid-run loses at most --save-every steps: --resume redoes them and gives the uninterrupted curve', async () => {
  const out = 'killed';
  const r = await trainAndSignal(out, ['--save-every', '25'], 60, ['SIGKILL']);
  assert.equal(r.status, null);
  const ts = JSON.parse(readSafetensorsHeader(join(dir, out, 'last.safetensors')).metadata.train_state) as { step: number };
  const logged = readMetrics(join(dir, out, 'metrics.jsonl')).filter((m) => m.type === 'step').length;
  assert.equal(ts.step % 25, 0, `last.safetensors is a --save-every checkpoint (step ${ts.step})`);
  assert.ok(logged - ts.step < 25 + 1, `at most 25 steps lost (checkpoint ${ts.step}, logged ${logged})`);
  assertOk(await rnnlabAsync(['train', '--out', out, '--resume', '--backend', 'js', '--quiet'], { cwd: dir }), 'resume after kill -9');
  const ms = assertSameCurve(out, 'kill -9 then --resume');
  assert.deepEqual(ms.filter((m) => m.type === 'start').map((m) => m.step), [0, ts.step], 'the lost steps were dropped from metrics.jsonl and redone');
});

test('--resume alone continues a word-level document run: level, tokenizer, source options and data come from the run', async () => {
  const cwd = tempDir('resume-alone');
  const docs = Array.from({ length: 40 }, (_, i) => JSON.stringify({ body: `The fox number ${i} jumps over the lazy dog, and the dog sleeps.` })).join('\n');
  writeFileSync(join(cwd, 'docs.jsonl'), docs + '\n');
  const first = await rnnlabAsync(['train', '--data', 'docs.jsonl', '--text-field', 'body', '--level', 'word', '--lowercase', '--out', 'run', ...TINY, '--batch', '4', '--max-steps', '3'], { cwd });
  assertOk(first, 'first part');
  const again = await rnnlabAsync(['train', '--out', 'run', '--resume', '--max-steps', '7'], { cwd });
  assertOk(again, '--resume alone');
  assert.match(again.stderr, /data: \S*docs\.jsonl · 40 document\(s\).* word tokens, vocabulary \d+/);
  assert.match(again.stderr, /resuming at step 3/);
  const ms = readMetrics(join(cwd, 'run', 'metrics.jsonl'));
  assert.deepEqual(ms.filter((m) => m.type === 'step').map((m) => m.step), [1, 2, 3, 4, 5, 6, 7]);
  const cfg = JSON.parse(readFileSync(join(cwd, 'run', 'config.json'), 'utf8')) as { config: Record<string, unknown>; sessions: { from_step: number }[] };
  assert.deepEqual([cfg.config.level, cfg.config.textField, cfg.config.batching, cfg.config.maxSteps], ['word', 'body', 'pad', 7]);
  assert.deepEqual(cfg.sessions.map((s) => s.from_step), [0, 3]);
});
