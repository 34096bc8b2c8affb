/**
 * What a run's directory says about it, so a resumed sweep trusts the disk rather than its own
 * notes: a run is finished when its summary is there (summary.json: what `train --json` printed)
 * or its metrics.jsonl ends with a stop that was not an interrupt (a run that finished after
 * its sweep was killed); resumable when it has a last.safetensors; otherwise it starts afresh.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import type { EndEvent, TestEvent, ValEvent } from '../train/events.js';

/** `rnnlab train --json`'s summary (src/cli/train.ts). */
export interface TrainJsonSummary {
  steps: number;
  epochs: number;
  stopped_by: string;
  elapsed_seconds: number;
  tokens_per_sec: number;
  best?: { loss: number; perplexity: number; bits_per_token: number; tokens: number } | null;
  /** A run scored on a test file: as `best`, or a bare number. */
  test?: { perplexity?: number; loss?: number; bits_per_token?: number; tokens?: number; oov?: number } | null;
  test_perplexity?: number;
}

export type RunState = { kind: 'done'; summary: TrainJsonSummary } | { kind: 'resumable' } | { kind: 'new' };

export const SUMMARY_FILE = 'summary.json';

export function runState(dir: string): RunState {
  const summary = readJson<TrainJsonSummary>(join(dir, SUMMARY_FILE));
  if (summary) return { kind: 'done', summary };
  if (!existsSync(join(dir, 'last.safetensors'))) return { kind: 'new' };
  const fromMetrics = summaryFromMetrics(join(dir, 'metrics.jsonl'));
  if (fromMetrics) {
    writeSummary(dir, fromMetrics);
    return { kind: 'done', summary: fromMetrics };
  }
  return { kind: 'resumable' };
}

export function writeSummary(dir: string, summary: TrainJsonSummary): void {
  writeFileAtomic(join(dir, SUMMARY_FILE), JSON.stringify(summary, null, 2) + '\n');
}

/** The measures of a finished run for results.json: from its summary, and its size (every parameter, frozen ones included) from config.json. */
export function runMeasures(dir: string, s: TrainJsonSummary): {
  val_perplexity?: number; val_bits?: number; test_perplexity?: number; parameters?: number; tokens_per_sec: number; epochs: number; steps: number;
} {
  const config = readJson<{ parameters?: { total?: number } }>(join(dir, 'config.json'));
  const parameters = config?.parameters?.total;
  const test = s.test?.perplexity ?? s.test_perplexity;
  return {
    ...(s.best ? { val_perplexity: s.best.perplexity, val_bits: s.best.bits_per_token } : {}),
    ...(typeof test === 'number' ? { test_perplexity: test } : {}),
    ...(typeof parameters === 'number' ? { parameters } : {}),
    tokens_per_sec: s.tokens_per_sec, epochs: s.epochs, steps: s.steps,
  };
}

/**
 * The summary of a run whose last session ran to its end (not an interrupt, not a failure), from the events
 * train wrote: what `train --json` would have printed. Null while the run has more to do.
 */
function summaryFromMetrics(path: string): TrainJsonSummary | null {
  if (!existsSync(path)) return null;
  const events = readFileSync(path, 'utf8').split('\n').flatMap((l) => {
    try {
      return [JSON.parse(l) as { type: string }];
    } catch {
      return []; // blank or torn line
    }
  });
  // the session's last line is its end, or (with --test-data) the test score written after it
  const last = events.at(-1);
  const test = last?.type === 'test' ? (last as TestEvent) : null;
  const end = test ? events.at(-2) : last;
  // an interrupted run has more to do; one stopped by bad numbers failed (train exited 1)
  if (end?.type !== 'end' || ['interrupt', 'nonfinite', 'diverged'].includes((end as EndEvent).stopped_by)) return null;
  const e = end as EndEvent;
  const best = (events.filter((x) => x.type === 'val') as ValEvent[]).filter((v) => v.best).at(-1);
  return {
    steps: e.step, epochs: e.epoch, stopped_by: e.stopped_by, elapsed_seconds: +e.elapsed.toFixed(2), tokens_per_sec: Math.round(e.tokens_per_sec),
    best: best ? { loss: best.loss, perplexity: best.perplexity, bits_per_token: best.bits_per_token, tokens: best.tokens } : null,
    ...(test ? { test: { loss: test.loss, perplexity: test.perplexity, bits_per_token: test.bits_per_token, tokens: test.tokens, oov: test.oov } } : {}),
  };
}

export function readJson<T>(path: string): T | null {
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return null;
  }
}
