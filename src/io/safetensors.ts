/**
 * The safetensors format (huggingface/safetensors): an 8-byte little-endian header length,
 * a JSON header { name: { dtype, shape, data_offsets: [begin, end] }, __metadata__: {str: str} },
 * then the raw little-endian tensor bytes. Written by hand: the format is ~60 lines and the npm
 * packages for it are unmaintained. F32, I32 and I64 (PyTorch's dtype for counters such as
 * BatchNorm's num_batches_tracked) are produced; F64/F16/BF16 are read (converted to float32)
 * and I64 is read into int32, so PyTorch exports load too.
 */
import { RnnlabError } from '../errors.js';
import { crc32Hex } from './crc32.js';

export interface StTensor {
  /** I64 is written from int32 values (read back as I32). */
  dtype: 'F32' | 'I32' | 'I64';
  shape: number[];
  data: Float32Array | Int32Array;
}

export interface StFile {
  tensors: Map<string, StTensor>;
  metadata: Record<string, string>;
}

/** A header past this is refused before it is parsed: rnnlab's own are a few MB at most (a large vocabulary). */
export const MAX_HEADER = 100 * 1024 * 1024;

/**
 * Metadata keys rnnlab adds to every file it writes: the CRC-32 of the tensor data, and of the
 * header (its other entries, in a canonical form), so a damaged file is refused on load rather
 * than loaded with wrong weights or a wrong vocabulary. Files without them still load.
 */
export const DATA_CHECKSUM = 'data_crc32';
export const HEADER_CHECKSUM = 'header_crc32';

const WIDTH = new Map<string, number>([['F32', 4], ['I32', 4], ['F64', 8], ['F16', 2], ['BF16', 2], ['I64', 8]]);

export function encodeSafetensors(tensors: Map<string, StTensor>, metadata: Record<string, string>): Uint8Array {
  const entries = new Map<string, Entry>();
  let offset = 0;
  for (const [name, t] of tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new Error(`tensor ${name}: shape [${t.shape}] does not match ${t.data.length} values`);
    const width = t.dtype === 'I64' ? 8 : 4;
    entries.set(name, { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + width * n] });
    offset += width * n;
  }
  const data = new Uint8Array(offset);
  const dv = new DataView(data.buffer);
  let pos = 0;
  for (const t of tensors.values()) {
    if (t.dtype === 'I64') {
      for (let i = 0; i < t.data.length; i++) dv.setBigInt64(pos + 8 * i, BigInt(Math.trunc(t.data[i])), true);
      pos += 8 * t.data.length;
      continue;
    }
    // x86 and every JS engine we target are little-endian, so the typed array's bytes are the file's.
    data.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), pos);
    pos += t.data.byteLength;
  }
  const own = { ...metadata };
  delete own[DATA_CHECKSUM];
  delete own[HEADER_CHECKSUM];
  const meta = { ...own, [DATA_CHECKSUM]: crc32Hex(data), [HEADER_CHECKSUM]: headerChecksum(entries, own) };
  const json = JSON.stringify({ __metadata__: meta, ...Object.fromEntries(entries) });
  // Pad with spaces so the data starts 8-byte aligned (as the reference implementation does).
  const enc = new TextEncoder();
  let hb = enc.encode(json);
  const pad = (8 - ((8 + hb.length) % 8)) % 8;
  if (pad) hb = enc.encode(json + ' '.repeat(pad));
  const out = new Uint8Array(8 + hb.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(hb.length), true);
  out.set(hb, 8);
  out.set(data, 8 + hb.length);
  return out;
}

interface Entry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** The CRC-32 of the header without its checksums, keys sorted (JSON.parse reorders integer-like keys). */
function headerChecksum(entries: Map<string, Entry>, metadata: Record<string, string>): string {
  const sorted = <T>(o: Iterable<[string, T]>): [string, T][] => [...o].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const canonical = JSON.stringify([
    sorted(Object.entries(metadata)),
    sorted(entries).map(([k, e]) => [k, e.dtype, e.shape, e.data_offsets]),
  ]);
  return crc32Hex(new TextEncoder().encode(canonical));
}

