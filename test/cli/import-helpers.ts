/**
 * Safetensors files as a PyTorch script writes them (no rnnlab metadata, no checksums), for the
 * import tests: read one into named raw tensors and write a chosen set back.
 */
import { readFileSync, writeFileSync } from 'node:fs';

export interface RawTensor {
  dtype: string;
  shape: number[];
  bytes: Buffer;
}

export interface RawFile {
  tensors: Map<string, RawTensor>;
  metadata: Record<string, string>;
}

export function readRaw(path: string): RawFile {
  const b = readFileSync(path);
  const n = Number(b.readBigUInt64LE(0));
  const header = JSON.parse(b.subarray(8, 8 + n).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const metadata = (header.__metadata__ ?? {}) as unknown as Record<string, string>;
  const tensors = new Map<string, RawTensor>();
  for (const [name, e] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    tensors.set(name, { dtype: e.dtype, shape: e.shape, bytes: Buffer.from(b.subarray(8 + n + e.data_offsets[0], 8 + n + e.data_offsets[1])) });
  }
  return { tensors, metadata };
}

export function writeRaw(path: string, tensors: ReadonlyMap<string, RawTensor>, metadata: Record<string, string> = {}): void {
  const header: Record<string, unknown> = Object.keys(metadata).length ? { __metadata__: metadata } : {};
  let off = 0;
  for (const [name, t] of tensors) {
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [off, off + t.bytes.length] };
    off += t.bytes.length;
  }
  let hb = Buffer.from(JSON.stringify(header), 'utf8');
  hb = Buffer.concat([hb, Buffer.from(' '.repeat((8 - ((8 + hb.length) % 8)) % 8))]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(hb.length));
  writeFileSync(path, Buffer.concat([len, hb, ...[...tensors.values()].map((t) => t.bytes)]));
}

/** A float32 tensor's raw form. */
export function f32(shape: number[], values: number[]): RawTensor {
  return { dtype: 'F32', shape, bytes: Buffer.from(new Float32Array(values).buffer) };
}
