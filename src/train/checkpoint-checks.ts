/**
 * What a checkpoint's metadata must be before rnnlab trusts it: the training state a resume
 * reads field by field, and a model config that cannot ask for more memory than its file
 * holds. A file that fails is refused with one line naming it, never a TypeError mid-resume.
 */
import type { Backend } from '../backend/backend.js';
import { RnnlabError } from '../errors.js';
import type { Architecture } from '../nn/registry.js';
import type { Model } from '../nn/model.js';
import type { TrainState } from './checkpoint-format.js';

type Check = (v: unknown) => boolean;
const count: Check = (v) => Number.isSafeInteger(v) && (v as number) >= 0;
const finite: Check = (v) => typeof v === 'number' && Number.isFinite(v);
const nullable = (c: Check): Check => (v) => v === null || c(v);
const object: Check = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

const REQUIRED: Record<string, Check> = {
  step: count, epoch: count, batchIndex: count, optimizerStep: count,
  rng: (v) => Array.isArray(v) && v.length === 4 && v.every((x) => Number.isSafeInteger(x)),
  bestValLoss: nullable(finite), lr: finite, options: object, dataFingerprint: (v) => typeof v === 'string', elapsedSeconds: finite,
};
const OPTIONAL: Record<string, Check> = {
  badEpochs: count, savedValLoss: nullable(finite), savedVal: nullable(object), lrFactor: finite, epochCorrect: count, epochRows: count,
  optimizerSteps: (v) => object(v) && Object.values(v as object).every(count),
};

/** The `train_state` metadata as a TrainState, or a RnnlabError naming the first bad field. */
export function checkTrainState(v: unknown, file: string): TrainState {
  const bad = (why: string): never => {
    throw new RnnlabError(`${file} has a damaged training state (${why}): it cannot be resumed`);
  };
  if (!object(v)) bad('not an object');
  const s = v as Record<string, unknown>;
  for (const [k, ok] of Object.entries(REQUIRED)) if (!ok(s[k])) bad(s[k] === undefined ? `no ${k}` : `${k} is ${JSON.stringify(s[k])}`);
  for (const [k, ok] of Object.entries(OPTIONAL)) if (s[k] !== undefined && !ok(s[k])) bad(`${k} is ${JSON.stringify(s[k])}`);
  return s as unknown as TrainState;
}

/**
 * `arch.build` with its allocations capped: a model takes its parameters and their gradients
 * (2 floats per weight) plus small scratch, so a config that asks for many more elements than
 * the file's tensors hold (a damaged or hostile file: hidden 10⁶) is refused before the memory
 * is taken, not after the machine runs out of it.
 */
export function buildWithin<M extends Model>(arch: Architecture<M>, backend: Backend, config: unknown, fileElements: number, file: string): M {
  const limit = 2 * fileElements + (1 << 20);
  let used = 0;
  const charge = (n: number) => {
    used += n;
    if (!(used <= limit)) {
      throw new RnnlabError(`${file}: its model config asks for more than ${limit.toLocaleString('en-US')} values, far more than the file's ${fileElements.toLocaleString('en-US')} (a damaged or foreign file)`);
    }
  };
  const b = backend as unknown as Record<string, unknown>;
  const own = { alloc: Object.getOwnPropertyDescriptor(b, 'alloc'), allocInt: Object.getOwnPropertyDescriptor(b, 'allocInt') };
  const alloc = backend.alloc, allocInt = backend.allocInt;
  b.alloc = (shape: readonly number[]) => {
    charge(shape.reduce((x, y) => x * y, 1));
    return alloc.call(backend, shape);
  };
  b.allocInt = (size: number) => {
    charge(size);
    return allocInt.call(backend, size);
  };
  try {
    return arch.build(backend, config);
  } catch (e) {
    // a config too large for a typed array at all
    if (e instanceof RangeError) throw new RnnlabError(`${file}: its model config asks for a model too large to allocate (a damaged or foreign file)`);
    throw e;
  } finally {
    for (const k of ['alloc', 'allocInt'] as const) {
      if (own[k]) Object.defineProperty(b, k, own[k]!);
      else delete b[k];
    }
  }
}