const fmt = (n: number): string => n.toLocaleString('en-US');

/**
 * Parses a safetensors file; every malformation is a one-line RnnlabError naming `what`. Nothing
 * read from the file is trusted: lengths, offsets and shapes are checked against the file's size
 * before anything is allocated, so any input ends in a result or a RnnlabError, in memory
 * bounded by a small multiple of the input's size.
 */
export function decodeSafetensors(bytes: Uint8Array, what: string): StFile {
  const foreign = (why: string): never => {
    throw new RnnlabError(`${what} is not a safetensors file (${why})`);
  };
  const damaged = (why: string): never => {
    throw new RnnlabError(`${what} is damaged: ${why}`);
  };
  if (bytes.length === 0) foreign('it is empty');
  if (bytes.length < 8) foreign(`${bytes.length} bytes, shorter than the 8-byte header length`);
  const hlen = headerLength(bytes, what);
  const dataStart = 8 + hlen;
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart)));
  } catch {
    if (bytes[8] === 0x7b) damaged('its header is not valid JSON');
    foreign('no JSON header after the header length');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return damaged('its header is not a JSON object');
  const h = header as Record<string, unknown>;
  // Types first (so the header checksum sees a well-formed header), then the checksum, then the numbers.
  let metadata: Record<string, string> = {};
  const entries = new Map<string, Entry>();
  for (const [name, v] of Object.entries(h)) {
    if (name === '__metadata__') {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) damaged('its metadata is not an object');
      for (const [k, s] of Object.entries(v as object)) if (typeof s !== 'string') damaged(`metadata ${k} is not a string`);
      metadata = v as Record<string, string>;
      continue;
    }
    const e = v as Partial<Entry> | null;
    const numbers = (a: unknown): boolean => Array.isArray(a) && a.every((x) => typeof x === 'number');
    if (typeof e !== 'object' || e === null || typeof e.dtype !== 'string' || !numbers(e.shape) || !numbers(e.data_offsets) || e.data_offsets!.length !== 2) {
      damaged(`the entry of tensor ${name} is malformed`);
    }
    entries.set(name, e as Entry);
  }
  const own = { ...metadata };
  delete own[DATA_CHECKSUM];
  delete own[HEADER_CHECKSUM];
  if (metadata[HEADER_CHECKSUM] !== undefined && metadata[HEADER_CHECKSUM] !== headerChecksum(entries, own)) {
    throw new RnnlabError(`${what} is corrupt: its header does not match its checksum (${HEADER_CHECKSUM})`);
  }
  // Each tensor's extent, checked on its own; then together (the file's size, overlaps).
  const spans: { name: string; begin: number; end: number }[] = [];
  let dataEnd = 0;
  for (const [name, e] of entries) {
    const width = WIDTH.get(e.dtype)!;
    if (!width) damaged(`tensor ${name} has dtype ${e.dtype}, which rnnlab does not read (it reads ${[...WIDTH.keys()].join(', ')})`);
    let n = 1;
    for (const d of e.shape) {
      if (!Number.isSafeInteger(d) || d < 0) damaged(`tensor ${name} has shape [${e.shape}], whose sizes are not all whole numbers ≥ 0`);
      n *= d;
      if (n * width > Number.MAX_SAFE_INTEGER) damaged(`tensor ${name} has shape [${e.shape}], too large for any file`);
    }
    const [begin, end] = e.data_offsets;
    if (!Number.isSafeInteger(begin) || !Number.isSafeInteger(end) || begin < 0 || begin > end) {
      damaged(`tensor ${name} has data offsets [${begin}, ${end}], which are not a range of bytes`);
    }
    if (end - begin !== n * width) {
      damaged(`tensor ${name} has data offsets [${begin}, ${end}] (${fmt(end - begin)} bytes) but ${e.dtype} shape [${e.shape}] needs ${fmt(n * width)} bytes`);
    }
    spans.push({ name, begin, end });
    dataEnd = Math.max(dataEnd, end);
  }
  const dataLen = bytes.length - dataStart;
  if (dataEnd > dataLen) throw new RnnlabError(`${what} is truncated: ${fmt(bytes.length)} of ${fmt(dataStart + dataEnd)} bytes`);
  if (dataEnd < dataLen) damaged(`${fmt(dataLen - dataEnd)} bytes follow its tensor data`);
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i].begin < spans[i - 1].end) damaged(`the data of tensors ${spans[i - 1].name} and ${spans[i].name} overlap`);
  }
  if (metadata[DATA_CHECKSUM] !== undefined && metadata[DATA_CHECKSUM] !== crc32Hex(bytes.subarray(dataStart, dataStart + dataEnd))) {
    throw new RnnlabError(`${what} is corrupt: its tensor data do not match their checksum (${DATA_CHECKSUM})`);
  }
  const tensors = new Map<string, StTensor>();
  for (const [name, e] of entries) {
    const [b, end] = e.data_offsets;
    const n = (end - b) / WIDTH.get(e.dtype)!;
    // A fresh copy: aligned, and not a view into a pooled Node Buffer (Buffer#slice would share memory).
    const raw = new Uint8Array(end - b);
    raw.set(bytes.subarray(dataStart + b, dataStart + end));
    const rv = new DataView(raw.buffer);
    let data: Float32Array | Int32Array;
    let dtype: StTensor['dtype'] = 'F32';
    switch (e.dtype) {
      case 'F32': data = new Float32Array(raw.buffer); break;
      case 'I32': data = new Int32Array(raw.buffer); dtype = 'I32'; break;
      case 'I64': data = Int32Array.from({ length: n }, (_, i) => Number(rv.getBigInt64(8 * i, true))); dtype = 'I32'; break;
      case 'F64': data = Float32Array.from({ length: n }, (_, i) => rv.getFloat64(8 * i, true)); break;
      case 'BF16': data = Float32Array.from({ length: n }, (_, i) => bf16(rv.getUint16(2 * i, true))); break;
      default: data = Float32Array.from({ length: n }, (_, i) => f16(rv.getUint16(2 * i, true)));
    }
    tensors.set(name, { dtype, shape: [...e.shape], data });
  }
  return { tensors, metadata };
}

