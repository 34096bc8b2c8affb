/**
 * Reading a .safetensors file from disk (Node only; safetensors.ts itself runs in browsers too).
 * The 8-byte header length is checked against the file's size before anything else is read, so
 * a file of another kind — or a damaged one — is refused in one line without being read whole.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { headerLength } from './safetensors.js';

/**
 * The whole file (`part` 'all') or only its JSON header ('header'). A bad header length is a
 * RnnlabError naming `what`; whatever the file system throws (no such file, a folder, no
 * permission) is thrown as it is, for the caller to word.
 */
export function readSafetensorsFile(file: string, what: string, part: 'all' | 'header'): Uint8Array {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const start = new Uint8Array(Math.min(size, 9));
    readSync(fd, start, 0, start.length, 0);
    const hlen = headerLength(start, what, size);
    if (part === 'all') return readFileSync(fd);
    const header = new Uint8Array(hlen);
    readSync(fd, header, 0, hlen, 8);
    return header;
  } finally {
    closeSync(fd);
  }
}
