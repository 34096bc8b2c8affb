/**
 * The safetensors format (huggingface/safetensors): an 8-byte little-endian header length,
 * a JSON header { name: { dtype, shape, data_offsets: [begin, end] }, __metadata__: {str: str} },
 * then the raw little-endian tensor bytes. Written by hand: the format is ~60 lines and the npm
 * packages for it are unmaintained. F32, I32 and I64 (PyTorch's dtype for counters such as
 * BatchNorm's num_batches_tracked) are produced; F64/F16/BF16 are read (converted to float32)
 * and I64 is read into int32, so PyTorch exports load too.
 */
import { RnnlabError } from '../errors.js';

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

const MAX_HEADER = 100 * 1024 * 1024;

export function encodeSafetensors(tensors: Map<string, StTensor>, metadata: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new Error(`tensor ${name}: shape [${t.shape}] does not match ${t.data.length} values`);
    const width = t.dtype === 'I64' ? 8 : 4;
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + width * n] };
    offset += width * n;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data starts 8-byte aligned (as the reference implementation does).
  const enc = new TextEncoder();
  let hb = enc.encode(json);
  const pad = (8 - ((8 + hb.length) % 8)) % 8;
  if (pad) hb = enc.encode(json + ' '.repeat(pad));
  const out = new Uint8Array(8 + hb.length + offset);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(hb.length), true);
  out.set(hb, 8);
  let pos = 8 + hb.length;
  for (const t of tensors.values()) {
    if (t.dtype === 'I64') {
      for (let i = 0; i < t.data.length; i++) dv.setBigInt64(pos + 8 * i, BigInt(Math.trunc(t.data[i])), true);
      pos += 8 * t.data.length;
      continue;
    }
    // x86 and every JS engine we target are little-endian, so the typed array's bytes are the file's.
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), pos);
    pos += t.data.byteLength;
  }
  return out;
}

/** Parses a safetensors file; every malformation is a one-line RnnlabError naming `what`. */
export function decodeSafetensors(bytes: Uint8Array, what: string): StFile {
  const bad = (why: string): never => {
    throw new RnnlabError(`${what} is not a valid safetensors file (${why})`);
  };
  if (bytes.length < 8) bad('too short');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = Number(dv.getBigUint64(0, true));
  if (hlen <= 0 || hlen > MAX_HEADER || 8 + hlen > bytes.length) bad('bad header length');
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + hlen)));
  } catch {
    return bad('header is not JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) bad('header is not an object');
  const dataStart = 8 + hlen;
  const dataLen = bytes.length - dataStart;
  const tensors = new Map<string, StTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, v] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (typeof v !== 'object' || v === null) bad('metadata is not an object');
      metadata = v as Record<string, string>;
      continue;
    }
    const e = v as { dtype?: string; shape?: number[]; data_offsets?: [number, number] };
    if (!e || !Array.isArray(e.shape) || !Array.isArray(e.data_offsets)) bad(`entry ${name} is malformed`);
    const [b, end] = e.data_offsets!;
    const n = e.shape!.reduce((a, x) => a * x, 1);
    const width = { F32: 4, I32: 4, F64: 8, F16: 2, BF16: 2, I64: 8 }[e.dtype ?? ''];
    if (!width) bad(`tensor ${name} has unsupported dtype ${e.dtype}`);
    if (!(Number.isInteger(b) && Number.isInteger(end) && b >= 0 && end <= dataLen && end - b === n * width!)) {
      bad(`tensor ${name} has bad data offsets (file truncated?)`);
    }
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
    tensors.set(name, { dtype, shape: e.shape!, data });
  }
  for (const [k, v] of Object.entries(metadata)) if (typeof v !== 'string') bad(`metadata ${k} is not a string`);
  return { tensors, metadata };
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
