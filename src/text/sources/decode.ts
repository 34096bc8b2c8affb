/**
 * Bytes to text, chunk by chunk, in one of the encodings `--encoding` offers, refusing what is
 * not text with the exact byte offset (and line) of the first bad byte, so a user can find it:
 *   utf8     the default; a leading BOM is dropped; invalid sequences are errors that suggest
 *            --encoding latin1; a UTF-16 file (BOM, or the zero bytes of ASCII in UTF-16) is
 *            named as such and --encoding utf16le suggested;
 *   latin1   ISO-8859-1, with 0x80–0x9F read as Windows-1252 (curly quotes, dashes, €), because
 *            C1 control characters are never meant in a text file that has those bytes;
 *   utf16le  a leading BOM is dropped; unpaired surrogates and a trailing odd byte are errors.
 * A NUL character is refused in every encoding: it means a binary file (or the wrong encoding),
 * and a NUL kept as a vocabulary character would only hide that.
 */
import { RnnlabError } from '../../errors.js';
import { cp1252Char } from '../../util/cp1252.js';

export const ENCODINGS = ['utf8', 'latin1', 'utf16le'] as const;
export type TextEncoding = (typeof ENCODINGS)[number];

/** How many bytes of the start are looked at to tell UTF-16 from a binary file. */
const HEAD_BYTES = 4096;

export function checkEncoding(encoding: string): TextEncoding {
  if (!(ENCODINGS as readonly string[]).includes(encoding)) {
    throw new RnnlabError(`unknown --encoding "${encoding}" (expected one of: ${ENCODINGS.join(', ')})`);
  }
  return encoding as TextEncoding;
}

/** "1,234" */
function n(x: number): string {
  return x.toLocaleString('en-US');
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => `0x${b.toString(16).toUpperCase().padStart(2, '0')}`).join(' ');
}

/** The first index in [start, end) where `buf` stops being valid UTF-8 (end when it does not). */
export function firstInvalidUtf8(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end) {
    const b = buf[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number, min: number, max = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) need = 2;
    else if (b >= 0xf0 && b <= 0xf4) need = 3;
    else return i;
    // the second byte's range excludes overlong forms, surrogates and code points past U+10FFFF
    min = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
    if (b === 0xed) max = 0x9f;
    else if (b === 0xf4) max = 0x8f;
    if (i + need >= end) return i;
    const second = buf[i + 1];
    if (second < min || second > max) return i;
    for (let k = 2; k <= need; k++) if ((buf[i + k] & 0xc0) !== 0x80) return i;
    i += need + 1;
  }
  return end;
}

/** The bytes that form the start of an incomplete UTF-8 character at the end of buf[0, end). */
function incompleteUtf8Tail(buf: Uint8Array, end: number): number {
  for (let back = 1; back <= Math.min(3, end); back++) {
    const b = buf[end - back];
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const len = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return len > back ? back : 0;
  }
  return 0;
}

/** 'le' or 'be' when the first bytes look like ASCII-heavy UTF-16 (every other byte zero). */
export function utf16Guess(head: Uint8Array): 'le' | 'be' | null {
  const pairs = head.length >> 1;
  if (pairs < 8) return null; // too few bytes to tell UTF-16 from binary
  let evenZeros = 0, oddZeros = 0;
  for (let i = 0; i < pairs * 2; i += 2) {
    if (head[i] === 0) evenZeros++;
    if (head[i + 1] === 0) oddZeros++;
  }
  if (oddZeros >= 0.3 * pairs && evenZeros <= 0.05 * pairs) return 'le';
  if (evenZeros >= 0.3 * pairs && oddZeros <= 0.05 * pairs) return 'be';
  return null;
}

/**
 * A decoder for one file. `push` takes the next chunk of bytes and returns the text they
 * complete (a character split across chunks waits for the rest); `end` checks that nothing is
 * left over. Offsets in messages count bytes of the file (of the decompressed data for gzip).
 */
export class ByteDecoder {
  /** Bytes consumed before the pending ones. */
  private offset = 0;
  /** Lines completed before the pending bytes (newlines seen). */
  private newlines = 0;
  private carry: Uint8Array = new Uint8Array(0);
  private head: Uint8Array | null = null;
  private started = false;
  private readonly utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  private readonly utf16 = new TextDecoder('utf-16le', { fatal: true, ignoreBOM: true });

  constructor(private readonly path: string, readonly encoding: TextEncoding = 'utf8', private readonly where = '') {}

  /** Bytes of the file consumed so far. */
  get bytes(): number {
    return this.offset + this.carry.length;
  }

