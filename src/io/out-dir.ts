/**
 * Output folders, checked before any work: created one level at a time (Node's recursive mkdir
 * spins forever where a parent exists but refuses children, such as /proc/sys: it steps back on
 * ENOENT and forward again on EEXIST), then proven writable with a probe file, so a bad `--out`
 * is one clear line before training starts rather than a crash at the first checkpoint.
 */
import { closeSync, mkdirSync, openSync, rmdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { RnnlabError } from '../errors.js';
import { fsReason } from './fs-errors.js';

/**
 * Makes `dir` and its missing parents; returns the folders it created (outermost first), so a
 * command that fails later can remove them again. `flag` names the option in messages.
 */
export function makeFolder(dir: string, flag = '--out'): string[] {
  const cannot = (why: string): never => {
    throw new RnnlabError(`cannot use ${flag} ${dir}: ${why}`);
  };
  const missing: string[] = [];
  let p = resolve(dir);
  for (;;) {
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') cannot(`${p}: ${fsReason(e)}`);
      const parent = dirname(p);
      if (parent === p) cannot(`${p} does not exist`);
      missing.unshift(p);
      p = parent;
      continue;
    }
    if (!isDir) cannot(`${p} is a file, not a folder`);
    break;
  }
  const made: string[] = [];
  for (const m of missing) {
    try {
      mkdirSync(m);
      made.push(m);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && statSync(m, { throwIfNoEntry: false })?.isDirectory()) continue;
      // ENOENT with the parent there: a file system that holds no new folders (/proc, /sys).
      cannot(code === 'ENOENT' ? `${dirname(m)} does not allow new folders` : `cannot create ${m}: ${fsReason(e)}`);
    }
  }
  return made;
}

/** Writes and removes a small file in `dir`: a read-only folder or file system fails here, not mid-run. */
export function probeWritable(dir: string, flag = '--out'): void {
  const probe = join(dir, `.rnnlab-probe.${process.pid}`);
  try {
    const fd = openSync(probe, 'wx');
    try {
      writeSync(fd, 'rnnlab\n');
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    rmSync(probe, { force: true });
    const code = (e as NodeJS.ErrnoException).code;
    throw new RnnlabError(`cannot write in ${flag} ${dir}: ${code === 'ENOENT' ? 'its file system takes no new files' : fsReason(e)}`);
  }
  rmSync(probe, { force: true });
}

/** An output folder made and checked: makeFolder then probeWritable (the folders made are removed again when that fails). */
export function prepareFolder(dir: string, flag = '--out'): string[] {
  const made = makeFolder(dir, flag);
  try {
    probeWritable(dir, flag);
  } catch (e) {
    removeFolders(made);
    throw e;
  }
  return made;
}

/** Removes folders made by makeFolder (innermost first) while they are empty. */
export function removeFolders(made: readonly string[]): void {
  for (const d of [...made].reverse()) {
    try {
      rmdirSync(d);
    } catch {
      // not empty (something else wrote there), or gone: leave it
      return;
    }
  }
}
