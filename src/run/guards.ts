/**
 * What every kind of training run checks before it writes anything (Node): where it may write,
 * and how much memory it may use.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { RnnlabError } from '../errors.js';
import { fsReason } from '../io/fs-errors.js';
import { makeFolder, prepareFolder, removeFolders } from '../io/out-dir.js';
import { RunLock } from './lock.js';
import { RunDirectory } from './run-dir.js';

/** runs/<what>-<yyyymmdd-hhmmss>. */
export function defaultRunDir(what: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  return join('runs', `${what}-${stamp}`);
}

const freshMade = new Map<string, string[]>();

/**
 * A default run directory of this process's own: runs started in the same second (a script, a
 * test suite) get runs/<what>-<stamp>, then -2, -3 …, each created exclusively, never shared.
 */
export function freshRunDir(what: string): string {
  const base = defaultRunDir(what);
  let parents = makeFolder(dirname(base), '--out');
  for (let i = 1, gone = 0; ; i++) {
    const dir = i === 1 ? base : `${base}-${i}`;
    try {
      mkdirSync(dir);
      freshMade.set(dir, [...parents, resolve(dir)]);
      return dir;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // runs/ removed meanwhile by a run started beside this one that never started (claimRunDir): make it again
      if (code === 'ENOENT' && gone++ < 5) {
        parents = makeFolder(dirname(base), '--out');
        i--;
        continue;
      }
      if (code !== 'EEXIST' || i >= 1000) throw new RnnlabError(`cannot create the run directory ${dir}: ${fsReason(e)}`);
    }
  }
}

/** A new run never writes over another run's model; a demo may replace an earlier demo. */
export function refuseOccupied(out: string, demo: boolean): void {
  if (!existsSync(out) || !readdirSync(out).some((f) => f.endsWith('.safetensors'))) return;
  if (demo && new RunDirectory(out).readConfig()?.demo === true) return;
  if (demo) throw new RnnlabError(`${out} already holds a model that is not from this version's demo: remove it, or choose another --out`);
  throw new RnnlabError(`${out} already holds a model: use --resume to continue it, or choose another --out`);
}

/** The memory a run may use: the machine's, or less when a container (cgroup v2) caps it. */
export function memoryLimit(): number {
  let limit = totalmem();
  try {
    const cg = readFileSync('/sys/fs/cgroup/memory.max', 'utf8').trim();
    if (/^\d+$/.test(cg)) limit = Math.min(limit, Number(cg));
  } catch {
    // not Linux, or no cgroup v2 limit
  }
  return limit;
}

/** A run directory held by this process: made, proven writable and locked (src/run/lock.ts). */
export interface RunClaim {
  /** Lets the directory go; `failed` (the run never started) also removes the folders made for it while empty. */
  release(failed: boolean): void;
}

/** Claims a run directory for `prepare`: (out, resume, fresh) → the claim. */
export type ClaimDir = (out: string, resume: boolean, fresh?: boolean) => RunClaim;

/**
 * Runs a session's `prepare` with the right to claim its directory (claimRunDir under
 * `command`), and lets the claim go again, with the folders made for it, if preparing fails.
 */
export async function withRunClaim<T>(command: string, note: (line: string) => void, prepare: (claimDir: ClaimDir) => Promise<T>): Promise<T> {
  let claim: RunClaim | null = null;
  try {
    return await prepare((out, resume, fresh) => (claim = claimRunDir(out, command, note, !resume, fresh)));
  } catch (e) {
    (claim as RunClaim | null)?.release(true);
    throw e;
  }
}

/**
 * Claims `out` before a run reads its data: a bad or unwritable --out, or a directory another
 * rnnlab is using, fails here, before any work. A resume (`create` false) needs the folder there.
 */
export function claimRunDir(out: string, command: string, note: (line: string) => void, create = true, fresh = false): RunClaim {
  if (!create && !existsSync(out)) throw new RnnlabError(`cannot resume: ${out} does not exist`);
  // a fresh default directory (freshRunDir) is this run's alone: removed again (with runs/ if made for it) if the run never starts
  const made = fresh ? freshMade.get(out) ?? [] : [];
  let lock: RunLock | undefined;
  for (let attempt = 1; !lock; attempt++) {
    try {
      made.push(...prepareFolder(out));
      lock = RunLock.acquire(out, command, note);
    } catch (e) {
      // a parent made by a run beside this one, removed as that run failed: make it again
      const vanished = !existsSync(out);
      removeFolders(made);
      made.length = 0;
      if (create && vanished && attempt < 5) continue;
      throw e;
    }
  }
  const claim: RunClaim = {
    release(failed: boolean) {
      unreleased.delete(claim);
      lock.release();
      if (failed) removeFolders(made);
    },
  };
  unreleased.add(claim);
  if (!exitHook) {
    exitHook = true;
    // process.exit (Ctrl-C while the data are read, a second Ctrl-C) skips every finally block:
    // the lock goes (lock.ts) and the folders made for the run with it while still empty, so a
    // run that never wrote anything leaves nothing behind; a started run's folder is not empty
    process.on('exit', () => {
      for (const c of [...unreleased]) c.release(true);
    });
  }
  return claim;
}

const unreleased = new Set<RunClaim>();
let exitHook = false;
