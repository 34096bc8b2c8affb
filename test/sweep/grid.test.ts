/** A sweep's spec → its runs: grid order, the list form, names and params, and the shapes refused. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RnnlabError } from '../../src/errors.js';
import { absoluteFiles, expandGrid, normalizeSpec, parseSweepFile, runName } from '../../src/sweep/grid.js';
import { trainArgs } from '../../src/sweep/runner.js';
import { tempDir } from '../cli/helpers.js';

describe('expandGrid', () => {
  it('combines every value, the first setting varying slowest, and names runs by their varied values', () => {
    const runs = expandGrid({ base: { data: 'a.txt', epochs: 3 }, grid: { cell: ['rnn', 'lstm'], hidden: [128, 256], lr: [0.001, 0.003] } });
    assert.equal(runs.length, 8);
    assert.deepEqual(runs.map((r) => r.name).slice(0, 3), ['cell=rnn,hidden=128,lr=0.001', 'cell=rnn,hidden=128,lr=0.003', 'cell=rnn,hidden=256,lr=0.001']);
    assert.equal(runs[7].name, 'cell=lstm,hidden=256,lr=0.003');
    assert.deepEqual(runs[7].params, { cell: 'lstm', hidden: 256, lr: 0.003 });
    assert.deepEqual(runs[7].options, { data: 'a.txt', epochs: 3, cell: 'lstm', hidden: 256, lr: 0.003 });
  });

  it('crosses the list form with the grid; params are the settings that differ, as the run has them', () => {
    const runs = expandGrid({
      base: { data: 'a.txt', lr: 0.01 },
      grid: { hidden: [8, 16] },
      runs: [{ cell: 'rnn', activation: 'relu' }, { cell: 'rnn' }, { cell: 'gru', lr: 0.02 }],
    });
    assert.deepEqual(runs.map((r) => r.name), [
      'hidden=8,cell=rnn,activation=relu,lr=0.01', 'hidden=16,cell=rnn,activation=relu,lr=0.01',
      'hidden=8,cell=rnn,lr=0.01', 'hidden=16,cell=rnn,lr=0.01',
      'hidden=8,cell=gru,lr=0.02', 'hidden=16,cell=gru,lr=0.02',
    ]);
    // activation is unset in the tanh run (not a default filled in); lr comes from the base where the entry has none
    assert.deepEqual(runs[0].params, { hidden: 8, cell: 'rnn', activation: 'relu', lr: 0.01 });
    assert.deepEqual(runs[2].params, { hidden: 8, cell: 'rnn', lr: 0.01 });
    assert.equal(runs[5].options.lr, 0.02);
  });

  it('runs the list alone, and one run for a base alone', () => {
    assert.deepEqual(expandGrid({ base: { data: 'a' }, runs: [{ hidden: 8 }, { hidden: 9 }] }).map((r) => r.name), ['hidden=8', 'hidden=9']);
    const [only] = expandGrid({ base: { data: 'a', hidden: 8 } });
    assert.deepEqual([only.name, only.params], ['run', {}]);
  });

  it('leaves out of the names and params a setting that is the same in every run', () => {
    const runs = expandGrid({ base: { data: 'a' }, grid: { hidden: [8], lr: [0.1, 0.2] } });
    assert.deepEqual(runs.map((r) => r.name), ['lr=0.1', 'lr=0.2']);
    assert.equal(runs[0].options.hidden, 8);
  });

  it('refuses a setting in both the grid and the list, and runs with the same settings', () => {
    assert.throws(() => expandGrid({ grid: { hidden: [8, 9] }, runs: [{ hidden: 8 }] }), (e: Error) => e instanceof RnnlabError && /"hidden" is in both the grid and runs\[0\]/.test(e.message));
    assert.throws(() => expandGrid({ base: { hidden: 8 }, runs: [{ lr: 0.1 }, { cell: 'gru' }, { lr: 0.1 }] }), /runs 1 and 3 of the sweep have the same settings/);
  });

  it('makes switches swept from JSON into text params', () => {
    const runs = expandGrid({ base: { data: 'a' }, grid: { lowercase: [false, true] } });
    assert.deepEqual(runs.map((r) => [r.name, r.params.lowercase]), [['lowercase=false', 'false'], ['lowercase=true', 'true']]);
  });
});

describe('runName', () => {
  it('is safe as one folder name: files by their base name, other characters replaced', () => {
    assert.equal(runName({ data: '/corpora/books/anna karenina.txt', 'text-field': 'a/b,c' }), 'data=anna_karenina.txt,text-field=a_b_c');
    assert.equal(runName({ lr: 1e-7, 'max-steps': 10 }), 'lr=1e-7,max-steps=10');
  });

  it('keeps long names under ~200 characters and apart', () => {
    const a = runName({ data: 'x'.repeat(300) + 'a' }), b = runName({ data: 'x'.repeat(300) + 'b' });
    assert.ok(a.length <= 200 && b.length <= 200, `${a.length}`);
    assert.notEqual(a, b);
  });

  it('tells apart runs whose names differ only in characters a folder cannot hold', () => {
    const runs = expandGrid({ base: { data: 'a.json' }, grid: { textField: ['a/b', 'a_b'] } });
    assert.deepEqual(runs.map((r) => r.name), ['text-field=a_b', 'text-field=a_b-2']);
  });
});

describe('normalizeSpec and grid files', () => {
  it('takes settings by flag name or library name', () => {
    const s = normalizeSpec({ base: { 'max-steps': 3, textColumn: '1,2' }, grid: { 'weight-decay': [0, 0.1] }, runs: [{ 'tie-weights': true }] });
    assert.deepEqual(s, { base: { maxSteps: 3, textColumn: '1,2' }, grid: { weightDecay: [0, 0.1] }, runs: [{ tieWeights: true }] });
  });

  it('refuses what is not a spec, in one line naming the place', () => {
    const bad: [unknown, RegExp][] = [
      [[], /must be a JSON object/],
      [{ grids: {} }, /has "grids": only "base", "grid" and "runs"/],
      [{ grid: { hidden: 8 } }, /grid "hidden" must be a non-empty list/],
      [{ grid: { hidden: [] } }, /grid "hidden" must be a non-empty list/],
      [{ runs: {} }, /"runs" must be a list/],
      [{ runs: [3] }, /"runs\[0\]" must be an object/],
      [{ base: { out: 'x' } }, /sets "out": the sweep gives each run its own directory/],
      [{ grid: { out: ['x', 'y'] } }, /sets "out"/],
    ];
    for (const [json, re] of bad) assert.throws(() => normalizeSpec(json), (e: Error) => e instanceof RnnlabError && re.test(e.message) && !e.message.includes('\n'), JSON.stringify(json));
  });

  it('reads a grid file, saying which file is wrong', () => {
    const dir = tempDir('grid');
    const good = join(dir, 'grid.json'), broken = join(dir, 'broken.json');
    writeFileSync(good, JSON.stringify({ base: { data: 'a.txt' }, grid: { hidden: [128, 256], lr: [0.001, 0.003] } }));
    writeFileSync(broken, '{"grid": {');
    assert.equal(expandGrid(parseSweepFile(good)).length, 4);
    assert.throws(() => parseSweepFile(broken), /the grid file .*broken\.json is not valid JSON/);
    assert.throws(() => parseSweepFile(join(dir, 'missing.json')), /cannot read the grid file .*missing\.json: ENOENT/);
  });

  it('makes file settings absolute (data, embeddings), and nothing else', () => {
    const cwd = join(tmpdir(), 'sweep-here'), abs = join(tmpdir(), 'vectors', 'w.bin');
    const s = absoluteFiles(normalizeSpec({ base: { data: 'a.txt', textField: 'body' }, grid: { embeddings: ['g.txt', abs] } }), cwd);
    assert.deepEqual(s.base, { data: join(cwd, 'a.txt'), textField: 'body' });
    assert.deepEqual(s.grid.embeddings, [join(cwd, 'g.txt'), abs]);
  });
});

describe('trainArgs', () => {
  it('writes a run\'s settings as train flags, switches as train spells them', () => {
    assert.deepEqual(
      trainArgs({ data: '/d.csv', lr: 0.001, maxSteps: 3, textColumn: '1,2', lowercase: true, tieWeights: false, header: false, cell: 'gru' }),
      ['--data', '/d.csv', '--lr', '0.001', '--max-steps', '3', '--text-column', '1,2', '--lowercase', '--no-header', '--cell', 'gru'],
    );
    assert.deepEqual(trainArgs({ header: true }), []);
  });
});
