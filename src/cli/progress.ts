/**
 * Training progress for people, as a RunSink over the run's events: a live bar (loss,
 * tokens/s, ETA) on a terminal; on a pipe or file, one plain line every ~10 % of the run, so
 * logs stay readable.
 */
import cliProgress from 'cli-progress';
import type { NonFiniteEvent, RunEvent, RunSink, ValEvent } from '../train/events.js';
import { fmtLoss, fmtRate, fmtTime } from '../util/format.js';

export { fmtRate, fmtTime };

export function describeVal(v: ValEvent, level: string): string {
  const unit = level === 'char' ? 'bits/char' : 'bits/token';
  const what = v.untrained ? 'untrained' : `epoch ${v.epoch + 1} step ${v.step}${v.final ? ', final' : ''}`;
  const measures = v.accuracy !== undefined
    ? `accuracy ${(v.accuracy * 100).toFixed(2)} %`
    : `perplexity ${v.perplexity.toFixed(2)} · ${v.bits_per_token.toFixed(3)} ${unit}`;
  return `validation (${what}): loss ${fmtLoss(v.loss)} · ${measures}${v.best ? ' · best' : ''}`;
}

/** Skipped batches shown one line each; later ones are only counted (step lines and the summary). */
const SKIPS_SHOWN = 10;

export function describeSkip(e: NonFiniteEvent): string {
  const more = e.skipped === SKIPS_SHOWN ? `; further skips are counted, not shown` : '';
  const f = (x: number | string) => (typeof x === 'number' ? fmtLoss(x) : x);
  return `step ${e.step}: loss ${f(e.loss)} · gradient norm ${f(e.grad_norm)}: batch skipped, no update (--on-nonfinite skip; ${e.skipped} skipped so far${more})`;
}

export interface ProgressSink extends RunSink {
  /** Takes the bar off the terminal (before printing anything else). */
  stop(): void;
  /** A line between bar updates. */
  line(s: string): void;
}

/**
 * `level`: the token level ('char' names bits/char); `expectedUntrained`: the vocabulary size
 * an untrained language model's perplexity should be near. `classes`: a classifier's number of
 * classes (accuracy shown, counts are documents).
 */
export function progressSink(level: string, quiet: boolean, expectedUntrained: number, classes = 0): ProgressSink {
  const tty = process.stderr.isTTY && !quiet;
  let bar: cliProgress.SingleBar | null = null;
  let total = 0, nextLine = 0, maxTime = 0, elapsedAtStart = 0, lastLineAt = 0;
  // The clock starts at the first step, so the untrained validation and warm-up don't inflate the ETA.
  let firstStep = -1, firstAt = 0;
  let lastStep = 0, skipped = 0;
  let lastPayload: Record<string, string> = { loss: '-', rate: '-', epoch: '1', left: '?', acc: '-', skips: '' };
  const line = (s: string) => {
    if (quiet) return;
    if (bar) {
      bar.stop();
      process.stderr.write(s + '\n');
      bar.start(total, lastStep, lastPayload);
    } else process.stderr.write(s + '\n');
  };
  /** Time left: by steps, or by the --max-time budget when that ends first. */
  const eta = (step: number, elapsed: number): number => {
    const done = step - firstStep, secs = (performance.now() - firstAt) / 1000;
    let t = firstStep >= 0 && done > 0 ? ((total - step) * secs) / done : NaN;
    if (maxTime > 0) t = Math.min(Number.isFinite(t) ? t : Infinity, Math.max(0, maxTime - elapsed));
    return t;
  };
  const handlers = {
    start(e: Extract<RunEvent, { type: 'start' }>) {
      total = e.total_steps;
      nextLine = e.step;
      lastStep = e.step;
      maxTime = e.max_time;
      elapsedAtStart = e.elapsed;
      const frozen = e.params - e.trainable_params;
      line(`model: ${e.params.toLocaleString('en-US')} parameters${frozen ? ` (${frozen.toLocaleString('en-US')} frozen)` : ''} · training on ${e.train_tokens.toLocaleString('en-US')} tokens, validating on ${e.val_tokens.toLocaleString('en-US')} · ${e.steps_per_epoch} steps per epoch${e.resumed ? ` · resuming at step ${e.step}` : ''}`);
      if (tty) {
        bar = new cliProgress.SingleBar({
          format: `epoch {epoch} |{bar}| {value}/{total} steps · loss {loss}${classes ? ' · acc {acc}' : ''}{skips} · {rate} ${classes ? 'docs' : 'tok'}/s · ETA {left}`,
          stream: process.stderr, hideCursor: true, etaBuffer: 50, barsize: 24, fps: 5,
        }, cliProgress.Presets.shades_classic);
        bar.start(total, e.step, lastPayload);
      }
    },
    step(e: Extract<RunEvent, { type: 'step' }>) {
      if (firstStep < 0) {
        firstStep = e.step;
        firstAt = performance.now();
      }
      lastStep = e.step;
      lastPayload = {
        loss: fmtLoss(e.loss), rate: fmtRate(e.tokens_per_sec), epoch: String(e.epoch + 1), left: fmtTime(eta(e.step, e.elapsed)),
        acc: e.accuracy !== undefined ? `${(e.accuracy * 100).toFixed(1)}%` : '-',
        skips: skipped ? ` · ${skipped} skipped` : '',
      };
      if (bar) bar.update(e.step, lastPayload);
      else if (!quiet && (e.step >= nextLine || e.step === total || (maxTime > 0 && performance.now() - lastLineAt > (maxTime - elapsedAtStart) * 100))) {
        nextLine = e.step + Math.max(1, Math.round(total / 10));
        lastLineAt = performance.now();
        const acc = e.accuracy !== undefined ? ` · accuracy ${(e.accuracy * 100).toFixed(1)} %` : '';
        process.stderr.write(`step ${e.step}/${total} · epoch ${e.epoch + 1} · loss ${fmtLoss(e.loss)}${acc}${lastPayload.skips} · ${fmtRate(e.tokens_per_sec)} ${classes ? 'docs' : 'tok'}/s · ETA ${fmtTime(eta(e.step, e.elapsed))}\n`);
      }
    },
    nonfinite(e: NonFiniteEvent) {
      // a stop is told by the error that ends the command
      if (e.action !== 'skip') return;
      skipped = e.skipped;
      if (e.skipped <= SKIPS_SHOWN) line(describeSkip(e));
    },
    val(e: ValEvent) {
      const hint = classes ? ` (≈ ${(100 / classes).toFixed(0)} % expected by chance)` : ` (≈ vocabulary size ${expectedUntrained} expected)`;
      line(describeVal(e, level) + (e.untrained ? hint : ''));
    },
  };
  const stop = () => {
    if (bar) bar.stop();
    bar = null;
  };
  return {
    event(e: RunEvent) {
      if (e.type === 'start') handlers.start(e);
      else if (e.type === 'step') handlers.step(e);
      else if (e.type === 'val') handlers.val(e);
      else if (e.type === 'nonfinite') handlers.nonfinite(e);
      else stop();
    },
    stop,
    line,
  };
}
