/**
 * Progress of long work before or outside training (reading a large corpus, scoring a long
 * file) on stderr: a live bar on a terminal; on a pipe or file a plain line at a 10 % step at
 * most every few seconds, so logs stay short. Small work shows nothing: the caller says how
 * much is "small".
 */
import cliProgress from 'cli-progress';
import { basename } from 'node:path';
import type { LoadProgress } from '../train/corpus.js';
import { fmtTime } from '../util/format.js';

/** Files below this size are read without a progress display. */
export const LOAD_PROGRESS_BYTES = 8 * 2 ** 20;
/** Texts below this many tokens are scored without a progress display. */
export const EVAL_PROGRESS_TOKENS = 2_000_000;

/** Without a terminal, lines are at least this far apart. */
const LINE_SECONDS = 5;

export interface WorkProgress {
  /** `done` of `total` units; `detail` follows the figure ("120 of 500 MB"). */
  update(done: number, total: number, detail?: string): void;
  /** Takes the bar off the terminal (the work is over, or failed). */
  stop(): void;
}

export function workProgress(label: string, quiet: boolean): WorkProgress {
  const tty = !!process.stderr.isTTY;
  let bar: cliProgress.SingleBar | null = null;
  let nextTenth = 1;
  let lastDone = -1;
  const started = performance.now();
  let lastLine = started;
  let printed = false;
  return {
    update(done, total, detail = '') {
      if (quiet || total <= 0 || done === lastDone) return;
      lastDone = done;
      const share = Math.min(1, done / total);
      if (tty) {
        if (!bar) {
          bar = new cliProgress.SingleBar({
            format: `${label} |{bar}| {percentage} % {detail}· ETA {left}`, stream: process.stderr, hideCursor: true, barsize: 24, fps: 5,
          }, cliProgress.Presets.shades_classic);
          bar.start(total, 0, { detail: '', left: '?' });
        }
        const secs = (performance.now() - started) / 1000;
        bar.update(done, { detail: detail ? `(${detail}) ` : '', left: share > 0 ? fmtTime((secs * (1 - share)) / share) : '?' });
        return;
      }
      // A line per 10 % but not more than one per LINE_SECONDS, and none at all for work that ends sooner.
      const now = performance.now();
      if (share * 10 >= nextTenth && (now - lastLine >= LINE_SECONDS * 1000 || (share === 1 && printed))) {
        nextTenth = Math.floor(share * 10) + 1;
        lastLine = now;
        printed = true;
        process.stderr.write(`${label}: ${Math.floor(share * 100)} %${detail ? ` (${detail})` : ''}\n`);
      }
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}

function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(bytes < 1e8 ? 1 : 0);
}

export interface LoadDisplay {
  /** For CorpusOptions.progress / RunSetup.loadProgress. */
  report(p: LoadProgress): void;
  /** Takes a bar off the terminal when reading failed half-way. */
  stop(): void;
}

/** A corpus reader's progress as a bar or lines, for files of LOAD_PROGRESS_BYTES or more. */
export function loadProgress(quiet: boolean): LoadDisplay {
  let current: WorkProgress | null = null;
  let key = '';
  const report = (p: LoadProgress): void => {
    if (quiet || p.total < LOAD_PROGRESS_BYTES) return;
    const k = `${p.path}\n${p.purpose}`;
    if (k !== key || !current) {
      current?.stop();
      key = k;
      current = workProgress(`reading ${basename(p.path)}${p.purpose === 'bpe' ? ' (learning BPE merges)' : ''}`, quiet);
    }
    current.update(p.bytes, p.total, `${megabytes(p.bytes)} of ${megabytes(p.total)} MB`);
    if (p.done) {
      current.stop();
      current = null;
      key = '';
    }
  };
  return { report, stop: () => current?.stop() };
}
