/**
 * The run directory: a RunSink that keeps a run on disk (Node).
 *   config.json        the run configuration, model size and data summary, one entry per session
 *   metrics.jsonl      every event of src/train/events.ts, one JSON object per line
 *   model.safetensors  the best weights by validation
 *   last.safetensors   everything --resume needs
 * Checkpoints and config.json are written atomically (temporary file, then rename), so a crash
 * or a kill leaves the previous file intact; metrics lines are appended.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import type { CheckpointKind, RunEvent, RunSink } from '../train/events.js';

export const RUN_FILES = ['model.safetensors', 'last.safetensors', 'metrics.jsonl', 'config.json'] as const;

export class RunDirectory implements RunSink {
  constructor(readonly dir: string) {}

  get metricsPath(): string {
    return join(this.dir, 'metrics.jsonl');
  }

  /** Creates the directory; on resume, forgets the lines after the checkpoint's step (they are about to be redone). */
  open(resumeStep: number | null): void {
    mkdirSync(this.dir, { recursive: true });
    if (resumeStep !== null) this.truncateAfter(resumeStep);
  }

  /** Removes the files of an earlier run (`rnnlab demo` starts clean). */
  clear(): void {
    for (const f of RUN_FILES) rmSync(join(this.dir, f), { force: true });
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
    appendFileSync(this.metricsPath, JSON.stringify(e) + '\n');
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
