/**
 * `rnnlab sweep` as a user runs it: lists in flags (and the flags whose values hold commas),
 * every run checked before any starts, a failing run recorded while the sweep goes on, two runs
 * at once, Ctrl-C then --resume (finished runs skipped, the interrupted one continued), and the
 * results sorted by validation perplexity. Every run is tiny, on the reference backend.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CommanderError } from 'commander';
import { specFromFlags, sweepCommand } from '../../src/cli/sweep.js';
import type { SweepResult } from '../../src/sweep/results.js';
import {
  assertOk, assertOneLineError, CLI, readMetrics, rnnlab, rnnlabAsync, show, tempDir, writePangrams, type RunResult,
} from './helpers.js';

/** The settings of every run here: a few steps of a very small model. */
const SMALL = ['--backend', 'js', '--hidden', '8', '--embed', '4', '--layers', '1', '--batch', '2', '--seq', '16'];

function flags(args: string[]) {
  const cmd = sweepCommand().exitOverride().configureOutput({ writeErr: () => {} });
  cmd.parse(args, { from: 'user' });
  return specFromFlags(cmd.opts(), cmd);
}

const readResults = (out: string) => JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as SweepResult[];
const starts = (runDir: string) => readMetrics(join(runDir, 'metrics.jsonl')).filter((m) => m.type === 'start');

describe('sweep flags', () => {
  it('sweeps the comma-separated values of number and choice flags; file, column and text flags keep their commas', () => {
    const spec = flags(['--data', 'a,b.csv', '--text-column', '1,2', '--cell', 'rnn,lstm,gru', '--hidden', '128,256', '--lr', '1e-3,3e-3', '--epochs', '3', '--lowercase']);
    assert.deepEqual(spec, {
      base: { data: 'a,b.csv', textColumn: '1,2', lowercase: true, epochs: 3 },
      grid: { cell: ['rnn', 'lstm', 'gru'], hidden: [128, 256], lr: [0.001, 0.003] },
      runs: [],
    });
    assert.equal(flags(['--text-column', '2'])?.base.textColumn, 2, 'a column index, as train parses it');
    assert.equal(flags(['--out', 'x']), undefined, 'no settings: nothing to sweep (--resume)');
  });

  it('checks each listed value as train does, and refuses a value listed twice', () => {
    const message = (args: string[]) => {
      try {
        flags(args);
      } catch (e) {
        assert.ok(e instanceof CommanderError);
        return e.message;
      }
      assert.fail(`${args.join(' ')} should be refused`);
    };
    assert.match(message(['--hidden', '128,abc']), /'--hidden <n>' argument '128,abc' is invalid\. expected an integer from 1/);
    assert.match(message(['--cell', 'rnn,lstn']), /expected one of: lstm, gru, rnn/);
    assert.match(message(['--lr', '0.1,0.1']), /0\.1 is listed twice/);
  });

  it('puts flags over a --grid file: a list replaces its grid entry, a single value its base', () => {
    const dir = tempDir('sweep-flags');
    const grid = join(dir, 'grid.json');
    writeFileSync(grid, JSON.stringify({ base: { data: 'a.txt', hidden: 64 }, grid: { lr: [0.1, 0.2], 'max-steps': [3, 4] }, runs: [{ cell: 'gru' }] }));
    assert.deepEqual(flags(['--grid', grid, '--hidden', '8,16', '--max-steps', '5']), {
      base: { data: 'a.txt', maxSteps: 5 },
      grid: { lr: [0.1, 0.2], hidden: [8, 16] },
      runs: [{ cell: 'gru' }],
    });
  });
});

