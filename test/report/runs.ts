/**
 * Synthetic runs for the plot tests: events shaped as metrics.jsonl has them (a start line, the
 * untrained validation, noisy step losses falling towards a floor, a validation per epoch and
 * an end line), deterministic, so each test knows what must be drawn.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunEvent } from '../../src/train/events.js';
import { Rng } from '../../src/util/rng.js';

export interface SyntheticRun {
  steps: number;
  /** Steps per epoch (validation after each). */
  epoch?: number;
  classifier?: boolean;
  seed?: number;
  /** Seconds per step. */
  secondsPerStep?: number;
  /** Training loss floor (the validation loss sits a little above it). */
  floor?: number;
}

export function syntheticEvents(o: SyntheticRun): RunEvent[] {
  const rng = new Rng(o.seed ?? 1);
  const epoch = o.epoch ?? Math.max(1, Math.floor(o.steps / 4));
  const dt = o.secondsPerStep ?? 0.01, floor = o.floor ?? 1;
  const clean = (s: number) => floor + 2 * Math.exp(-s / (o.steps / 4));
  const events: RunEvent[] = [
    { type: 'start', time: '2026-01-01T00:00:00.000Z', step: 0, epoch: 0, resumed: false, total_steps: o.steps, steps_per_epoch: epoch, params: 1000, trainable_params: 1000, train_tokens: 10000, val_tokens: 1000, max_time: 0, elapsed: 0, precision: 'fp32' },
  ];
  const val = (step: number, extra: object = {}): RunEvent => {
    const loss = clean(step) + 0.1;
    return {
      type: 'val', step, epoch: Math.max(0, Math.ceil(step / epoch) - 1), loss, perplexity: Math.exp(loss), bits_per_token: loss / Math.LN2, tokens: 1000, best: step > 0,
      ...(o.classifier ? { accuracy: Math.min(0.95, 0.3 + step / o.steps) } : {}), ...extra,
    } as RunEvent;
  };
  events.push(val(0, { untrained: true }));
  for (let s = 1; s <= o.steps; s++) {
    const e = Math.floor((s - 1) / epoch);
    events.push({
      type: 'step', step: s, epoch: e, batch: ((s - 1) % epoch) + 1, batches: epoch, loss: clean(s) + 0.5 * (rng.next() - 0.5), grad_norm: 1, lr: 0.002,
      tokens: 64, tokens_per_sec: 6400, elapsed: s * dt, ...(o.classifier ? { accuracy: Math.min(0.95, 0.3 + s / o.steps) } : {}),
    });
    if (s % epoch === 0 || s === o.steps) events.push(val(s));
  }
  events.push({ type: 'end', step: o.steps, epoch: Math.ceil(o.steps / epoch), stopped_by: 'epochs', elapsed: o.steps * dt, tokens_per_sec: 6400, best_loss: clean(o.steps) + 0.1 });
  return events;
}

/** A run directory holding metrics.jsonl (and a minimal config.json) for these events. */
export function writeSyntheticRun(dir: string, o: SyntheticRun): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'metrics.jsonl'), syntheticEvents(o).map((e) => JSON.stringify(e) + '\n').join(''));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(o.classifier
    ? { command: 'classify', arch: 'classifier', config: { model: 'gru', hidden: 16 } }
    : { arch: 'lm', config: { level: 'char', cell: 'lstm', hidden: 16 } }));
  return dir;
}
