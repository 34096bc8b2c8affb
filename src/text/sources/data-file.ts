/**
 * What a data path is, checked before a byte is read: a regular file (not a directory, a named
 * pipe or a device, which could block or never end), how big, gzipped or not, and whether its
 * text can fit in this process's memory at all.
 */
import { open, stat } from 'node:fs/promises';
import { getHeapStatistics } from 'node:v8';
import { constants } from 'node:buffer';
import { RnnlabError } from '../../errors.js';
import { memoryLimit } from '../../run/guards.js';
import { formatBytes } from '../../run/memory.js';

export interface DataFile {
  /** Bytes on disk. */
  size: number;
  gzip: boolean;
  /** The bytes of text it holds: the size, or for gzip the larger of the size and the trailer's length field (which wraps at 4 GiB). */
  textBytes: number;
}

/** The most characters one JavaScript string can hold (V8: 2^29 − 24). */
export const MAX_STRING_CHARS = constants.MAX_STRING_LENGTH;

export async function inspectDataFile(path: string): Promise<DataFile> {
  let s;
  try {
    s = await stat(path);
  } catch (err) {
    throw readFailure(path, err);
  }
  if (s.isDirectory()) throw new RnnlabError(`cannot read ${path}: it is a directory`);
  if (!s.isFile()) {
    const what = s.isFIFO() ? 'a named pipe (FIFO)' : s.isSocket() ? 'a socket' : 'a device';
    // a pipe may have no writer (reading would wait forever) and a device may never end
    throw new RnnlabError(`cannot read ${path}: it is ${what}, not a regular file; save the data to a file first`);
  }
  const size = s.size;
  let gzip = false;
  let textBytes = size;
  let handle;
  try {
    handle = await open(path, 'r');
    const magic = Buffer.alloc(4);
    const { bytesRead } = await handle.read(magic, 0, 2, 0);
    gzip = bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
    if (gzip && size >= 18) {
      await handle.read(magic, 0, 4, size - 4);
      textBytes = Math.max(size, magic.readUInt32LE(0));
    }
  } catch (err) {
    throw readFailure(path, err);
  } finally {
    await handle?.close();
  }
  return { size, gzip, textBytes };
}

/** Bytes of text this process can hold: the JavaScript heap's free room, and the machine's (or container's) memory. */
export function memoryForText(): number {
  const heap = getHeapStatistics();
  return Math.min(heap.heap_size_limit - heap.used_heap_size, memoryLimit());
}

/**
 * A plain-text file read whole is one string: it must fit a string, and, while its pieces are
 * joined and normalised (three copies at once), the memory. Refused before reading when it
 * cannot; `available` is memoryForText() unless a test says otherwise.
 */
export function refuseWholeText(path: string, file: DataFile, available: number): void {
  const size = file.gzip ? `${formatBytes(file.textBytes)} of text (gzipped)` : formatBytes(file.textBytes);
  // UTF-8 takes at most 4 bytes a character, so more than 4 × the limit is surely too long
  if (file.textBytes > 4 * MAX_STRING_CHARS) {
    throw new RnnlabError(`${path} is ${size}, more than one JavaScript string can hold (${MAX_STRING_CHARS.toLocaleString('en-US')} characters), and a plain-text file is read whole: split it, or make it JSON Lines (one document a line)`);
  }
  if (3 * file.textBytes > available) {
    throw new RnnlabError(`${path} is ${size}: reading it whole needs about ${formatBytes(3 * file.textBytes)} of memory and ${formatBytes(available)} is free (raise node's heap with NODE_OPTIONS=--max-old-space-size=MB, or use a smaller file)`);
  }
}

/**
 * A plain-text file that is streamed (a language model's corpus) is never one string, but its
 * token ids stay: 2 bytes a token (4 past 65,536 vocabulary entries), at most one token a
 * character. Refused before reading when even that cannot fit the machine's memory.
 */
export function refuseStreamedText(path: string, file: DataFile, available = memoryLimit()): void {
  if (2 * file.textBytes > available) {
    const size = file.gzip ? `${formatBytes(file.textBytes)} of text (gzipped)` : formatBytes(file.textBytes);
    throw new RnnlabError(`${path} is ${size}: its token ids alone need up to ${formatBytes(2 * file.textBytes)} (2 bytes a character at char level) and this machine has ${formatBytes(available)}; use a part of it`);
  }
}

/** A read error as one RnnlabError line (shared with the embedding readers). */
export function readFailure(path: string, err: unknown): RnnlabError {
  if (err instanceof RnnlabError) return err;
  const e = err as NodeJS.ErrnoException;
  const message = String(e?.message ?? err).replace(/\s+/g, ' ').trim();
  switch (e?.code) {
    case 'ENOENT':
      return new RnnlabError(`cannot read ${path}: no such file`);
    case 'EISDIR':
      return new RnnlabError(`cannot read ${path}: it is a directory`);
    case 'EACCES':
    case 'EPERM':
      return new RnnlabError(`cannot read ${path}: permission denied`);
    case 'ENOTDIR':
      return new RnnlabError(`cannot read ${path}: a part of the path is not a directory`);
  }
  if (typeof e?.code === 'string' && e.code.startsWith('Z_')) {
    return new RnnlabError(`${path}: corrupt gzip data (${message})`);
  }
  if (err instanceof RangeError && /string length/i.test(message)) {
    return new RnnlabError(`${path}: a text longer than one JavaScript string can hold (${MAX_STRING_CHARS.toLocaleString('en-US')} characters)`);
  }
  return new RnnlabError(`cannot read ${path}: ${message}`);
}
