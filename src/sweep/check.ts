/**
 * Every run of a sweep checked before any starts, by the rules `rnnlab train` applies to a new
 * run (values, conflicting settings, the data file), so a typo costs one line at once rather
 * than a failed run an hour in. What only the data can tell (too little text for a batch, a
 * model too large for memory) is found when a run starts, and that run alone fails.
 */
import { statSync } from 'node:fs';
import { RnnlabError } from '../errors.js';
import { flagOf } from '../run/config.js';
import { resolveNewRun } from '../run/resolve.js';
import { isFileSetting, type SweepRun } from './grid.js';

export function checkRuns(runs: readonly SweepRun[]): void {
  const checkedFiles = new Set<string>();
  for (const run of runs) {
    const where = runs.length > 1 ? `run ${run.name}: ` : '';
    try {
      // The out is the sweep's to choose; a placeholder keeps resolveNewRun from picking one.
      resolveNewRun({ ...run.options, out: run.name });
    } catch (e) {
      if (e instanceof RnnlabError) throw new RnnlabError(where + e.message);
      throw e;
    }
    for (const [k, v] of Object.entries(run.options)) {
      if (!isFileSetting(k) || typeof v !== 'string' || checkedFiles.has(v)) continue;
      let isFile = false;
      try {
        isFile = statSync(v).isFile();
      } catch {
        // missing: said below
      }
      if (!isFile) throw new RnnlabError(`${where}${flagOf(k)} ${v}: no such file`);
      checkedFiles.add(v);
    }
  }
}
