/**
 * What keeps a user's runs safe on disk, as a user meets it: damaged checkpoints refused with
 * one line by eval, sample and --resume; one process per run directory (a second train on the
 * same --out is refused naming the first's pid, a stale lock is taken over); bad output
 * locations refused before any work (a file in the path, /proc/sys, a folder that takes no
 * files, a missing folder for compare-strategies); a write failure mid-run stopping the run
 * with one line and the earlier checkpoints intact; and kill -9 at any moment, repeatedly,
 * during checkpoint writes, after which --resume still finishes the run.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { JsBackend } from '../../src/backend/js/index.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/io/safetensors.js';
import { decodeCheckpoint } from '../../src/train/checkpoint-format.js';
import {
  assertOk, assertOneLineError, CLI, inParallel, PANGRAM, readMetrics, rnnlab, rnnlabAsync, tempDir, TINY,
} from './helpers.js';

let dir = '';
const be = new JsBackend('float32');
const SMALL = ['--data', 'text.txt', ...TINY, '--batch', '4', '--seq', '16'];

before(() => {
  dir = tempDir('rundir');
  writeFileSync(join(dir, 'text.txt'), PANGRAM.repeat(1200));
  assertOk(rnnlab(['train', ...SMALL, '--max-steps', '6', '--save-every', '3', '--out', 'good', '--quiet'], { cwd: dir }), 'the reference run');
});

/** A pid that belonged to a process which has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  return r.pid!;
}

/** Polls until `cond` holds (or `ms` pass). */
async function until(cond: () => boolean, ms = 30_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function startTrain(args: string[]) {
  const child = spawn(process.execPath, [CLI, 'train', ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdout.resume();
  const done = new Promise<{ status: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    child.on('exit', (status, signal) => resolve({ status, signal, stderr }));
  });
  return { child, done };
}

const stepsIn = (out: string): number => {
  const f = join(dir, out, 'metrics.jsonl');
  return existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter((l) => l.startsWith('{"type":"step"')).length : 0;
};

test('damaged checkpoints: eval, sample and --resume refuse them with one line saying what is wrong', async () => {
  const model = readFileSync(join(dir, 'good', 'model.safetensors'));
  const last = readFileSync(join(dir, 'good', 'last.safetensors'));
  const run = (name: string, file: string, bytes: Uint8Array) => {
    mkdirSync(join(dir, name));
    copyFileSync(join(dir, 'good', 'config.json'), join(dir, name, 'config.json'));
    writeFileSync(join(dir, name, file), bytes);
  };
  const flip = (b: Uint8Array, at: number) => {
    const c = Uint8Array.from(b);
    c[at] ^= 1;
    return c;
  };
  const reencode = (b: Uint8Array, edit: (m: Record<string, string>) => void) => {
    const st = decodeSafetensors(b, 'x');
    const m = { ...st.metadata };
    edit(m);
    return encodeSafetensors(st.tensors, m);
  };
  run('trunc', 'model.safetensors', model.subarray(0, model.length - 7));
  run('corrupt', 'model.safetensors', flip(model, model.length - 5));
  run('nullconfig', 'model.safetensors', reencode(model, (m) => { m.config = 'null'; }));
  run('r-trunc', 'last.safetensors', last.subarray(0, 1000));
  run('r-corrupt', 'last.safetensors', flip(last, last.length - 100));
  run('r-nostate', 'last.safetensors', model);
  run('r-badstate', 'last.safetensors', reencode(last, (m) => { m.train_state = '{"step": "three"}'; }));
  run('r-nullrun', 'last.safetensors', reencode(last, (m) => { m.run_config = 'null'; m.train_state = 'null'; }));
  writeFileSync(join(dir, 'notes.safetensors'), 'these are my notes, not a model\n');
  const cases: [string[], RegExp, string][] = [
    [['eval', '--model', 'trunc', '--data', 'text.txt'], /^error: checkpoint trunc\/model\.safetensors is truncated: [\d,]+ of [\d,]+ bytes$/, 'eval: truncated'],
    [['sample', '--model', 'trunc', '--length', '5'], /is truncated: [\d,]+ of [\d,]+ bytes$/, 'sample: truncated'],
    [['eval', '--model', 'corrupt', '--data', 'text.txt'], /corrupt\/model\.safetensors is corrupt: its tensor data do not match their checksum/, 'eval: corrupt'],
    [['sample', '--model', 'corrupt/model.safetensors', '--length', '5'], /is corrupt: its tensor data/, 'sample: corrupt'],
    [['eval', '--model', 'notes.safetensors', '--data', 'text.txt'], /checkpoint notes\.safetensors is not a safetensors file/, 'eval: a text file'],
    [['sample', '--model', 'nullconfig', '--length', '5'], /nullconfig\/model\.safetensors: bad "config" metadata: the model config is not an object/, 'sample: config null'],
    [['train', '--out', 'r-trunc', '--resume'], /^error: checkpoint r-trunc\/last\.safetensors is truncated: 1,000 bytes, and its header alone needs [\d,]+$/, 'resume: truncated'],
    [['train', '--out', 'r-corrupt', '--resume'], /r-corrupt\/last\.safetensors is corrupt/, 'resume: corrupt'],
    [['train', '--out', 'r-nostate', '--resume'], /cannot resume: r-nostate\/last\.safetensors holds no training state/, 'resume: a model.safetensors as last'],
    [['train', '--out', 'r-badstate', '--resume'], /r-badstate\/last\.safetensors has a damaged training state \(step is "three"\)/, 'resume: train_state of the wrong types'],
    [['train', '--out', 'r-nullrun', '--resume'], /r-nullrun\/last\.safetensors has a damaged training state \(not an object\)/, 'resume: run_config and train_state null'],
  ];
  await inParallel(cases.map(([args, re, what]) => async () => {
    const r = await rnnlabAsync([...args, '--backend', 'js'], { cwd: dir });
    assertOneLineError(r, re, what);
    if (args[0] === 'train') assert.ok(!existsSync(join(dir, args[2], 'rnnlab.lock')), `${what}: the lock is released`);
  }));
});

test('two trains on the same --out: the second is refused naming the first\'s pid; the lock goes at the end', async () => {
  const a = startTrain([...SMALL, '--max-steps', '100000', '--save-every', '2', '--out', 'busy', '--quiet']);
  await until(() => existsSync(join(dir, 'busy', 'last.safetensors')));
  const lock = JSON.parse(readFileSync(join(dir, 'busy', 'rnnlab.lock'), 'utf8')) as { pid: number; host: string };
  assert.equal(lock.pid, a.child.pid);
  assert.equal(lock.host, hostname());
  const [fresh, resume] = await inParallel([
    () => rnnlabAsync(['train', ...SMALL, '--max-steps', '3', '--out', 'busy'], { cwd: dir }),
    () => rnnlabAsync(['train', '--out', 'busy', '--resume', '--backend', 'js'], { cwd: dir }),
  ]);
  for (const [r, what] of [[fresh, 'a new train'], [resume, 'a --resume']] as const) {
    assertOneLineError(r, new RegExp(`^error: busy is in use by rnnlab pid ${a.child.pid} \\(rnnlab train, since .*\\): wait for it to finish`), what);
  }
  // and two starting at the same moment: exactly one wins
  const [x, y] = await Promise.all([0, 1].map(() => rnnlabAsync(['train', ...SMALL, '--max-steps', '3', '--out', 'race', '--quiet'], { cwd: dir })));
  assert.deepEqual([x.status, y.status].sort(), [0, 1], `one of two simultaneous runs wins:\n${x.stderr}\n${y.stderr}`);
  assert.match((x.status ? x : y).stderr, /race (is in use by rnnlab pid \d+|already holds a model)/);
  a.child.kill('SIGINT');
  const ra = await a.done;
  assert.equal(ra.status, 130, ra.stderr);
  assert.ok(!existsSync(join(dir, 'busy', 'rnnlab.lock')), 'Ctrl-C releases the lock');
  assertOk(rnnlab(['train', '--out', 'busy', '--resume', '--max-steps', String(stepsIn('busy') + 2), '--quiet'], { cwd: dir }), 'the run resumes after');
  assert.ok(!existsSync(join(dir, 'busy', 'rnnlab.lock')), 'a normal exit releases the lock');
  // an error mid-command releases it too
  assertOneLineError(rnnlab(['train', '--out', 'busy', '--resume', '--lr', 'x'], { cwd: dir }), /--lr/);
  assert.ok(!existsSync(join(dir, 'busy', 'rnnlab.lock')), 'an error releases the lock');
});

test('a stale lock (its pid gone) is taken over with a note; a lock from another host is not', () => {
  mkdirSync(join(dir, 'stale'));
  const pid = deadPid();
  writeFileSync(join(dir, 'stale', 'rnnlab.lock'), JSON.stringify({ pid, host: hostname(), command: 'rnnlab train', started: '2026-01-01T00:00:00Z' }));
  const r = rnnlab(['train', ...SMALL, '--max-steps', '3', '--out', 'stale'], { cwd: dir });
  assertOk(r, 'train over a stale lock');
  assert.match(r.stderr, new RegExp(`note: stale was locked by pid ${pid} \\(rnnlab train\\), which is no longer running: taking the run directory over`));
  assert.ok(!existsSync(join(dir, 'stale', 'rnnlab.lock')));
  mkdirSync(join(dir, 'remote'));
  writeFileSync(join(dir, 'remote', 'rnnlab.lock'), JSON.stringify({ pid, host: 'elsewhere', command: 'rnnlab train', started: 'x' }));
  assertOneLineError(rnnlab(['train', ...SMALL, '--max-steps', '3', '--out', 'remote'], { cwd: dir }),
    /remote is in use by rnnlab pid \d+ on host elsewhere .*remove remote\/rnnlab\.lock if that run is over/, 'a lock of another host');
  // classify train takes the same lock
  writeFileSync(join(dir, 'remote', 'docs.csv'), 'text,label\n' + Array.from({ length: 20 }, (_, i) => `word${i % 3} thing,${i % 2 ? 'a' : 'b'}\n`).join(''));
  assertOneLineError(rnnlab(['classify', 'train', '--data', join(dir, 'remote', 'docs.csv'), '--out', 'remote', '--backend', 'js', '--max-steps', '2'], { cwd: dir }),
    /remote is in use by rnnlab pid/, 'classify train on a locked --out');
});

test('bad output locations: one line, exit 1, before any work', async () => {
  writeFileSync(join(dir, 'afile'), 'x');
  mkdirSync(join(dir, 'ro'));
  // root writes anywhere it has permission bits against it: use a folder no one can add files to
  const readOnly = process.getuid?.() === 0 ? '/proc/self' : join(dir, 'ro');
  if (readOnly !== '/proc/self') chmodSync(join(dir, 'ro'), 0o555);
  const cases: [string[], RegExp, string][] = [
    [['train', ...SMALL, '--out', 'afile/run'], /^error: cannot use --out afile\/run: .*afile is a file, not a folder$/, '--out under a file'],
    [['train', ...SMALL, '--out', '/proc/sys/rnnlab-test'], /^error: cannot use --out \/proc\/sys\/rnnlab-test: \/proc\/sys does not allow new folders$/, '--out /proc/sys/x (spun forever before)'],
    [['train', ...SMALL, '--out', readOnly], /^error: cannot write in --out .*: (permission denied|its file system takes no new files|the file system is read-only)$/, 'a folder that takes no files'],
    [['classify', 'train', '--data', 'docs.csv', '--out', 'afile/x'], /cannot use --out afile\/x: .*afile is a file/, 'classify train: --out under a file'],
    [['compare-strategies', '--model', 'good', '--prime', 'The', '--length', '3', '--out', 'missing/cmp'], /^error: cannot use --out missing\/cmp: the folder missing does not exist$/, 'compare-strategies into a missing folder'],
  ];
  try {
    await inParallel(cases.map(([args, re, what]) => async () => {
      const t0 = Date.now();
      const r = await rnnlabAsync([...args, '--backend', 'js'], { cwd: dir, timeoutMs: 30_000 });
      assert.equal(r.signal, null, `${what}: finished by itself`);
      assertOneLineError(r, re, what);
      assert.equal(r.stdout, '', `${what}: no output before the error`);
      assert.ok(Date.now() - t0 < 20_000, `${what}: refused at once`);
    }));
  } finally {
    chmodSync(join(dir, 'ro'), 0o755);
  }
  assert.ok(!existsSync(join(dir, 'missing')));
  assert.deepEqual(readdirSync(join(dir, 'ro')), [], 'no probe file left');
});

test('a write failure mid-run (metrics.jsonl replaced by a folder) stops the run with one line; the checkpoints before it load and the run resumes', async () => {
  const a = startTrain([...SMALL, '--max-steps', '100000', '--save-every', '5', '--out', 'fails', '--quiet']);
  await until(() => existsSync(join(dir, 'fails', 'last.safetensors')) && stepsIn('fails') >= 6);
  rmSync(join(dir, 'fails', 'metrics.jsonl'));
  mkdirSync(join(dir, 'fails', 'metrics.jsonl'));
  writeFileSync(join(dir, 'fails', 'metrics.jsonl', 'keep'), '');
  const r = await a.done;
  assertOneLineError({ ...r, stdout: '' }, /^error: cannot write fails\/metrics\.jsonl: a folder is in the way$/, 'the failing run');
  assert.ok(!existsSync(join(dir, 'fails', 'rnnlab.lock')), 'the lock is released');
  const last = decodeCheckpoint(readFileSync(join(dir, 'fails', 'last.safetensors')), be, 'last');
  assert.ok(last.trainState!.step >= 5);
  assert.ok(!readdirSync(join(dir, 'fails')).some((f) => f.endsWith('.tmp')), 'no temporaries');
  rmSync(join(dir, 'fails', 'metrics.jsonl'), { recursive: true });
  assertOk(rnnlab(['train', '--out', 'fails', '--resume', '--max-steps', String(last.trainState!.step + 3), '--quiet'], { cwd: dir }), 'resume once the folder is fixed');
});

test('kill -9 during checkpoint writes, again and again: last.safetensors is always whole, stale temporaries are cleaned, and --resume finishes the run', async () => {
  const out = 'killed';
  const MAX = 400;
  let kills = 0;
  for (let round = 0; round < 6; round++) {
    const resume = existsSync(join(dir, out, 'last.safetensors'));
    if (resume) {
      // a temporary of a write the killed process never finished, as kill -9 mid-write leaves
      writeFileSync(join(dir, out, `.last.safetensors.${deadPid()}.tmp`), 'half a checkpoint');
    }
    const before = stepsIn(out);
    const a = startTrain(resume
      ? ['--out', out, '--resume', '--backend', 'js', '--quiet']
      : [...SMALL, '--max-steps', String(MAX), '--save-every', '1', '--out', out, '--quiet']);
    // every step writes last.safetensors (--save-every 1): a kill a few ms after a step line lands in or near a write
    await until(() => stepsIn(out) >= before + 2 + (round % 3) || a.child.exitCode !== null);
    await new Promise((r) => setTimeout(r, (round * 7) % 13));
    if (a.child.exitCode === null) {
      a.child.kill('SIGKILL');
      kills++;
    }
    const r = await a.done;
    assert.ok(r.signal === 'SIGKILL' || r.status === 0, `round ${round}: ${r.stderr}`);
    const files = readdirSync(join(dir, out));
    assert.ok(!files.some((f) => /^\.last\.safetensors\.\d+\.tmp$/.test(f) && !f.includes(String(a.child.pid))), `round ${round}: stale temporaries were removed: ${files}`);
    // whatever instant the kill hit, the checkpoint on disk is a whole one (its checksums hold)
    const last = decodeCheckpoint(readFileSync(join(dir, out, 'last.safetensors')), be, 'last.safetensors');
    assert.ok(last.trainState!.step >= 1);
    assert.ok(existsSync(join(dir, out, 'rnnlab.lock')) || r.status === 0, 'kill -9 leaves its lock behind (taken over by the next run)');
  }
  assert.ok(kills >= 4, `killed ${kills} times`);
  const r = rnnlab(['train', '--out', out, '--resume', '--quiet'], { cwd: dir, timeoutMs: 120_000 });
  assertOk(r, 'the final resume');
  assert.match(r.stderr, /note: killed was locked by pid \d+ \(rnnlab train\), which is no longer running/);
  const steps = readMetrics(join(dir, out, 'metrics.jsonl')).filter((m) => m.type === 'step').map((m) => m.step);
  assert.equal(steps.at(-1), MAX);
  assert.deepEqual(steps, Array.from({ length: MAX }, (_, i) => i + 1), 'each step once, in order');
  assert.deepEqual(readdirSync(join(dir, out)).filter((f) => f.startsWith('.') || f === 'rnnlab.lock'), [], 'no temporaries and no lock left');
});

test('Ctrl-C while the data are read: exit 130 at once, the lock goes and the --out folder made for the run is removed again', async () => {
  const dir = tempDir('sigint-loading');
  // large enough that reading it outlasts the signal (the lock is taken before any byte is read)
  writeFileSync(join(dir, 'big.txt'), PANGRAM.repeat(300_000));
  const child = spawn(process.execPath, [CLI, 'train', '--data', 'big.txt', '--out', join('made', 'run'), ...TINY, '--max-steps', '1', '--quiet'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const lock = join(dir, 'made', 'run', 'rnnlab.lock');
  const t0 = Date.now();
  while (!existsSync(lock) && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 5));
  assert.ok(existsSync(lock), 'the run took its lock');
  child.kill('SIGINT');
  const status = await new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  assert.equal(status, 130, stderr);
  assert.match(stderr, /SIGINT: stopped before training began; nothing was trained\n$/);
  assert.equal(existsSync(join(dir, 'made')), false, 'the folders made for a run that never started are gone, lock and all');
});
