/**
 * Ctrl-C and SIGTERM during a training command: the first finishes the step (or abandons a
 * validation), saves last.safetensors and lets the command end normally; a second leaves at
 * once (every file write is atomic, so nothing is left half-written). The exit code then says
 * a signal ended the run: 128 + its number, as shells report it.
 */
import type { TrainSummary } from '../train/loop.js';
import type { ProgressSink } from './progress.js';

export const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

export interface SignalGuard {
  remove(): void;
  /** The first signal received, if any ('SIGINT', 'SIGTERM'). */
  readonly received: string | null;
  /** After the run: the resume command (when there is something left to do) and the exit code. */
  finish(s: TrainSummary, command?: string): void;
}

export function handleSignals(run: { stop(): void }, progress: ProgressSink, out: string, command = 'rnnlab train'): SignalGuard {
  let signal: string | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    if (signal) {
      progress.stop();
      process.stderr.write(`\n${sig} again: exiting without waiting\n`);
      process.exit(SIGNAL_EXIT[sig] ?? 1);
    }
    signal = sig;
    progress.line(`${sig}: stopping after this step and saving last.safetensors (again to quit at once)`);
    run.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    get received() {
      return signal;
    },
    remove() {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    },
    finish(s: TrainSummary) {
      if (!signal) return;
      if (s.stoppedBy === 'interrupt') process.stderr.write(`interrupted at step ${s.steps}; continue with: ${command} --out ${quoteArg(out)} --resume\n`);
      else process.stderr.write(`interrupted: the run had reached its end (${s.stoppedBy}); its final validation was skipped\n`);
      process.exitCode = SIGNAL_EXIT[signal] ?? 1;
    },
  };
}

/**
 * Ctrl-C or SIGTERM before training begins (reading a large corpus can take minutes) or during a
 * command that has no clean stop (demo): leave at once through process.exit, so the run
 * directory's lock goes and the folders made for the run, still empty, go with it
 * (src/run/guards.ts). Node's default ending would skip both and leave a stale lock.
 */
export function quitOnSignal(what: string): { remove(): void } {
  const onSignal = (sig: NodeJS.Signals) => {
    process.stderr.write(`\n${sig}: ${what}\n`);
    process.exit(SIGNAL_EXIT[sig] ?? 1);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    remove() {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    },
  };
}

/** A path as a shell argument (quoted only when it needs to be). */
export function quoteArg(p: string): string {
  return /^[\w./@%+=:,-]+$/.test(p) ? p : `'${p.replace(/'/g, `'\\''`)}'`;
}
