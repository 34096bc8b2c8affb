// The checkpoint a resumed run continues from, for both kinds of run (language model, classifier).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend } from '../backend/backend.js';
import { createBackend } from '../backend/select.js';
import { RnnlabError } from '../errors.js';
import type { Model } from '../nn/model.js';
import { loadCheckpoint, type LoadedModel } from '../train/checkpoint.js';

/** Loads `out`/last.safetensors on `backend` (the best available when not given), checked by `require` for its model kind. */
export async function loadLastCheckpoint<M extends Model>(
  out: string | undefined,
  backend: Backend | undefined,
  require: (m: LoadedModel, file: string) => LoadedModel<M>,
): Promise<{ last: string; backend: Backend; resumed: LoadedModel<M> }> {
  if (!out) throw new RnnlabError('--resume needs --out DIR (the run to continue)');
  const last = join(out, 'last.safetensors');
  if (!existsSync(last)) throw new RnnlabError(`cannot resume: ${last} does not exist`);
  const b = backend ?? (await createBackend()).backend;
  const resumed = require(loadCheckpoint(last, b), last);
  if (!resumed.trainState) throw new RnnlabError(`cannot resume: ${last} holds no training state (a model.safetensors copied over it?)`);
  return { last, backend: b, resumed };
}
