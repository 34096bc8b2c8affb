/**
 * A run's --precision and its backend. The precision is the backend's arithmetic (fp32, or bf16
 * mixed precision: src/backend/bf16.ts), so the backend is created in it — or, when a caller
 * hands one in, must compute in it. A resume continues in the precision the checkpoint
 * records unless --precision says otherwise: switching is allowed (mixed-precision practice
 * changes it mid-run; the weights and optimizer state are float32 in either) and noted once.
 */
import type { Backend, Precision } from '../backend/backend.js';
import { checkPrecision } from '../backend/bf16.js';
import { createBackend } from '../backend/select.js';
import { RnnlabError } from '../errors.js';
import { recordedPrecision } from '../train/checkpoint.js';

/** The caller's backend, checked against the run's precision, or a new one in it. */
export async function backendIn(precision: Precision, given: Backend | undefined): Promise<Backend> {
  if (!given) return (await createBackend({ precision })).backend;
  const has = given.precision ?? 'fp32';
  if (has !== precision) {
    throw new RnnlabError(`the backend given computes in ${has} but the run is --precision ${precision} (create it with createBackend({ precision: '${precision}' }))`);
  }
  return given;
}

/** A new run's precision: --precision, else the given backend's, else fp32. */
export function newRunPrecision(asked: unknown, backend: Backend | undefined): Precision {
  return asked !== undefined ? checkPrecision(asked) : (backend?.precision ?? 'fp32');
}

/**
 * A resumed run's precision: --precision when given, else the one last.safetensors records;
 * with the note that says a switch (null when none), for the caller to print once the resume
 * has passed its checks (a refused resume prints its error line alone).
 */
export function resumePrecision(last: string, asked: unknown): { precision: Precision; note: string | null } {
  const recorded = recordedPrecision(last);
  if (asked === undefined) return { precision: recorded, note: null };
  const p = checkPrecision(asked);
  const note = p === recorded ? null
    : `note: the run was trained in ${recorded} so far and continues in ${p} (--precision ${p}); its weights and optimizer state are float32 in both`;
  return { precision: p, note };
}