  push(chunk: Uint8Array): string {
    if (chunk.length === 0) return '';
    // a Buffer, so indexOf (NUL bytes, newlines) is the native search
    const buf = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    this.carry = new Uint8Array(0);
    if (this.head === null || this.head.length < HEAD_BYTES) this.keepHead(chunk);
    let start = 0;
    if (!this.started) {
      // a BOM needs up to 3 bytes; a file that short is decided in end()
      if (buf.length < 3) {
        this.carry = Uint8Array.prototype.slice.call(buf);
        return '';
      }
      this.started = true;
      start = this.startOfText(buf);
      this.offset += start;
    }
    return this.decode(buf, start);
  }

  end(): string {
    let text = '';
    if (!this.started && this.carry.length > 0) {
      const buf = Buffer.from(this.carry);
      this.carry = new Uint8Array(0);
      this.started = true;
      const start = this.startOfText(buf);
      this.offset += start;
      text = this.decode(buf, start);
    }
    if (this.carry.length > 0) {
      const what = this.encoding === 'utf8' ? 'inside a multi-byte UTF-8 character' : this.carry.length === 1 ? 'with an odd byte (UTF-16 text has an even number of bytes)' : 'after an unpaired UTF-16 surrogate';
      throw new RnnlabError(`${this.path}: the file ends ${what} (byte ${n(this.offset)}, line ${n(this.newlines + 1)}${this.where}): ${hex(this.carry)}${this.hint()}`);
    }
    return text;
  }

  private keepHead(chunk: Uint8Array): void {
    const have = this.head ?? new Uint8Array(0);
    const add = chunk.subarray(0, HEAD_BYTES - have.length);
    const next = new Uint8Array(have.length + add.length);
    next.set(have);
    next.set(add, have.length);
    this.head = next;
  }

  /** Bytes to skip at the start (a BOM), after refusing a byte-order mark of another encoding. */
  private startOfText(buf: Uint8Array): number {
    const [a, b, c] = buf;
    const utf16Bom = a === 0xff && b === 0xfe ? 'le' : a === 0xfe && b === 0xff ? 'be' : null;
    if (this.encoding === 'utf16le') {
      if (utf16Bom === 'be') throw this.utf16be('it starts with a big-endian byte-order mark');
      if (utf16Bom === 'le') return 2;
      if (a === 0xef && b === 0xbb && c === 0xbf) throw new RnnlabError(`${this.path} starts with a UTF-8 byte-order mark, so it is UTF-8, not UTF-16: leave out --encoding utf16le`);
      return 0;
    }
    if (utf16Bom === 'le') throw new RnnlabError(`${this.path} is UTF-16 text (it starts with a UTF-16LE byte-order mark): add --encoding utf16le`);
    if (utf16Bom === 'be') throw this.utf16be('it starts with a UTF-16BE byte-order mark');
    if (this.encoding === 'utf8' && a === 0xef && b === 0xbb && c === 0xbf) return 3;
    return 0;
  }

  private utf16be(why: string): RnnlabError {
    return new RnnlabError(`${this.path} is big-endian UTF-16 (${why}), which rnnlab does not read: convert it to UTF-8 (iconv -f UTF-16BE -t UTF-8)`);
  }

  /** Decodes what is complete in buf[start…]; an incomplete character at the end is carried to the next chunk. */
  private decode(buf: Uint8Array, start: number): string {
    return this.encoding === 'utf16le' ? this.decodeUtf16(buf, start) : this.decodeBytes(buf, start);
  }

  /** UTF-8 and Latin-1: one byte per unit, so offsets and newlines are counted on the bytes. */
  private decodeBytes(buf: Uint8Array, start: number): string {
    const nul = buf.indexOf(0, start);
    let end = nul === -1 ? buf.length : nul;
    if (this.encoding === 'utf8' && nul === -1) end -= incompleteUtf8Tail(buf, end);
    let text: string;
    if (this.encoding === 'latin1') {
      text = Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1');
      if (/[\x80-\x9f]/.test(text)) text = text.replace(/[\x80-\x9f]/g, (ch) => cp1252Char(ch.charCodeAt(0)));
    } else {
      try {
        text = this.utf8.decode(buf.subarray(start, end));
      } catch {
        const bad = firstInvalidUtf8(buf, start, end);
        throw this.notUtf8(buf, start, bad);
      }
    }
    if (nul !== -1) throw this.nulByte(this.offset + (nul - start), this.newlines + countNewlines(buf, start, nul));
    this.newlines += countNewlines(buf, start, end);
    this.offset += end - start;
    this.carry = Uint8Array.prototype.slice.call(buf, end);
    return text;
  }

