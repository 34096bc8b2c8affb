/** results.json (fixed schema, the sweep's order), results.csv and results.md (best validation perplexity first). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { afterResults, rankOf, sortByPerplexity, type SweepResult } from '../../src/sweep/results.js';
import { tempDir } from '../cli/helpers.js';

const RESULTS: SweepResult[] = [
  { run: 'hidden=8,lr=0.1', params: { hidden: 8, lr: 0.1 }, status: 'done', val_perplexity: 12.5, val_bits: 3.64, parameters: 838, tokens_per_sec: 4000, wall_seconds: 1.5, epochs: 1, steps: 3 },
  { run: 'hidden=8,lr=0.2', params: { hidden: 8, lr: 0.2 }, status: 'failed', wall_seconds: 0.2, error: 'a stream of 0 tokens is too short, "really"' },
  { run: 'hidden=16,lr=0.1', params: { hidden: 16, lr: 0.1 }, status: 'done', val_perplexity: 9.25, val_bits: 3.21, test_perplexity: 9.5, parameters: 1500, tokens_per_sec: 3000, wall_seconds: 2, epochs: 1, steps: 3 },
  { run: 'hidden=16,lr=0.2', params: { hidden: 16, lr: 0.2 }, status: 'pending' },
  { run: 'hidden=32,lr=0.1', params: { hidden: 32, lr: 0.1 }, status: 'done', val_perplexity: 10.75, val_bits: 3.43, parameters: 4000, tokens_per_sec: 2000, wall_seconds: 3, epochs: 1, steps: 3 },
];

describe('sweep results', () => {
  it('sorts by validation perplexity, runs without one last in the sweep order, and ranks finished runs', () => {
    assert.deepEqual(sortByPerplexity(RESULTS).map((r) => r.run), ['hidden=16,lr=0.1', 'hidden=32,lr=0.1', 'hidden=8,lr=0.1', 'hidden=8,lr=0.2', 'hidden=16,lr=0.2']);
    assert.deepEqual(RESULTS.map((r) => rankOf(RESULTS, r.run)), [3, 0, 1, 0, 2]);
  });

  it('writes results.json as given, results.csv and results.md sorted, atomically', async () => {
    const dir = tempDir('results');
    const files = await afterResults(dir, RESULTS);
    // the tables, then the heat map of the two varied settings (no run folder has curves to draw)
    assert.deepEqual(files, ['results.json', 'results.csv', 'results.md', 'sweep-perplexity.svg'].map((f) => join(dir, f)));
    assert.deepEqual(JSON.parse(readFileSync(files[0], 'utf8')), RESULTS);

    const csv = readFileSync(files[1], 'utf8').split('\r\n');
    assert.equal(csv[0], 'run,hidden,lr,status,val_perplexity,val_bits,test_perplexity,parameters,tokens_per_sec,wall_seconds,epochs,steps,error');
    assert.equal(csv[1], '"hidden=16,lr=0.1",16,0.1,done,9.25,3.21,9.5,1500,3000,2,1,3,');
    assert.equal(csv[4], '"hidden=8,lr=0.2",8,0.2,failed,,,,,,0.2,,,"a stream of 0 tokens is too short, ""really"""');
    assert.equal(csv[5], '"hidden=16,lr=0.2",16,0.2,pending,,,,,,,,,');
    assert.equal(csv.length, 7, 'a header, five rows and the final line end');

    const md = readFileSync(files[2], 'utf8').trim().split('\n');
    assert.equal(md[0], '| # | hidden | lr | val perplexity | val bits | test perplexity | parameters | tokens/s | wall s | status |');
    assert.equal(md[2], '| 1 | 16 | 0.1 | 9.250 | 3.2100 | 9.500 | 1,500 | 3,000 | 2.0 | done |');
    assert.equal(md[3], '| 2 | 32 | 0.1 | 10.750 | 3.4300 |  | 4,000 | 2,000 | 3.0 | done |');
    assert.match(md[5], /^\|  \| 8 \| 0\.2 \|.*\| failed: a stream of 0 tokens is too short, "really" \|$/);
    assert.equal(md.length, 7);
  });

  it('has no test perplexity column when no run scored a test file', async () => {
    const dir = tempDir('results');
    await afterResults(dir, RESULTS.filter((r) => r.test_perplexity === undefined));
    assert.doesNotMatch(readFileSync(join(dir, 'results.md'), 'utf8'), /test perplexity/);
  });
});
