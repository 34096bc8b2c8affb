/** Every run checked before any starts: train's own rules, one line naming the run. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RnnlabError } from '../../src/errors.js';
import { checkRuns } from '../../src/sweep/check.js';
import { expandGrid } from '../../src/sweep/grid.js';
import { tempDir } from '../cli/helpers.js';

const oneLine = (re: RegExp) => (e: Error) => e instanceof RnnlabError && re.test(e.message) && !e.message.includes('\n');

describe('checkRuns', () => {
  const dir = tempDir('check');
  const data = join(dir, 'a.txt');
  writeFileSync(data, 'some text\n');

  it('passes a grid of valid runs', () => {
    checkRuns(expandGrid({ base: { data }, grid: { cell: ['rnn', 'gru'], hidden: [8, 16] } }));
  });

  it('finds a conflict in one run of the grid (the later one), naming it', () => {
    assert.throws(() => checkRuns(expandGrid({ base: { data, activation: 'relu' }, grid: { cell: ['rnn', 'lstm'] } })),
      oneLine(/^run cell=lstm: --activation applies only to --cell rnn/));
  });

  it('checks the model settings a run would only meet when its model is built (--init, --tie-weights)', () => {
    assert.throws(() => checkRuns(expandGrid({ base: { data }, grid: { init: ['pytorch', 'uniform:x'] } })), oneLine(/^run init=uniform_x: --init uniform:A needs a positive bound A/));
    assert.throws(() => checkRuns(expandGrid({ base: { data, tieWeights: true, hidden: 16 }, grid: { embed: [16, 8] } })), oneLine(/^run embed=8: --tie-weights needs the embedding size to equal the hidden size/));
  });

  it('refuses bad values and unknown settings with the flag train would name', () => {
    assert.throws(() => checkRuns(expandGrid({ base: { data }, grid: { hidden: [8, 0] } })), oneLine(/^run hidden=0: --hidden must be an integer from 1/));
    assert.throws(() => checkRuns(expandGrid({ base: { data }, grid: { hiden: [8, 9] } })), oneLine(/unknown training setting "hiden"/));
    assert.throws(() => checkRuns(expandGrid({ base: { data }, grid: { lr: ['0.1', 0.2] } })), oneLine(/--lr must be a number/));
  });

  it('checks that every data and embeddings file is there', () => {
    assert.throws(() => checkRuns(expandGrid({ grid: { data: [data, join(dir, 'b.txt')] } })), oneLine(/^run data=b\.txt: --data .*b\.txt: no such file$/));
    assert.throws(() => checkRuns(expandGrid({ base: { data, level: 'word', embeddings: join(dir, 'glove.txt') } })), oneLine(/^--embeddings .*glove\.txt: no such file$/));
    assert.throws(() => checkRuns(expandGrid({ base: { hidden: 8 } })), oneLine(/train needs --data FILE/));
  });
});