/**
 * The header length of a file's first 8 bytes, checked against the limit and the file's size
 * (`size`, when only the start of the file is at hand). A length that does not fit is either a
 * truncated file (its header starts as JSON does) or not a safetensors file at all.
 */
export function headerLength(start: Uint8Array, what: string, size = start.length): number {
  if (size < 8 || start.length < 8) throw new RnnlabError(`${what} is not a safetensors file (${size} bytes, shorter than the 8-byte header length)`);
  const big = new DataView(start.buffer, start.byteOffset, 8).getBigUint64(0, true);
  const json = start.length > 8 ? start[8] === 0x7b : true;
  if (big === 0n) throw new RnnlabError(`${what} is not a safetensors file (its header length is 0)`);
  if (big > BigInt(MAX_HEADER)) {
    throw new RnnlabError(json && start.length > 8
      ? `${what} is damaged: its header length ${fmt(Number(big))} is over the ${fmt(MAX_HEADER)}-byte limit`
      : `${what} is not a safetensors file (its first 8 bytes are not a header length)`);
  }
  const hlen = Number(big);
  if (8 + hlen > size) {
    if (json && size > 8) throw new RnnlabError(`${what} is truncated: ${fmt(size)} bytes, and its header alone needs ${fmt(8 + hlen)}`);
    throw new RnnlabError(`${what} is not a safetensors file (its header length ${fmt(hlen)} does not fit the ${fmt(size)}-byte file)`);
  }
  return hlen;
}

function bf16(u: number): number {
  const b = new DataView(new ArrayBuffer(4));
  b.setUint32(0, u << 16);
  return b.getFloat32(0);
}

function f16(u: number): number {
  const s = u & 0x8000 ? -1 : 1, e = (u >> 10) & 0x1f, m = u & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}
