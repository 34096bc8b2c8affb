/**
 * Checkpoint files: atomic writes and loading by path (`--model DIR|FILE`). The format itself
 * (tensor names, metadata, what last.safetensors adds for `--resume`) is in checkpoint-format.ts.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend, Precision } from '../backend/backend.js';
import { RnnlabError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { readSafetensorsFile } from '../io/safetensors-file.js';
import type { LanguageModel } from '../nn/language-model.js';
import { decodeCheckpoint, encodeCheckpoint, requireLanguageModel, type CheckpointContents, type LoadedModel } from './checkpoint-format.js';

export {
  FORMAT, LEGACY_FORMAT, encodeCheckpoint, decodeCheckpoint, requireLanguageModel, requireClassifier,
  type CheckpointContents, type CheckpointTraining, type LoadedModel, type TrainState,
} from './checkpoint-format.js';

/** Writes a checkpoint atomically (temp file, fsync, rename): a crash never leaves half a file. */
export function saveCheckpoint(path: string, contents: CheckpointContents): void {
  writeFileAtomic(path, encodeCheckpoint(contents));
}

/** `--model DIR|FILE`: a directory means its model.safetensors. */
export function resolveModelPath(p: string): string {
  if (!existsSync(p)) throw new RnnlabError(`cannot read model ${p}: no such file or directory`);
  if (statSync(p).isDirectory()) {
    const f = join(p, 'model.safetensors');
    if (!existsSync(f)) {
      if (existsSync(join(p, 'last.safetensors'))) {
        throw new RnnlabError(`${p} holds no model.safetensors yet (the run stopped before its first validation): use ${join(p, 'last.safetensors')}, or continue the run with rnnlab train --out ${p} --resume`);
      }
      throw new RnnlabError(`${p} holds no model.safetensors (train with --out ${p} first)`);
    }
    return f;
  }
  return p;
}

export function loadCheckpoint(path: string, backend: Backend): LoadedModel {
  const file = resolveModelPath(path);
  return decodeCheckpoint(readCheckpointBytes(file), backend, file);
}

/**
 * A checkpoint's bytes. Its first bytes are checked before the rest is read, so a foreign or
 * truncated file (or one whose header length claims gigabytes) is refused without reading it whole.
 */
export function readCheckpointBytes(file: string): Uint8Array {
  try {
    return readSafetensorsFile(file, `checkpoint ${file}`, 'all');
  } catch (e) {
    if (e instanceof RnnlabError) throw e;
    throw new RnnlabError(`cannot read model ${file}: ${(e as Error).message}`);
  }
}

/**
 * The precision a checkpoint records (`--model DIR|FILE`), read from its header alone, so a
 * command can create its backend in that precision before loading the model: fp32 for files
 * from before --precision, and for a file that is no checkpoint (loading it then says why).
 */
export function recordedPrecision(path: string): Precision {
  // a model that is not there is reported now, before a backend is chosen for it
  const file = resolveModelPath(path);
  try {
    const header = readSafetensorsFile(file, file, 'header');
    const meta = (JSON.parse(new TextDecoder().decode(header)) as { __metadata__?: { precision?: unknown } }).__metadata__;
    return meta?.precision === 'bf16' ? 'bf16' : 'fp32';
  } catch {
    return 'fp32';
  }
}

/** loadCheckpoint for commands that need a language model (eval, sample, compare-strategies). */
export function loadLanguageModel(path: string, backend: Backend): LoadedModel<LanguageModel> {
  return requireLanguageModel(loadCheckpoint(path, backend), path);
}
