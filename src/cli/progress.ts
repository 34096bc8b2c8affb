/**
 * Training progress for people: a live bar (loss, tokens/s, ETA) on a terminal; on a pipe or
 * file, one plain line every ~10 % of the run, so logs stay readable.
 */
import cliProgress from 'cli-progress';
import type { StepEvent, TrainEvents, ValEvent } from '../train/lm-trainer.js';

export function fmtRate(tps: number): string {
  return tps >= 1000 ? `${(tps / 1000).toFixed(1)}k` : tps.toFixed(0);
}

export function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function describeVal(v: ValEvent, level: string): string {
  const r = v.result;
  const unit = level === 'char' ? 'bits/char' : 'bits/token';
  const what = v.untrained ? 'untrained' : `epoch ${v.epoch + 1} step ${v.step}`;
  return `validation (${what}): loss ${r.loss.toFixed(4)} · perplexity ${r.perplexity.toFixed(2)} · ${r.bitsPerToken.toFixed(3)} ${unit}${v.best ? ' · best' : ''}`;
}

export function progressEvents(level: string, quiet: boolean, vocabSize: number): TrainEvents & { stop(): void } {
  const tty = process.stderr.isTTY && !quiet;
  let bar: cliProgress.SingleBar | null = null;
  let total = 0, nextLine = 0, maxSeconds = 0, lastLineAt = 0;
  // The clock starts at the first step, so the untrained validation and warm-up don't inflate the ETA.
  let firstStep = -1, firstAt = 0;
  const line = (s: string) => {
    if (quiet) return;
    if (bar) {
      bar.stop();
      process.stderr.write(s + '\n');
      bar.start(total, lastStep, lastPayload);
    } else process.stderr.write(s + '\n');
  };
  let lastStep = 0;
  let lastPayload: Record<string, string> = { loss: '-', rate: '-', epoch: '1', left: '?' };
  /** Time left: by steps, or by the --max-time budget when that ends first. */
  const eta = (step: number): number => {
    const done = step - firstStep, secs = (performance.now() - firstAt) / 1000;
    let t = firstStep >= 0 && done > 0 ? ((total - step) * secs) / done : NaN;
    if (maxSeconds > 0) t = Math.min(Number.isFinite(t) ? t : Infinity, Math.max(0, maxSeconds - secs));
    return t;
  };
  return {
    start(info) {
      total = info.totalSteps;
      nextLine = info.startStep;
      maxSeconds = info.maxSeconds;
      line(`model: ${info.params.toLocaleString('en-US')} parameters · training on ${info.trainTokens.toLocaleString('en-US')} tokens, validating on ${info.valTokens.toLocaleString('en-US')} · ${info.stepsPerEpoch} steps per epoch${info.startStep ? ` · resuming at step ${info.startStep}` : ''}`);
      if (tty) {
        bar = new cliProgress.SingleBar({
          format: 'epoch {epoch} |{bar}| {value}/{total} steps · loss {loss} · {rate} tok/s · ETA {left}',
          stream: process.stderr, hideCursor: true, etaBuffer: 50, barsize: 24, fps: 5,
        }, cliProgress.Presets.shades_classic);
        bar.start(total, info.startStep, lastPayload);
      }
    },
    step(e: StepEvent) {
      if (firstStep < 0) { firstStep = e.step; firstAt = performance.now(); }
      lastStep = e.step;
      lastPayload = { loss: e.loss.toFixed(4), rate: fmtRate(e.tokensPerSec), epoch: String(e.epoch + 1), left: fmtTime(eta(e.step)) };
      if (bar) bar.update(e.step, lastPayload);
      else if (!quiet && (e.step >= nextLine || e.step === total || (maxSeconds > 0 && performance.now() - lastLineAt > maxSeconds * 100))) {
        nextLine = e.step + Math.max(1, Math.round(total / 10));
        lastLineAt = performance.now();
        process.stderr.write(`step ${e.step}/${total} · epoch ${e.epoch + 1} · loss ${e.loss.toFixed(4)} · ${fmtRate(e.tokensPerSec)} tok/s · ETA ${fmtTime(eta(e.step))}\n`);
      }
    },
    validation(v: ValEvent) {
      line(describeVal(v, level) + (v.untrained ? ` (≈ vocabulary size ${vocabSize} expected)` : ''));
    },
    stop() {
      if (bar) bar.stop();
      bar = null;
    },
  };
}
