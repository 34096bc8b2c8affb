/**
 * A sweep's view of a run directory on --resume (src/sweep/outcome.ts): a run whose last session
 * ended by its budget is done; one interrupted, or stopped by bad numbers (train exited 1), is not.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runState } from '../../src/sweep/outcome.js';

test('runState: a run that ended by its budget is done; interrupted, nonfinite and diverged ones are not', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnnlab-outcome-'));
  try {
    writeFileSync(join(dir, 'last.safetensors'), '');
    const end = (stoppedBy: string) => writeFileSync(join(dir, 'metrics.jsonl'), [
      { type: 'start', step: 0 }, { type: 'step', step: 1, loss: 3 },
      { type: 'end', step: 1, epoch: 0, stopped_by: stoppedBy, elapsed: 1, tokens_per_sec: 10, best_loss: null, skipped: 0 },
    ].map((e) => JSON.stringify(e)).join('\n') + '\n');
    for (const why of ['interrupt', 'nonfinite', 'diverged']) {
      end(why);
      assert.deepEqual(runState(dir), { kind: 'resumable' }, why);
    }
    end('max-steps');
    assert.equal(runState(dir).kind, 'done');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