  private decodeUtf16(buf: Uint8Array, start: number): string {
    let end = start + ((buf.length - start) & ~1);
    // a high surrogate at the end waits for its partner in the next chunk
    if (end - start >= 2 && (buf[end - 1] & 0xfc) === 0xd8) end -= 2;
    let text: string;
    try {
      text = this.utf16.decode(buf.subarray(start, end));
    } catch {
      const bad = firstUnpairedSurrogate(buf, start, end);
      const line = this.newlines + countUtf16Newlines(buf, start, bad);
      throw new RnnlabError(`${this.path}: not UTF-16LE at byte ${n(this.offset + bad - start)} (line ${n(line + 1)}${this.where}): an unpaired surrogate ${hex(buf.subarray(bad, bad + 2))}`);
    }
    const nul = text.indexOf('\0');
    if (nul !== -1) {
      throw this.nulByte(this.offset + 2 * nul, this.newlines + countUtf16Newlines(buf, start, start + 2 * nul));
    }
    if (this.offset === 0 && this.newlines === 0 && start === 0) this.refuseAsciiAsUtf16(buf, end);
    this.newlines += countNewlinesIn(text);
    this.offset += end - start;
    this.carry = Uint8Array.prototype.slice.call(buf, end);
    return text;
  }

  /** Plain ASCII read as UTF-16 would decode without error into CJK-looking nonsense. */
  private refuseAsciiAsUtf16(buf: Uint8Array, end: number): void {
    const head = buf.subarray(0, Math.min(end, HEAD_BYTES));
    if (head.length >= 4 && head.indexOf(0) === -1 && head.every((b) => b < 0x80)) {
      throw new RnnlabError(`${this.path} is not UTF-16LE: it has no byte-order mark and its first ${n(head.length)} bytes are plain ASCII; leave out --encoding utf16le`);
    }
  }

  private notUtf8(buf: Uint8Array, start: number, bad: number): RnnlabError {
    const at = this.offset + (bad - start);
    const utf16 = this.utf16Hint(at);
    if (utf16) return utf16;
    const line = this.newlines + countNewlines(buf, start, bad) + 1;
    return new RnnlabError(`${this.path}: not UTF-8 at byte ${n(at)} (line ${n(line)}${this.where}): ${hex(buf.subarray(bad, bad + 1))}${this.hint()}`);
  }

  private hint(): string {
    if (this.encoding === 'utf8') return '; if the file is Latin-1 (or Windows-1252), add --encoding latin1';
    if (this.encoding === 'utf16le') return '; is the file UTF-8? then leave out --encoding utf16le';
    return '';
  }

  /** A bad byte near the start of a file whose first bytes look like UTF-16 is named as that. */
  private utf16Hint(at: number): RnnlabError | null {
    if (this.encoding === 'utf16le' || !this.head || at >= HEAD_BYTES) return null;
    const guess = utf16Guess(this.head);
    if (guess === 'le') return new RnnlabError(`${this.path} looks like UTF-16LE text (every other byte is zero): add --encoding utf16le`);
    if (guess === 'be') return this.utf16be('every other byte is zero');
    return null;
  }

  private nulByte(at: number, newlines: number): RnnlabError {
    const utf16 = this.utf16Hint(at);
    if (utf16) return utf16;
    return new RnnlabError(`${this.path}: a NUL byte at byte ${n(at)} (line ${n(newlines + 1)}${this.where}): this is a binary file, not text`);
  }
}

function countNewlines(buf: Uint8Array, start: number, end: number): number {
  let count = 0;
  for (let i = buf.indexOf(0x0a, start); i !== -1 && i < end; i = buf.indexOf(0x0a, i + 1)) count++;
  return count;
}

function countUtf16Newlines(buf: Uint8Array, start: number, end: number): number {
  let count = 0;
  for (let i = start; i + 1 < end; i += 2) if (buf[i] === 0x0a && buf[i + 1] === 0) count++;
  return count;
}

function countNewlinesIn(text: string): number {
  let count = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) count++;
  return count;
}

/** The byte index in [start, end) of the first UTF-16LE code unit that is an unpaired surrogate. */
function firstUnpairedSurrogate(buf: Uint8Array, start: number, end: number): number {
  for (let i = start; i + 1 < end; i += 2) {
    const u = buf[i] | (buf[i + 1] << 8);
    if (u >= 0xd800 && u <= 0xdbff) {
      const next = i + 3 < end ? buf[i + 2] | (buf[i + 3] << 8) : -1;
      if (next >= 0xdc00 && next <= 0xdfff) i += 2;
      else return i;
    } else if (u >= 0xdc00 && u <= 0xdfff) {
      return i;
    }
  }
  return end;
}
