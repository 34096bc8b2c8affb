/**
 * Atomic file writes: the bytes go to a temporary file beside the target, are flushed, and
 * the temporary is renamed over the target. A crash or a full disk leaves the old file
 * intact, never a half-written one.
 */
import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { RnnlabError } from '../errors.js';
import { basename, dirname, join } from 'node:path';
import { fsReason, isFsError } from './fs-errors.js';

export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  try {
    const fd = openSync(tmp, 'w');
    try {
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !existsSync(dirname(path))) {
      throw new RnnlabError(`cannot write ${path}: the folder ${dirname(path)} does not exist`);
    }
    // A full disk or a folder made read-only: the user's to fix, and the old file is still whole.
    if (isFsError(e)) throw new RnnlabError(`cannot write ${path}: ${fsReason(e)}${existsSync(path) ? ' (its previous version is kept)' : ''}`);
    throw e;
  }
}