describe('rnnlab sweep', () => {
  it('checks every run before it starts any: one line, nothing written', () => {
    const dir = tempDir('sweep-check');
    writePangrams(dir, 'text.txt');
    const cases: [string[], RegExp][] = [
      // the LSTM runs of the grid cannot take --activation; the RNN runs come first and could have started
      [['--cell', 'rnn,lstm', '--activation', 'relu'], /^error: run cell=lstm: --activation applies only to --cell rnn/],
      [['--hidden', '8,16', '--data', 'missing.txt'], /^error: run hidden=8: --data .*missing\.txt: no such file$/],
      [['--hidden', '8,0'], /argument '8,0' is invalid/],
      [['--hidden', '8,16', '--grid', 'nope.json'], /cannot read the grid file nope\.json/],
    ];
    for (const [args, re] of cases) {
      const r = rnnlab(['sweep', '--data', 'text.txt', ...SMALL, ...args, '--out', 'sw'], { cwd: dir });
      assertOneLineError(r, re, args.join(' '));
      assert.ok(!existsSync(join(dir, 'sw')), `${args.join(' ')}: nothing should be written`);
    }
    assertOneLineError(rnnlab(['sweep', '--data', 'text.txt', '--hidden', '8,16'], { cwd: dir }), /sweep needs --out DIR/);
    assertOneLineError(rnnlab(['sweep', '--out', 'sw', '--resume'], { cwd: dir }), /cannot resume: .*sw\/sweep\.json does not exist/);
  });

  it('records a failing run and goes on; the tables are sorted by validation perplexity; a re-run retries only the failed', async () => {
    const dir = tempDir('sweep-fail');
    writePangrams(dir, 'text.txt');
    // --min-freq 1000 leaves no character of this text in the vocabulary: only the data can tell, when the run starts
    const args = ['sweep', '--data', 'text.txt', ...SMALL, '--max-steps', '3', '--lr', '0.001,0.01,0.05', '--min-freq', '1,1000', '--parallel', '2', '--out', 'sw'];
    const r = await rnnlabAsync(args, { cwd: dir });
    assert.equal(r.status, 1, show(r));
    assert.match(r.stderr, /3 of 6 runs failed/);
    const out = join(dir, 'sw');
    const results = readResults(out);
    // the grid in the order of train's flag table (--min-freq before --lr), whatever the order typed
    assert.deepEqual(results.map((x) => [x.run, x.status]), [
      ['min-freq=1,lr=0.001', 'done'], ['min-freq=1,lr=0.01', 'done'], ['min-freq=1,lr=0.05', 'done'],
      ['min-freq=1000,lr=0.001', 'failed'], ['min-freq=1000,lr=0.01', 'failed'], ['min-freq=1000,lr=0.05', 'failed'],
    ]);
    for (const x of results) {
      assert.deepEqual(Object.keys(x.params), ['min-freq', 'lr']);
      if (x.status === 'failed') {
        assert.match(x.error!, /too short to hold out a validation part/, 'the last line the run wrote on stderr');
        assert.equal(x.val_perplexity, undefined);
      } else {
        assert.ok(x.val_perplexity! > 1 && x.val_perplexity! < 60, `${x.run}: ${x.val_perplexity}`);
        assert.ok(Math.abs(x.val_bits! - Math.log2(x.val_perplexity!)) < 1e-9);
        assert.equal(x.parameters, JSON.parse(readFileSync(join(out, x.run, 'config.json'), 'utf8')).parameters.total);
        assert.equal(x.steps, 3);
        assert.ok(x.tokens_per_sec! > 0 && x.wall_seconds! > 0);
        assert.ok(existsSync(join(out, x.run, 'model.safetensors')) && existsSync(join(out, x.run, 'summary.json')));
      }
    }
    const done = results.filter((x) => x.status === 'done').sort((a, b) => a.val_perplexity! - b.val_perplexity!);
    const order = [...done.map((x) => x.run), 'min-freq=1000,lr=0.001', 'min-freq=1000,lr=0.01', 'min-freq=1000,lr=0.05'];
    const csv = readFileSync(join(out, 'results.csv'), 'utf8').trim().split('\r\n');
    assert.equal(csv[0], 'run,min-freq,lr,status,val_perplexity,val_bits,test_perplexity,parameters,tokens_per_sec,wall_seconds,epochs,steps,error');
    assert.deepEqual(csv.slice(1).map((l) => l.split('"')[1]), order);
    assert.deepEqual(csv.slice(1, 4).map((l) => Number(l.split(',')[5])), done.map((x) => x.val_perplexity));
    const md = readFileSync(join(out, 'results.md'), 'utf8').trim().split('\n').slice(2);
    // rank (finished runs only), then the varied settings
    assert.deepEqual(md.map((l) => l.split('|').slice(1, 4).map((c) => c.trim())), order.map((name, i) => [i < 3 ? String(i + 1) : '', ...name.split(',').map((p) => p.split('=')[1])]));
    assert.equal(r.stdout, readFileSync(join(out, 'results.md'), 'utf8'), 'the table on stdout');

    const metricsBefore = readFileSync(join(out, done[0].run, 'metrics.jsonl'), 'utf8');
    const again = await rnnlabAsync(args, { cwd: dir });
    assert.equal(again.status, 1, show(again));
    assert.match(again.stderr, /6 runs \(3 done before\)/);
    assert.equal((again.stderr.match(/\] start /g) ?? []).length, 3, `only the failed runs start again; ${show(again)}`);
    assert.equal(readFileSync(join(out, done[0].run, 'metrics.jsonl'), 'utf8'), metricsBefore);

    assertOneLineError(rnnlab(['sweep', '--data', 'text.txt', ...SMALL, '--lr', '0.001,0.02', '--out', 'sw'], { cwd: dir }), /holds a different sweep: continue it with --out sw --resume/);
    assertOneLineError(rnnlab(['sweep', '--out', 'sw', '--resume', '--hidden', '8'], { cwd: dir }), /--resume continues the sweep with its own settings/);
  });

  it('runs --parallel 2 at once, from a JSON grid in list form', async () => {
    const dir = tempDir('sweep-parallel');
    writePangrams(dir, 'text.txt');
    writeFileSync(join(dir, 'grid.json'), JSON.stringify({
      // each run trains for 1.5 s: long enough that two started together overlap however slow the start
      base: { data: 'text.txt', hidden: 8, embed: 4, layers: 1, batch: 2, seq: 16, epochs: 100000, 'max-time': 1.5 },
      runs: [{ cell: 'rnn', activation: 'relu' }, { cell: 'gru' }],
    }));
    const cores = availableParallelism();
    const r = await rnnlabAsync(['sweep', '--grid', 'grid.json', '--backend', 'js', '--parallel', '2', '--threads', String(cores), '--json', '--out', 'sw'], { cwd: dir });
    assertOk(r, 'sweep --parallel 2');
    assert.match(r.stderr, new RegExp(`warning: 2 runs × ${cores} threads? is more than the ${cores} cores? here`));
    const out = join(dir, 'sw');
    const results = readResults(out);
    assert.deepEqual(JSON.parse(r.stdout), results, '--json prints results.json');
    assert.deepEqual(results.map((x) => [x.run, x.params, x.status]), [
      ['cell=rnn,activation=relu', { cell: 'rnn', activation: 'relu' }, 'done'],
      ['cell=gru', { cell: 'gru' }, 'done'],
    ]);
    const spans = results.map((x) => {
      const metrics = join(out, x.run, 'metrics.jsonl');
      const [start] = starts(join(out, x.run));
      const end = readMetrics(metrics).at(-1)!;
      assert.equal(end.type, 'end');
      assert.equal(end.stopped_by, 'time');
      // the end line is the last thing train appends to metrics.jsonl
      return { from: Date.parse(start.time as string), to: statSync(metrics).mtimeMs };
    });
    assert.ok(spans[0].from < spans[1].to && spans[1].from < spans[0].to, `the runs should overlap: ${JSON.stringify(spans)}`);
    const saved = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8'));
    assert.equal(saved.base.data, join(dir, 'text.txt'), 'files saved as absolute paths');
    assert.equal(saved.base.maxTime, 1.5);
    assert.equal(saved.parallel, 2);
  });

  it('stops on Ctrl-C with the run saved, and --resume skips finished runs and continues the interrupted one', async () => {
    const dir = tempDir('sweep-resume');
    writePangrams(dir, 'text.txt');
    const args = ['sweep', '--data', 'text.txt', ...SMALL, '--epochs', '1000', '--max-steps', '3,1500', '--out', 'sw'];
    const out = join(dir, 'sw'), first = join(out, 'max-steps=3'), second = join(out, 'max-steps=1500');
    const stopped = await sweepAndInterrupt(args, dir, join(second, 'metrics.jsonl'));
    assert.equal(stopped.status, 130, show(stopped));
    assert.match(stopped.stderr, /interrupted; continue with: rnnlab sweep --out sw --resume/);
    let results = readResults(out);
    assert.deepEqual(results.map((x) => x.status), ['done', 'interrupted']);
    assert.ok(existsSync(join(second, 'last.safetensors')), 'the interrupted run saved where it stopped');
    const firstMetrics = readFileSync(join(first, 'metrics.jsonl'), 'utf8');
    const wallBefore = results[1].wall_seconds!;

    const resumed = await rnnlabAsync(['sweep', '--out', 'sw', '--resume'], { cwd: dir, timeoutMs: 120_000 });
    assertOk(resumed, 'sweep --resume');
    assert.match(resumed.stderr, /\[2\/2\] resume max-steps=1500/);
    assert.doesNotMatch(resumed.stderr, /max-steps=3\b/, 'the finished run is not started again');
    assert.equal(readFileSync(join(first, 'metrics.jsonl'), 'utf8'), firstMetrics);
    const sessions = starts(second);
    assert.equal(sessions.length, 2);
    assert.ok(sessions[1].resumed === true && sessions[1].step > 0, JSON.stringify(sessions[1]));
    results = readResults(out);
    assert.deepEqual(results.map((x) => [x.status, x.steps]), [['done', 3], ['done', 1500]]);
    assert.ok(results[1].wall_seconds! > wallBefore, 'the wall time of both sessions');

    // The same command again: everything is done, nothing runs.
    const again = await rnnlabAsync(args, { cwd: dir });
    assertOk(again, 'the same sweep again');
    assert.match(again.stderr, /2 runs \(2 done before\)/);
    assert.equal(starts(second).length, 2);

    // A run that finished while no sweep was watching (its summary never written) is known finished by its metrics.
    rmSync(join(second, 'summary.json'));
    const last = await rnnlabAsync(['sweep', '--out', 'sw', '--resume', '--quiet'], { cwd: dir });
    assertOk(last, 'resume with a summary missing');
    assert.equal(starts(second).length, 2);
    assert.deepEqual(readResults(out)[1].val_perplexity, results[1].val_perplexity);
    assert.ok(existsSync(join(second, 'summary.json')));
  });
});

/** Starts a sweep and sends it SIGINT once `metrics` (the run to interrupt) shows a step. */
function sweepAndInterrupt(args: string[], cwd: string, metrics: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const poll = setInterval(() => {
      if (!existsSync(metrics) || !readFileSync(metrics, 'utf8').includes('"type":"step"')) return;
      clearInterval(poll);
      child.kill('SIGINT');
    }, 10);
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearInterval(poll);
      clearTimeout(killer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}
