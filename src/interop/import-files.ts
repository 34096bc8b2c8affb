/**
 * The inputs of `rnnlab import`, read with messages that name the flag and file: the JSON files
 * (CONFIG.json, VOCAB.json, SETTINGS.json) and the weights. PyTorch may save its tensors in
 * F64, F16 or BF16: they become float32, and the import says so (a note), since half precision
 * weights give other figures than the float32 ones they were trained as.
 */
import { readFileSync, statSync } from 'node:fs';
import { RnnlabError } from '../errors.js';
import { fsReason } from '../io/fs-errors.js';
import { decodeSafetensors, type StFile } from '../io/safetensors.js';
import { readSafetensorsFile } from '../io/safetensors-file.js';

/** The dtypes a PyTorch parameter may have here, and what converting it to float32 costs. */
const FLOAT_DTYPES: Record<string, string | null> = {
  F32: null,
  F64: 'converted from F64 to float32 (rounded)',
  F16: 'converted from F16 to float32 (exact)',
  BF16: 'converted from BF16 to float32 (exact)',
};
/** Integer tensors are counters (BatchNorm's num_batches_tracked), never weights. */
const INT_DTYPES = new Set(['I64', 'I32']);

function readBytes(path: string, flag: string): Buffer {
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new RnnlabError(`cannot read ${flag} ${path}: ${code === 'ENOENT' || code === 'ENOTDIR' ? 'no such file' : fsReason(e)}`);
  }
  if (isDir) throw new RnnlabError(`cannot read ${flag} ${path}: it is a folder, not a file`);
  try {
    return readFileSync(path);
  } catch (e) {
    throw new RnnlabError(`cannot read ${flag} ${path}: ${fsReason(e)}`);
  }
}

/** A JSON file's value; an empty, binary or malformed file is one line naming the flag, the file and where it breaks. */
export function readJsonFile(path: string, flag: string): unknown {
  const bytes = readBytes(path, flag);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new RnnlabError(`${flag} ${path} is not a text file (it is not UTF-8)`);
  }
  if (text.trim() === '') throw new RnnlabError(`${flag} ${path} is empty (it should hold JSON)`);
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    const why = (e as Error).message.split('\n')[0].replace(/^JSON\.parse: /, '');
    throw new RnnlabError(`${flag} ${path} is not valid JSON (${why})`);
  }
}

export interface Weights {
  file: StFile;
  /** The dtype each tensor has in the file (the StFile holds them as float32 or int32). */
  dtypes: Map<string, string>;
  /** What was converted, for the notes the import prints. */
  notes: string[];
}

/**
 * The tensors of `--from`. Every tensor's dtype is checked before the data are decoded: a weight
 * in a dtype rnnlab cannot compute in (U8, I8, BOOL, F8…) is refused by name.
 */
export function readWeights(path: string, flag = '--from'): Weights {
  let bytes: Uint8Array;
  try {
    if (statSync(path).isDirectory()) throw new RnnlabError(`cannot read ${flag} ${path}: it is a folder, not a .safetensors file`);
    bytes = readSafetensorsFile(path, `${flag} ${path}`, 'all');
  } catch (e) {
    if (e instanceof RnnlabError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new RnnlabError(`cannot read ${flag} ${path}: ${code === 'ENOENT' || code === 'ENOTDIR' ? 'no such file' : fsReason(e)}`);
  }
  const dtypes = headerDtypes(bytes);
  const refused = [...dtypes].filter(([, d]) => !(d in FLOAT_DTYPES) && !INT_DTYPES.has(d));
  if (refused.length > 0) {
    const [name, d] = refused[0];
    throw new RnnlabError(`${flag} ${path}: tensor ${name} is ${d}; rnnlab imports F32, F64, F16 and BF16 weights (convert it with tensor.float() before saving)`);
  }
  const file = decodeSafetensors(bytes, `${flag} ${path}`);
  const notes: string[] = [];
  const converted = new Map<string, string[]>();
  for (const [name, d] of dtypes) {
    const how = FLOAT_DTYPES[d];
    if (how) converted.set(how, [...(converted.get(how) ?? []), name]);
  }
  for (const [how, names] of converted) {
    notes.push(`${names.length} tensor${names.length === 1 ? '' : 's'} ${how}: ${names.slice(0, 3).join(', ')}${names.length > 3 ? `, … (${names.length - 3} more)` : ''}`);
  }
  return { file, dtypes, notes };
}

/** Tensor name → dtype from the header (decodeSafetensors checks the header itself; this only reads it). */
function headerDtypes(bytes: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  try {
    const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { dtype?: unknown }>;
    for (const [name, e] of Object.entries(header)) {
      if (name !== '__metadata__' && typeof e?.dtype === 'string') out.set(name, e.dtype);
    }
  } catch {
    // a malformed header: decodeSafetensors names what is wrong with it
  }
  return out;
}
