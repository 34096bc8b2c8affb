/**
 * The export folder is built beside its destination (a hidden temporary folder) and renamed into
 * place only when every file is written: a failure halfway (an unknown token in --with-data, a
 * full disk) leaves no half-written export, and an existing --out is replaced (with --force) only
 * by a complete one.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { RnnlabError } from '../../errors.js';
import { fsReason } from '../../io/fs-errors.js';
import { makeFolder, probeWritable, removeFolders } from '../../io/out-dir.js';

export interface StagedFolder {
  /** Where the files go until commit. */
  dir: string;
  /** Moves the folder to its destination (replacing an old one). */
  commit(): void;
  /** Removes the temporary folder and any parent folders made for it. */
  discard(): void;
}

/** Checks `out` (not a file; empty or absent unless `force`), then makes the temporary folder. */
export function stageFolder(out: string, force: boolean): StagedFolder {
  const target = resolve(out);
  const st = statSync(target, { throwIfNoEntry: false });
  if (st && !st.isDirectory()) throw new RnnlabError(`--out ${out} is a file, not a folder: give a folder to write the export into`);
  if (st && readdirSync(target).length > 0 && !force) {
    throw new RnnlabError(`--out ${out} already exists and is not empty: choose another folder, or add --force to replace it`);
  }
  const made = makeFolder(dirname(target));
  try {
    probeWritable(dirname(target));
  } catch (e) {
    removeFolders(made);
    throw e;
  }
  const dir = join(dirname(target), `.${basename(target)}.export-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  // a process that exits meanwhile (Ctrl-C: the CLI exits with 130) leaves no hidden folder behind
  const onExit = (): void => rmSync(dir, { recursive: true, force: true });
  process.once('exit', onExit);
  return {
    dir,
    commit() {
      process.removeListener('exit', onExit);
      const old = join(dirname(target), `.${basename(target)}.old-${process.pid}`);
      try {
        if (existsSync(target)) renameSync(target, old);
        renameSync(dir, target);
      } catch (e) {
        // the old folder goes back where it was if the new one could not take its place
        if (!existsSync(target) && existsSync(old)) renameSync(old, target);
        throw new RnnlabError(`cannot move the export into --out ${out}: ${fsReason(e)}`);
      }
      rmSync(old, { recursive: true, force: true });
    },
    discard() {
      process.removeListener('exit', onExit);
      rmSync(dir, { recursive: true, force: true });
      removeFolders(made);
    },
  };
}
