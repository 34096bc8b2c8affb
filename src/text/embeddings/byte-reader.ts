import { createReadStream } from 'node:fs';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { RnnlabError } from '../../errors.js';
import { inspectDataFile, readFailure } from '../sources/data-file.js';

const CHUNK_BYTES = 64 * 1024;

/**
 * A file's bytes, gunzipped when it starts with the gzip magic, pulled one chunk at a time
 * with delimited and fixed-length reads on top. Embedding files are read as bytes, not via
 * readTextChunks, because word2vec binary is not text and because a GloVe line with invalid
 * UTF-8 must be decoded leniently rather than stop the load. Only the unread rest of the
 * current chunk is held (plus a row that straddles two chunks).
 */
export class ByteReader {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private ended = false;

  private constructor(
    readonly path: string,
    readonly gzip: boolean,
    private readonly streams: Readable[],
    private readonly chunks: AsyncIterator<Buffer>,
  ) {}

  static async open(path: string): Promise<ByteReader> {
    // also turns a missing file, a directory, a pipe or a device into one error line (a pipe would block)
    const { gzip } = await inspectDataFile(path);
    const file = createReadStream(path, { highWaterMark: CHUNK_BYTES });
    let source: Readable = file;
    if (gzip) {
      const gunzip = createGunzip();
      // pipeline forwards a read error on the file into gunzip, where pull() sees it.
      pipeline(file, gunzip, () => {});
      source = gunzip;
    }
    return new ByteReader(path, gzip, [source, file], (source as AsyncIterable<Buffer>)[Symbol.asyncIterator]());
  }

  close(): void {
    for (const s of this.streams) s.destroy();
  }

  /** Bytes read but not yet consumed. */
  get buffered(): number {
    return this.buf.length - this.pos;
  }

  /** Buffers until at least n bytes are unconsumed or the input ends; returns how many are. */
  async fill(n: number): Promise<number> {
    while (this.buffered < n && (await this.pull()));
    return this.buffered;
  }

  /** Up to n unconsumed bytes, without consuming them. */
  peek(n: number): Buffer {
    return this.buf.subarray(this.pos, this.pos + Math.min(n, this.buffered));
  }

  /** Consumes up to n buffered bytes (call fill first). */
  take(n: number): Buffer {
    const out = this.buf.subarray(this.pos, this.pos + Math.min(n, this.buffered));
    this.pos += out.length;
    return out;
  }

  /**
   * The bytes before the next `delimiter` byte, consuming both, when they are already
   * buffered: the common case, answered without awaiting (a promise per row adds up over
   * millions of rows). undefined means "call readUntil".
   */
  takeUntil(delimiter: number): Buffer | undefined {
    const at = this.buf.indexOf(delimiter, this.pos);
    if (at === -1) return undefined;
    const out = this.buf.subarray(this.pos, at);
    this.pos = at + 1;
    return out;
  }

  /**
   * The bytes before the next `delimiter` byte, consuming both; at the end of the input the
   * rest without a delimiter (`terminated` false), or null when nothing is left. More than
   * `maxBytes` without a delimiter raises tooLong(): such a file is not what the caller
   * reads, and holding it whole is what streaming avoids.
   */
  async readUntil(delimiter: number, maxBytes: number, tooLong: () => RnnlabError): Promise<{ bytes: Buffer; terminated: boolean } | null> {
    let scanned = 0;
    for (;;) {
      const at = this.buf.indexOf(delimiter, this.pos + scanned);
      if (at !== -1) {
        const bytes = this.buf.subarray(this.pos, at);
        this.pos = at + 1;
        return { bytes, terminated: true };
      }
      scanned = this.buffered;
      if (scanned > maxBytes) throw tooLong();
      if (!(await this.pull())) {
        if (scanned === 0) return null;
        return { bytes: this.take(scanned), terminated: false };
      }
    }
  }

  /** Appends the next chunk to the unconsumed bytes; false at the end of the input. */
  private async pull(): Promise<boolean> {
    if (this.ended) return false;
    let next: IteratorResult<Buffer>;
    try {
      next = await this.chunks.next();
    } catch (err) {
      throw err instanceof RnnlabError ? err : readFailure(this.path, err);
    }
    if (next.done) {
      this.ended = true;
      return false;
    }
    this.buf = this.buffered === 0 ? next.value : Buffer.concat([this.buf.subarray(this.pos), next.value]);
    this.pos = 0;
    return true;
  }
}
