import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { RnnlabError } from '../../errors.js';

/** Only this much of the start of a file decides "binary or text"; later bad bytes get a different message. */
const SNIFF_BYTES = 64 * 1024;

/**
 * The text of a file as a stream of string chunks, never the whole file at once.
 * Gzip is recognised by its magic bytes (1f 8b), whatever the name. Every reader shares the
 * checks made here: missing, empty and binary files, invalid UTF-8. A leading BOM is
 * dropped and line endings come out as "\n" only (CRLF and lone CR converted, as Python's
 * text mode does), so the parsers downstream see one newline convention. `onRead`, if given,
 * hears the bytes of the file read so far (compressed bytes for gzip) after each chunk.
 */
export async function* readTextChunks(path: string, onRead?: (bytes: number) => void): AsyncGenerator<string> {
  const gzip = await hasGzipMagic(path);
  const file = createReadStream(path, { highWaterMark: SNIFF_BYTES });
  let source: Readable = file;
  if (gzip) {
    const gunzip = createGunzip();
    // pipeline forwards a read error on the file into gunzip, where the loop below sees it.
    pipeline(file, gunzip, () => {});
    source = gunzip;
  }
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let bytes = 0;
  let pendingCR = false;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      let text = decode(decoder, chunk, bytes, path);
      bytes += chunk.length;
      onRead?.(file.bytesRead);
      if (pendingCR) {
        text = '\r' + text;
        pendingCR = false;
      }
      // A CR at the end of a chunk may be the first half of a CRLF split across chunks.
      if (text.endsWith('\r')) {
        text = text.slice(0, -1);
        pendingCR = true;
      }
      if (text.includes('\r')) text = text.replace(/\r\n?/g, '\n');
      if (text.length > 0) yield text;
    }
    let tail: string;
    try {
      tail = decoder.decode();
    } catch {
      throw bytes <= SNIFF_BYTES ? binary(path) : new RnnlabError(`${path} is not valid UTF-8 text: it ends inside a multi-byte character`);
    }
    if (pendingCR) tail = '\r' + tail;
    if (tail.length > 0) yield tail.replace(/\r\n?/g, '\n');
  } catch (err) {
    throw err instanceof RnnlabError ? err : readFailure(path, err);
  } finally {
    source.destroy();
    file.destroy();
  }
  if (bytes === 0) throw new RnnlabError(`${path} is empty`);
}

function decode(decoder: TextDecoder, chunk: Buffer, offset: number, path: string): string {
  const head = offset < SNIFF_BYTES ? Math.min(chunk.length, SNIFF_BYTES - offset) : 0;
  let text = '';
  if (head > 0) {
    const part = chunk.subarray(0, head);
    if (part.indexOf(0) !== -1) throw binary(path);
    try {
      text = decoder.decode(part, { stream: true });
    } catch {
      throw binary(path);
    }
  }
  if (head < chunk.length) {
    try {
      text += decoder.decode(chunk.subarray(head), { stream: true });
    } catch {
      throw new RnnlabError(`${path} is not valid UTF-8 text: invalid bytes between byte ${offset + head} and byte ${offset + chunk.length}`);
    }
  }
  return text;
}

/** Shared with the embedding readers, which read bytes rather than text. */
export async function hasGzipMagic(path: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'r');
    const magic = Buffer.alloc(2);
    const { bytesRead } = await handle.read(magic, 0, 2, 0);
    return bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } catch (err) {
    throw readFailure(path, err);
  } finally {
    await handle?.close();
  }
}

function binary(path: string): RnnlabError {
  return new RnnlabError(`${path} looks binary (not UTF-8 text)`);
}

/** A read error as one RnnlabError line (shared with the embedding readers). */
export function readFailure(path: string, err: unknown): RnnlabError {
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
  }
  if (typeof e?.code === 'string' && e.code.startsWith('Z_')) {
    return new RnnlabError(`${path}: corrupt gzip data (${message})`);
  }
  return new RnnlabError(`cannot read ${path}: ${message}`);
}
