import { createReadStream } from 'node:fs';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { RnnlabError } from '../../errors.js';
import { formatBytes } from '../../run/memory.js';
import { inspectDataFile, memoryForText, readFailure, type DataFile } from './data-file.js';
import { ByteDecoder, type TextEncoding } from './decode.js';

export { readFailure } from './data-file.js';

const CHUNK_BYTES = 64 * 1024;

export interface ChunkOptions {
  encoding?: TextEncoding;
  /** The file as inspectDataFile saw it (read again when absent). */
  file?: DataFile;
  /** Refuse to read more than this many bytes of text (default: the memory this process has for text). */
  maxBytes?: number;
  /** Hears the bytes of the file read so far after each chunk (for progress). */
  onRead?: (bytes: number) => void;
}

/**
 * The text of a file as a stream of string chunks, never the whole file at once.
 * Gzip is recognised by its magic bytes (1f 8b), whatever the name. Every reader shares the
 * checks made here: missing, empty and non-regular files, bytes that are not text in the
 * encoding (decode.ts: the exact byte and line), more text than memory can hold. A leading
 * BOM is dropped and line endings come out as "\n" only (CRLF and a lone CR alike, as
 * Python's text mode reads them), so the parsers downstream see one newline convention and a
 * character model never sees a CR. `onRead`, if given, hears the bytes of the file read so
 * far (compressed bytes for gzip) after each chunk.
 */
export async function* readTextChunks(path: string, o: ChunkOptions = {}): AsyncGenerator<string> {
  const info = o.file ?? (await inspectDataFile(path));
  const maxBytes = o.maxBytes ?? memoryForText();
  const file = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  let source: Readable = file;
  if (info.gzip) {
    const gunzip = createGunzip();
    // pipeline forwards a read error on the file into gunzip, where the loop below sees it.
    pipeline(file, gunzip, () => {});
    source = gunzip;
  }
  const decoder = new ByteDecoder(path, o.encoding ?? 'utf8', info.gzip ? ', decompressed' : '');
  let pendingCR = false;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      let text = decoder.push(chunk);
      if (decoder.bytes > maxBytes) {
        throw new RnnlabError(`${path}: more text than this process can hold in memory (over ${formatBytes(maxBytes)} read${info.gzip ? '' : ` of ${formatBytes(info.size)}`}); read only the first documents with --max-docs N, or use a smaller file`);
      }
      o.onRead?.(file.bytesRead);
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
    let tail = decoder.end();
    if (pendingCR) tail = '\r' + tail;
    if (tail.length > 0) yield tail.replace(/\r\n?/g, '\n');
  } catch (err) {
    throw readFailure(path, err);
  } finally {
    source.destroy();
    file.destroy();
  }
  if (decoder.bytes === 0) throw new RnnlabError(`${path} is empty`);
}
