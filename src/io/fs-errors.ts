/** A file system error in words (no path, no errno prefix), for one-line messages that name the path themselves. */
export function fsReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EROFS': return 'the file system is read-only';
    case 'ENOSPC': return 'no space left on the device';
    case 'EDQUOT': return 'the disk quota is used up';
    case 'EISDIR': return 'a folder is in the way';
    case 'ENOTDIR': return 'a part of the path is a file, not a folder';
    case 'ENAMETOOLONG': return 'the name is too long';
    case 'EIO': return 'an input/output error of the device';
    case 'EMFILE': case 'ENFILE': return 'too many open files';
    case 'ENOENT': return 'the folder does not exist';
    default: {
      const m = (e as Error)?.message ?? String(e);
      // "EBUSY: resource busy or locked, open '…'" → "resource busy or locked"
      return m.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '').split('\n')[0];
    }
  }
}

/** True for the errors of the file system itself (a full disk, permissions), as opposed to bugs. */
export function isFsError(e: unknown): e is NodeJS.ErrnoException {
  return typeof (e as NodeJS.ErrnoException)?.code === 'string' && typeof (e as NodeJS.ErrnoException)?.syscall === 'string';
}
