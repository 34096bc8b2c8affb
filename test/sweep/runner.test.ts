/** The library's Sweep: what it refuses before it writes anything, and one small sweep with its events. */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RnnlabError } from '../../src/errors.js';
import { runSweep, Sweep, type SweepEvent } from '../../src/sweep/runner.js';
import { tempDir, writePangrams } from '../cli/helpers.js';

const refused = (re: RegExp) => (e: Error) => e instanceof RnnlabError && re.test(e.message);

describe('Sweep', () => {
  const dir = tempDir('sweep-lib');
  const data = writePangrams(dir, 'text.txt');
  const base = { data, hidden: 8, embed: 4, layers: 1, batch: 2, seq: 16, maxSteps: 2 };

  it('refuses, writing nothing: a directory that is not a sweep, a resume without one, bad parallel/threads/backend', async () => {
    const other = join(dir, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'notes.txt'), 'mine');
    await assert.rejects(Sweep.create({ base, grid: { lr: [0.1, 0.2] } }, { out: other }), refused(/is not a sweep directory/));
    assert.deepEqual(readdirSync(other), ['notes.txt']);
    await assert.rejects(Sweep.create(undefined, { out: join(dir, 'none'), resume: true }), refused(/cannot resume: .*sweep\.json does not exist/));
    await assert.rejects(Sweep.create(undefined, { out: join(dir, 'none') }), refused(/needs settings to vary/));
    const out = join(dir, 'never');
    await assert.rejects(Sweep.create({ base, grid: { lr: [0.1, 0.2] } }, { out, parallel: 0 }), refused(/--parallel must be a positive integer/));
    await assert.rejects(Sweep.create({ base, grid: { lr: [0.1, 0.2] } }, { out, threads: 1.5 }), refused(/--threads must be a positive integer/));
    await assert.rejects(Sweep.create({ base, grid: { lr: [0.1, 0.2] } }, { out, backend: 'gpu' as never }), refused(/--backend must be one of/));
    assert.ok(!existsSync(out));
  });

  it('runs a spec to its results, telling its progress', async () => {
    const events: SweepEvent[] = [];
    const out = join(dir, 'lr');
    const results = await runSweep({ base, grid: { lr: [0.001, 0.05] } }, { out, backend: 'js', threads: 1, onEvent: (e) => events.push(e) });
    assert.deepEqual(results.map((r) => [r.run, r.status, r.steps]), [['lr=0.001', 'done', 2], ['lr=0.05', 'done', 2]]);
    assert.deepEqual(events.map((e) => e.type), ['start', 'run-start', 'run-end', 'run-start', 'run-end', 'end']);
    const ends = events.filter((e): e is Extract<SweepEvent, { type: 'run-end' }> => e.type === 'run-end');
    assert.deepEqual(ends.map((e) => [e.index, e.finished, e.total, e.ranked]), [[0, 1, 2, 1], [1, 2, 2, 2]]);
    assert.equal(ends[0].rank, 1);
    assert.equal(ends[1].rank, results[1].val_perplexity! < results[0].val_perplexity! ? 1 : 2);
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')), results);
    const saved = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8'));
    assert.deepEqual([saved.base, saved.grid, saved.runs, saved.threads, saved.backend], [base, { lr: [0.001, 0.05] }, [], 1, 'js']);
  });
});
