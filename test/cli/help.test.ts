/**
 * `--help` of rnnlab and of every subcommand: exit 0, usage on stdout, the documented flags
 * listed; `info` names the backend and why it was chosen.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { assertOk, CLI, inParallel, rnnlabAsync, tempDir, type RunResult } from './helpers.js';

const FLAGS: Record<string, string[]> = {
  train: [
    '--data', '--level', '--cell', '--activation', '--layers', '--hidden', '--embed', '--dropout', '--batch', '--seq',
    '--epochs', '--max-steps', '--lr', '--optimizer', '--clip', '--seed', '--val-fraction', '--out', '--resume',
    '--json', '--quiet', '--backend', '--encoding',
  ],
  eval: ['--model', '--data', '--batch', '--seq', '--json', '--backend', '--encoding'],
  sample: ['--model', '--prime', '--length', '--temperature', '--top-k', '--seed', '--strategy', '--json', '--backend'],
  sweep: ['--grid', '--out', '--resume', '--parallel', '--threads', '--backend', '--json', '--quiet', '--data', '--cell', '--hidden', '--lr', '--text-column'],
  demo: ['--seconds', '--out', '--backend'],
  info: ['--json', '--backend'],
  plot: ['--out', '--x', '--y', '--title', '--scale'],
  report: ['--out', '--samples', '--backend'],
};

/** The flags a help text lists: option column entries like "  --max-steps <n>" or "  -h, --help". */
function listedFlags(help: string): Set<string> {
  const flags = new Set<string>();
  for (const line of help.split('\n')) {
    const m = /^\s{2}(?:-\w, )?(--[a-z][a-z-]*)/.exec(line);
    if (m) flags.add(m[1]);
  }
  return flags;
}

test('rnnlab --help / -h / help: usage, every subcommand listed, exit 0', async () => {
  const cwd = tempDir('help');
  const [long, short, word] = await inParallel([
    () => rnnlabAsync(['--help'], { cwd }),
    () => rnnlabAsync(['-h'], { cwd }),
    () => rnnlabAsync(['help'], { cwd }),
  ]);
  for (const [name, r] of [['--help', long], ['-h', short], ['help', word]] as [string, RunResult][]) {
    assertOk(r, `rnnlab ${name}`);
    assert.match(r.stdout, /^Usage: rnnlab /m, `rnnlab ${name}`);
    for (const sub of Object.keys(FLAGS)) assert.match(r.stdout, new RegExp(`^\\s+${sub}\\b`, 'm'), `rnnlab ${name} should list ${sub}`);
    assert.equal(r.stderr, '', `rnnlab ${name}: nothing on stderr`);
  }
  assert.equal(short.stdout, long.stdout);
});

test('rnnlab --version prints the package version', async () => {
  const cwd = tempDir('help');
  const r = await rnnlabAsync(['--version'], { cwd });
  assertOk(r);
  const pkg = JSON.parse(readFileSync(join(dirname(CLI), '../../../package.json'), 'utf8')) as { version: string };
  assert.equal(r.stdout.trim(), pkg.version);
});

for (const [sub, flags] of Object.entries(FLAGS)) {
  test(`rnnlab ${sub} --help lists ${flags.join(' ')}`, async () => {
    const cwd = tempDir('help');
    const a = await rnnlabAsync([sub, '--help'], { cwd });
    assertOk(a, `${sub} --help`);
    assert.equal(a.stderr, '');
    assert.match(a.stdout, new RegExp(`^Usage: rnnlab ${sub} `, 'm'));
    const listed = listedFlags(a.stdout);
    const missing = flags.filter((f) => !listed.has(f));
    assert.deepEqual(missing, [], `${sub} --help lacks ${missing.join(' ')}:\n${a.stdout}`);
    assert.ok(listed.has('--help'));
  });
}

test('rnnlab info --backend js: says js and that it was requested', async () => {
  const cwd = tempDir('info');
  const [text, json] = await inParallel([
    () => rnnlabAsync(['info', '--backend', 'js'], { cwd }),
    () => rnnlabAsync(['info', '--backend', 'js', '--json'], { cwd }),
  ]);
  assertOk(text, 'info --backend js');
  assert.match(text.stdout, /^backend\s+js\b/m);
  assert.match(text.stdout, /^why\s+requested with --backend/m);
  assert.match(text.stdout, /^threads\s+\d+/m);
  assert.equal(text.stderr, '', 'an explicit backend needs no fallback note');
  assertOk(json, 'info --backend js --json');
  const info = JSON.parse(json.stdout) as { backend: string; reason: string; threads: number };
  assert.equal(info.backend, 'js');
  assert.match(info.reason, /requested/);
  assert.ok(Number.isInteger(info.threads) && info.threads >= 1);
});

test('rnnlab info (automatic choice): names a backend and says why', async () => {
  const cwd = tempDir('info');
  const [text, json] = await inParallel([
    () => rnnlabAsync(['info'], { cwd }),
    () => rnnlabAsync(['info', '--json'], { cwd }),
  ]);
  assertOk(text, 'info');
  assert.match(text.stdout, /^backend\s+(native|wasm|js)\b/m);
  assert.match(text.stdout, /^why\s+\S.*/m);
  assertOk(json, 'info --json');
  const info = JSON.parse(json.stdout) as { backend: string; reason: string };
  assert.ok(['native', 'wasm', 'js'].includes(info.backend), info.backend);
  assert.ok(info.reason.length > 0);
  // A fallback from a faster backend is explained (in `why`, and once as a note on stderr).
  if (/unavailable/.test(info.reason)) assert.match(text.stderr, /^note: using the \w+ backend \(/m);
  // The environment variable is honoured and reported as the reason.
  const env = await rnnlabAsync(['info', '--json'], { cwd, env: { RNNLAB_BACKEND: 'js' } });
  assertOk(env, 'RNNLAB_BACKEND=js rnnlab info --json');
  const e = JSON.parse(env.stdout) as { backend: string; reason: string };
  assert.equal(e.backend, 'js');
  assert.match(e.reason, /RNNLAB_BACKEND/);
});
