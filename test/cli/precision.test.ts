/**
 * `--precision fp32|bf16`: a bf16 run is recorded as such (config.json, both checkpoints), its
 * resume keeps bf16 unless --precision switches it (with a note), eval and sample default to
 * the recorded precision and can be told otherwise, and a bad value is one clear line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  assertOk, assertOneLineError, readMetrics, readSafetensorsHeader, rewriteSafetensorsMetadata, rnnlab, tempDir, writePangrams,
} from './helpers.js';

// wasm emulates bf16 (the reference js too); a tiny model keeps each command well under a second of work
const TINY_WASM = ['--backend', 'wasm', '--hidden', '16', '--embed', '8', '--layers', '1', '--batch', '4', '--seq', '16'] as const;

const runConfig = (out: string) => JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as {
  config: { precision: string }; sessions: { precision: string; backend: string; from_step: number }[];
};

test('train --precision bf16: recorded in config.json and both checkpoints; resume keeps it; eval and sample use it', () => {
  const dir = tempDir('precision');
  const data = writePangrams(dir);
  const out = join(dir, 'run');
  const t = rnnlab(['train', '--data', data, '--out', out, ...TINY_WASM, '--max-steps', '4', '--precision', 'bf16', '--quiet'], { cwd: dir });
  assertOk(t, 'train --precision bf16');
  assert.equal(runConfig(out).config.precision, 'bf16');
  for (const f of ['model.safetensors', 'last.safetensors']) {
    const meta = readSafetensorsHeader(join(out, f)).metadata;
    assert.equal(meta.precision, 'bf16', `${f} records the precision`);
    if (f === 'last.safetensors') assert.equal((JSON.parse(meta.run_config) as { precision: string }).precision, 'bf16');
  }
  // the weights stay float32: the file's tensors are F32
  assert.ok([...readSafetensorsHeader(join(out, 'model.safetensors')).tensors.values()].every((e) => e.dtype === 'F32'));

  const r = rnnlab(['train', '--out', out, '--resume', '--max-steps', '8', '--backend', 'wasm', '--quiet'], { cwd: dir });
  assertOk(r, 'resume');
  assert.equal(r.stderr.includes('continues in'), false, 'no switch, no note');
  const c = runConfig(out);
  assert.equal(c.config.precision, 'bf16');
  assert.deepEqual(c.sessions.map((s) => [s.from_step, s.precision]), [[0, 'bf16'], [4, 'bf16']]);
  assert.match(c.sessions[1].backend, /bf16/);
  assert.equal(readSafetensorsHeader(join(out, 'last.safetensors')).metadata.precision, 'bf16');
  assert.equal(readMetrics(join(out, 'metrics.jsonl')).filter((m) => m.type === 'step').length, 8);

  const e = rnnlab(['eval', '--model', out, '--data', data, '--backend', 'wasm', '--json'], { cwd: dir });
  assertOk(e, 'eval');
  const bf16Loss = (JSON.parse(e.stdout) as { loss: number }).loss;
  const e32 = rnnlab(['eval', '--model', out, '--data', data, '--backend', 'wasm', '--json', '--precision', 'fp32'], { cwd: dir });
  assertOk(e32, 'eval --precision fp32');
  const fp32Loss = (JSON.parse(e32.stdout) as { loss: number }).loss;
  // the recorded bf16 was used by default: the loss differs from fp32's, by bf16 rounding only
  assert.notEqual(bf16Loss, fp32Loss);
  assert.ok(Math.abs(bf16Loss - fp32Loss) < 0.02 * fp32Loss, `bf16 ${bf16Loss} vs fp32 ${fp32Loss}`);
  const e16 = rnnlab(['eval', '--model', out, '--data', data, '--backend', 'js', '--json'], { cwd: dir });
  assertOk(e16, 'eval on js');
  assert.ok(Math.abs((JSON.parse(e16.stdout) as { loss: number }).loss - bf16Loss) < 1e-4, 'js and wasm emulate the same bf16');

  const s = rnnlab(['sample', '--model', out, '--length', '20', '--seed', '1', '--backend', 'wasm'], { cwd: dir });
  assertOk(s, 'sample');
  assert.ok(s.stdout.length > 0);
});

test('resume with another --precision switches it from that step on, with a note; an fp32 checkpoint from before --precision resumes in fp32', () => {
  const dir = tempDir('precision-switch');
  const data = writePangrams(dir);
  const out = join(dir, 'run');
  assertOk(rnnlab(['train', '--data', data, '--out', out, ...TINY_WASM, '--max-steps', '3', '--quiet'], { cwd: dir }), 'train (fp32 default)');
  assert.equal(runConfig(out).config.precision, 'fp32');
  assert.equal(readSafetensorsHeader(join(out, 'last.safetensors')).metadata.precision, 'fp32');
  const r = rnnlab(['train', '--out', out, '--resume', '--max-steps', '6', '--precision', 'bf16', '--backend', 'wasm', '--quiet'], { cwd: dir });
  assertOk(r, 'resume --precision bf16');
  assert.match(r.stderr, /note: the run was trained in fp32 so far and continues in bf16 \(--precision bf16\)/);
  const c = runConfig(out);
  assert.equal(c.config.precision, 'bf16');
  assert.deepEqual(c.sessions.map((s) => s.precision), ['fp32', 'bf16']);
  assert.deepEqual(readMetrics(join(out, 'metrics.jsonl')).filter((m) => m.type === 'start').map((m) => m.precision), ['fp32', 'bf16']);
  assert.equal(readSafetensorsHeader(join(out, 'last.safetensors')).metadata.precision, 'bf16');
  // a refused resume says only why (no switch note before the error line)
  assertOneLineError(rnnlab(['train', '--out', out, '--resume', '--precision', 'fp32', '--backend', 'wasm', '--quiet'], { cwd: dir }), /--max-steps/, 'resume a finished run');

  // a checkpoint without "precision" metadata (and a run_config without it), as older versions wrote
  const old = join(dir, 'old');
  assertOk(rnnlab(['train', '--data', data, '--out', old, ...TINY_WASM, '--max-steps', '2', '--precision', 'bf16', '--quiet'], { cwd: dir }), 'train');
  for (const f of ['last.safetensors', 'model.safetensors']) {
    rewriteSafetensorsMetadata(join(old, f), join(old, f), (meta) => {
      delete meta.precision;
      if (meta.run_config) {
        const rc = JSON.parse(meta.run_config) as Record<string, unknown>;
        delete rc.precision;
        meta.run_config = JSON.stringify(rc);
      }
    });
  }
  assertOk(rnnlab(['train', '--out', old, '--resume', '--max-steps', '4', '--backend', 'wasm', '--quiet'], { cwd: dir }), 'resume an old checkpoint');
  assert.equal(runConfig(old).config.precision, 'fp32');
  assert.equal(readSafetensorsHeader(join(old, 'last.safetensors')).metadata.precision, 'fp32');
});

test('--precision fp16 (or any other value): one clear line naming the flag, on every command that takes it', () => {
  const dir = tempDir('precision-bad');
  const data = writePangrams(dir);
  for (const args of [
    ['train', '--data', data, '--precision', 'fp16'],
    ['eval', '--model', dir, '--data', data, '--precision', 'fp16'],
    ['sample', '--model', dir, '--precision', 'fp16'],
    ['classify', 'train', '--data', data, '--precision', 'fp16'],
  ]) {
    const line = assertOneLineError(rnnlab(args, { cwd: dir }), /--precision/, args.slice(0, 2).join(' '));
    assert.match(line, /fp32.*bf16|bf16.*fp32/, line);
  }
});

test('classify train --precision bf16 (CNN: convolutions and the head in bf16): recorded; predict uses it, and agrees with fp32 closely', () => {
  const dir = tempDir('precision-classify');
  const rows = ['label,text'];
  const words: Record<string, string[]> = { a: ['match', 'goal', 'team', 'league'], b: ['market', 'shares', 'bank', 'fund'] };
  for (let i = 0; i < 80; i++) {
    const l = i % 2 ? 'a' : 'b';
    rows.push(`${l},"the ${words[l][i % 4]} of ${words[l][(i * 3) % 4]} said ${words[l][(i + 1) % 4]} today"`);
  }
  writeFileSync(join(dir, 'train.csv'), rows.join('\n') + '\n');
  const t = rnnlab(['classify', 'train', '--data', 'train.csv', '--model', 'cnn', '--hidden', '8', '--embed', '8', '--layers', '2', '--batch', '8',
    '--max-steps', '6', '--precision', 'bf16', '--backend', 'wasm', '--out', 'cnn', '--quiet'], { cwd: dir });
  assertOk(t, 'classify train --precision bf16');
  assert.equal(runConfig(join(dir, 'cnn')).config.precision, 'bf16');
  assert.equal(readSafetensorsHeader(join(dir, 'cnn', 'model.safetensors')).metadata.precision, 'bf16');
  const probs = (extra: string[]) => {
    const r = rnnlab(['classify', 'predict', '--model', 'cnn', '--text', 'the goal of the match', '--json', '--backend', 'wasm', ...extra], { cwd: dir });
    assertOk(r, `classify predict ${extra.join(' ')}`);
    return (JSON.parse(r.stdout) as { probabilities: Record<string, number> }).probabilities;
  };
  const bf16 = probs([]), fp32 = probs(['--precision', 'fp32']);
  assert.notDeepEqual(bf16, fp32, 'the recorded bf16 was used by default');
  for (const k of Object.keys(fp32)) assert.ok(Math.abs(bf16[k] - fp32[k]) < 0.02, `${k}: bf16 ${bf16[k]} vs fp32 ${fp32[k]}`);
});
