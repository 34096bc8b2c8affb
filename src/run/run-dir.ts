/**
 * The run directory: a RunSink that keeps a run on disk (Node).
 *   config.json        the run configuration, model size and data summary, one entry per session
 *   metrics.jsonl      every event of src/train/events.ts, one JSON object per line
 *   model.safetensors  the best weights by validation
 *   last.safetensors   everything --resume needs
 * Checkpoints and config.json are written atomically (temporary file, then rename), so a crash
 * or a kill leaves the previous file intact; metrics lines are appended.
 */
import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RnnlabError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { fsReason, isFsError } from '../io/fs-errors.js';
import { makeFolder } from '../io/out-dir.js';
import { alive } from './lock.js';
import type { CheckpointKind, RunEvent, RunSink } from '../train/events.js';

export const RUN_FILES = ['model.safetensors', 'last.safetensors', 'metrics.jsonl', 'config.json'] as const;

export class RunDirectory implements RunSink {
  constructor(readonly dir: string) {}

  get metricsPath(): string {
    return join(this.dir, 'metrics.jsonl');
  }

  /**
   * For a resumed run: forgets the lines after the checkpoint's step (they are about to be
   * redone) and the temporaries of writes a killed process left.
   */
  open(resumeStep: number): void {
    makeFolder(this.dir);
    this.removeStaleTemporaries();
    this.truncateAfter(resumeStep);
  }

  /**
   * For a new run: whatever an earlier run left here without a checkpoint (a metrics.jsonl and
   * config.json of a run stopped before its first save, or an earlier demo) is removed, so the
   * files describe this run only. (A directory with another run's model is refused before.)
   */
  openFresh(): void {
    makeFolder(this.dir);
    this.removeStaleTemporaries();
    for (const f of RUN_FILES) rmSync(join(this.dir, f), { force: true });
  }

  /** `.<file>.<pid>.tmp` of an atomic write (and `.rnnlab-probe.<pid>`) whose process is gone (kill -9 mid-write). */
  private removeStaleTemporaries(): void {
    for (const f of readdirSync(this.dir)) {
      const m = /^\.(.+)\.(\d+)\.tmp$/.exec(f) ?? /^\.(rnnlab-probe)\.(\d+)$/.exec(f);
      if (!m || !([...RUN_FILES, 'rnnlab-probe'] as readonly string[]).includes(m[1]) || alive(Number(m[2]))) continue;
      rmSync(join(this.dir, f), { force: true });
    }
  }

  /**
   * The loss of the last validation marked best at or before `step`: which validation
   * model.safetensors holds, for checkpoints that did not record it.
   */
  bestLoggedLoss(step: number): number | null {
    if (!existsSync(this.metricsPath)) return null;
    let best: number | null = null;
    for (const l of readFileSync(this.metricsPath, 'utf8').split('\n')) {
      try {
        const m = JSON.parse(l) as { type?: string; step?: number; best?: boolean; loss?: number };
        if (m.type === 'val' && m.best && m.step! <= step && Number.isFinite(m.loss)) best = m.loss!;
      } catch {
        // a blank or torn line
      }
    }
    return best;
  }

  /** The config.json of the directory, or null. */
  readConfig(): Record<string, unknown> | null {
    const p = join(this.dir, 'config.json');
    if (!existsSync(p)) return null;
    try {
      return JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>;
    } catch {
      return null;
    }
  }

  writeConfig(config: Record<string, unknown>): void {
    writeFileAtomic(join(this.dir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  }

  event(e: RunEvent): void {
    try {
      appendFileSync(this.metricsPath, JSON.stringify(e) + '\n');
    } catch (err) {
      if (isFsError(err)) throw new RnnlabError(`cannot write ${this.metricsPath}: ${fsReason(err)}`);
      throw err;
    }
  }

  checkpoint(kind: CheckpointKind, bytes: () => Uint8Array): void {
    writeFileAtomic(join(this.dir, kind === 'best' ? 'model.safetensors' : 'last.safetensors'), bytes());
  }

  /**
   * A resumed run continues from last.safetensors at `step`: the lines of steps after it (a
   * session that ran on past its last checkpoint and then crashed) are dropped, because the
   * resumed run does those steps again. Everything up to the checkpoint stays, validations included.
   */
  private truncateAfter(step: number): void {
    const f = this.metricsPath;
    if (!existsSync(f)) return;
    const lines = readFileSync(f, 'utf8').split('\n').filter((l) => l.trim());
    const keep = lines.filter((l) => {
      try {
        return (JSON.parse(l) as { step?: number }).step! <= step;
      } catch {
        return false;
      }
    });
    if (keep.length !== lines.length) writeFileAtomic(f, keep.map((l) => l + '\n').join(''));
  }
}

