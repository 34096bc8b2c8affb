/**
 * Runs for the resume tests: the same training in one go and stopped (--max-steps) then resumed,
 * and the parts of metrics.jsonl that must agree between them.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertOk, inParallel, readMetrics, readSafetensorsHeader, rnnlabAsync, tempDir, writePangrams, type Metric, type RunResult } from './helpers.js';

/** What must match between runs: the step and val lines, without the timing fields. */
export function comparable(ms: Metric[], type?: 'step' | 'val'): string[] {
  return ms.filter((m) => (type ? m.type === type : m.type === 'step' || m.type === 'val')).map((m) => {
    const { tokens_per_sec: _a, elapsed: _b, ...rest } = m;
    return JSON.stringify(rest);
  });
}

/**
 * The validations of a run as the uninterrupted run makes them: a run stopped by --max-steps
 * at `split` inside an epoch validated there once more (marked final, kept in its history);
 * that line is left out, and so is `best`, which that extra validation may move (it can become
 * model.safetensors). Epoch-end decisions (--lr-decay, --patience) show in the step lines' lr
 * and in where the run stops.
 */
export function validations(ms: Metric[], split?: number): string[] {
  return ms.filter((m) => m.type === 'val' && !(m.final && m.step === split)).map((m) => {
    const { best: _b, ...rest } = m;
    return JSON.stringify(rest);
  });
}

/** The tensor bytes of a safetensors file (everything after the header). */
export function tensorBytes(path: string): Buffer {
  const h = readSafetensorsHeader(path);
  return readFileSync(path).subarray(8 + h.headerLength);
}

export interface Plan {
  name: string;
  /** train arguments shared by every run (no --out, no --max-steps). */
  args: string[];
  /** Total steps of the uninterrupted run (as --max-steps; 0: let it stop by itself). */
  total: number;
  /** Where the first part stops. */
  splits: number[];
}

/**
 * Runs `total` steps in one go, and for each split `--max-steps split` then `--resume`;
 * returns the metrics of each and the run directories.
 */
export async function resumeRuns(p: Plan): Promise<{ dir: string; whole: Metric[]; parts: { split: number; ms: Metric[]; out: string; before: Metric[] }[] }> {
  const dir = tempDir('resume');
  const data = writePangrams(dir, 'text.txt', 10);
  const args = ['train', '--data', data, ...p.args, '--quiet'];
  const budget = p.total > 0 ? ['--max-steps', String(p.total)] : [];
  const check = (r: RunResult, what: string) => assertOk(r, `${p.name}: ${what}`);
  const before = new Map<number, Metric[]>();
  const jobs = [
    async () => check(await rnnlabAsync([...args, '--out', 'whole', ...budget], { cwd: dir }), 'uninterrupted run'),
    ...p.splits.map((s) => async () => {
      check(await rnnlabAsync([...args, '--out', `part${s}`, '--max-steps', String(s)], { cwd: dir }), `--max-steps ${s}`);
      before.set(s, readMetrics(join(dir, `part${s}`, 'metrics.jsonl')));
      // the budget of the first part is the run's own: the resume gives the whole run's anew
      const r = await rnnlabAsync([...args, '--out', `part${s}`, '--resume', '--max-steps', String(p.total)], { cwd: dir });
      check(r, `--resume after ${s}`);
    }),
  ];
  await inParallel(jobs);
  return {
    dir,
    whole: readMetrics(join(dir, 'whole', 'metrics.jsonl')),
    parts: p.splits.map((s) => ({ split: s, ms: readMetrics(join(dir, `part${s}`, 'metrics.jsonl')), out: join(dir, `part${s}`), before: before.get(s)! })),
  };
}

export function assertSameSteps(whole: Metric[], part: Metric[], what: string): void {
  const a = comparable(whole, 'step'), b = comparable(part, 'step');
  const i = a.findIndex((x, k) => x !== b[k]);
  assert.ok(i < 0 && a.length === b.length, `${what}: step lines differ ${i >= 0 ? `first at line ${i + 1}:\n  whole:   ${a[i]}\n  resumed: ${b[i]}` : `in count: ${a.length} vs ${b.length}`}`);
}
