/**
 * One process per run directory: `rnnlab.lock` in it holds the owner's pid, host and command,
 * created with O_EXCL so two starts cannot both win. A second run on the same --out is refused
 * naming the owner; a lock whose process is gone (kill -9, a crash) is taken over with a note.
 * The lock goes with the run: at its end, on an error, on Ctrl-C, and at process exit (the
 * exit hook is the claim's, in guards.ts, which holds every lock this process takes).
 */
import { closeSync, linkSync, openSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { RnnlabError } from '../errors.js';
import { fsReason } from '../io/fs-errors.js';

export const LOCK_FILE = 'rnnlab.lock';

interface Owner {
  pid: number;
  host: string;
  command: string;
  started: string;
}

export class RunLock {
  private released = false;

  private constructor(readonly path: string, private readonly content: string) {}

  /**
   * Takes the lock of `dir` (which exists) for `command`, or refuses. `note` hears about a stale
   * lock taken over (the CLI prints it on stderr).
   */
  static acquire(dir: string, command: string, note: (line: string) => void = () => {}): RunLock {
    const path = join(dir, LOCK_FILE);
    const me: Owner = { pid: process.pid, host: hostname(), command, started: new Date().toISOString() };
    const content = JSON.stringify(me) + '\n';
    for (let attempt = 0; attempt < 5; attempt++) {
      if (create(path, content)) {
        return new RunLock(path, content);
      }
      const seen = readOwner(path);
      if (seen === undefined) continue; // released meanwhile: try again
      const owner = seen.owner;
      if (owner === null) {
        // Unreadable: a lock being written this instant, or the remains of a crash.
        if (age(path) < 5000) throw new RnnlabError(`${dir} is in use by another rnnlab that is just starting (${path}): wait for it, or choose another --out`);
      } else if (owner.host !== me.host) {
        throw new RnnlabError(`${dir} is in use by rnnlab pid ${owner.pid} on host ${owner.host} (${owner.command}, since ${owner.started}): choose another --out, or remove ${path} if that run is over`);
      } else if (alive(owner.pid)) {
        throw new RnnlabError(`${dir} is in use by rnnlab pid ${owner.pid} (${owner.command}, since ${owner.started}): wait for it to finish or stop it, or choose another --out`);
      }
      if (takeOver(path, seen.raw)) {
        note(owner
          ? `note: ${dir} was locked by pid ${owner.pid} (${owner.command}), which is no longer running: taking the run directory over`
          : `note: ${dir} held an unreadable lock file from a crashed run: taking the run directory over`);
      }
    }
    throw new RnnlabError(`${dir} is in use by another rnnlab (its lock ${path} keeps changing): choose another --out`);
  }

  /** Removes the lock if it is still this process's (idempotent). */
  release(): void {
    if (this.released) return;
    this.released = true;
    try {
      if (readFileSync(this.path, 'utf8') === this.content) unlinkSync(this.path);
    } catch {
      // already gone (the folder was removed)
    }
  }
}

/** O_EXCL create with the owner written at once; false when the lock exists. */
function create(path: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new RnnlabError(`cannot lock the run directory (${path}): ${fsReason(e)}`);
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** The lock's text and owner (null when unreadable); undefined when the file is gone. */
function readOwner(path: string): { raw: string; owner: Owner | null } | undefined {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const o = JSON.parse(raw) as Owner;
    if (Number.isSafeInteger(o.pid) && o.pid > 0 && typeof o.host === 'string') return { raw, owner: o };
  } catch {
    // fall through
  }
  return { raw, owner: null };
}

function age(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * Removes a stale lock only if it is still the one judged stale: it is moved aside first and
 * checked, and put back (linked, which fails rather than overwrite) when another process had
 * replaced it in between.
 */
function takeOver(path: string, staleRaw: string): boolean {
  const aside = `${path}.${process.pid}.stale`;
  try {
    renameSync(path, aside);
  } catch {
    return false; // someone else moved it: try again
  }
  let raw = '';
  try {
    raw = readFileSync(aside, 'utf8');
  } catch {
    // gone
  }
  if (raw !== staleRaw) {
    try {
      linkSync(aside, path);
    } catch {
      // a newer lock is there already
    }
  }
  rmSync(aside, { force: true });
  return raw === staleRaw;
}

/** Whether a process of this host is running (EPERM: it is, under another user). */
export function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
