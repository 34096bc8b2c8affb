/**
 * Safetensors files as a PyTorch script writes them (no rnnlab metadata, no checksums), for the
 * import tests: read one into named raw tensors, write a chosen set back, and lay out a model as
 * `rnnlab export --format pytorch` does (the interop contract: weights, config.json with "arch"
 * and "level", vocab.json, tokenizer.json).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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

/**
 * The export folder of the interop contract, from an rnnlab model file: the model's tensors only
 * (no optimizer state) in a plain safetensors without rnnlab's metadata, config.json (the
 * checkpoint's config plus "arch" and "level"; for classifiers also "labels", "maxLen" and
 * "clean"), vocab.json and tokenizer.json (the tokenizer metadata verbatim).
 */
export function writeExportFolder(model: string, dir: string): void {
  const { tensors, metadata } = readRaw(model);
  mkdirSync(dir, { recursive: true });
  writeRaw(join(dir, 'weights.safetensors'), new Map([...tensors].filter(([n]) => !n.startsWith('optimizer.') && !n.startsWith('state.'))));
  const tokenizer = JSON.parse(metadata.tokenizer) as { kind: string };
  const level = tokenizer.kind === 'char' ? 'char' : tokenizer.kind === 'bpe' ? 'bpe' : 'word';
  const arch = metadata.arch ?? 'lm';
  const classifier = arch === 'classifier' ? { labels: JSON.parse(metadata.classes) as string[], maxLen: Number(metadata.max_len), clean: metadata.clean === 'true' } : {};
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...JSON.parse(metadata.config), arch, level, ...classifier }, null, 2) + '\n');
  writeFileSync(join(dir, 'vocab.json'), metadata.vocab + '\n');
  writeFileSync(join(dir, 'tokenizer.json'), metadata.tokenizer + '\n');
}
