/**
 * Paths from requests, kept inside the runs folder. A request names files by their path
 * relative to the folder (posix separators); absolute paths, `..`, NUL and backslashes are
 * refused outright, and the real path (symlinks resolved) must still lie inside the folder's
 * own real path, so a symlink in the folder cannot lead out of it.
 */
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { HttpError } from './http-error.js';

export class RunsFolder {
  readonly real: string;

  constructor(readonly dir: string) {
    this.real = realpathSync(dir);
  }

  /** `rel` checked for its shape only (what a path segment may be). */
  static checkShape(rel: unknown, what: string): string {
    if (typeof rel !== 'string' || rel === '') throw new HttpError(400, `${what} is missing: a path relative to the runs folder`);
    if (rel.length > 1024) throw new HttpError(400, `${what} is too long`);
    if (rel.includes('\0') || rel.includes('\\')) throw new HttpError(400, `${what} ${JSON.stringify(rel)} holds a NUL or a backslash`);
    if (rel.startsWith('/') || /^[A-Za-z]:/.test(rel)) throw new HttpError(400, `${what} ${JSON.stringify(rel)} is absolute: give a path relative to the runs folder`);
    const parts = rel.split('/');
    if (parts.some((p) => p === '..')) throw new HttpError(400, `${what} ${JSON.stringify(rel)} leaves the runs folder ("..")`);
    return parts.filter((p) => p !== '' && p !== '.').join('/');
  }

  /** True when `real` (a real path) is the folder or inside it. */
  inside(real: string): boolean {
    return real === this.real || real.startsWith(this.real + sep);
  }

  /** An existing file or folder inside the runs folder, as a real path; 404 when it does not exist. */
  existing(rel: unknown, what = 'the path'): string {
    const clean = RunsFolder.checkShape(rel, what);
    const p = join(this.real, clean);
    if (!existsSync(p)) throw new HttpError(404, `${what} ${JSON.stringify(rel)}: no such file or folder in the runs folder`);
    const real = realpathSync(p);
    if (!this.inside(real)) throw new HttpError(403, `${what} ${JSON.stringify(rel)} leads out of the runs folder (a symlink)`);
    return real;
  }

  /**
   * A path that may not exist yet (a new run's folder): its nearest existing ancestor must be
   * inside the folder, so nothing is created through a symlink that leads out.
   */
  target(rel: unknown, what = 'the path'): string {
    const clean = RunsFolder.checkShape(rel, what);
    const p = join(this.real, clean);
    let probe = p;
    while (!existsSync(probe)) probe = dirname(probe);
    if (!this.inside(realpathSync(probe))) throw new HttpError(403, `${what} ${JSON.stringify(rel)} leads out of the runs folder (a symlink)`);
    return p;
  }

  /** A real path inside the folder → its id (relative, posix separators). */
  idOf(real: string): string {
    return relative(this.real, real).split(sep).join('/');
  }
}
