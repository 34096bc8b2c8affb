/**
 * What every model is to the rest of rnnlab (checkpoints, optimizer, training run): named
 * parameters and buffers in PyTorch state_dict order, a JSON config, and an architecture key
 * that src/nn/registry.ts maps back to a constructor when a checkpoint is loaded.
 */
import type { Backend } from '../backend/backend.js';
import type { Tensor } from '../tensor.js';
import type { Rng } from '../util/rng.js';
import type { Buffer, Param } from './param.js';

export interface Model {
  /** Registry key, saved as the checkpoint's `arch` metadata ('lm', …). */
  readonly arch: string;
  /** Everything the constructor needs, JSON-serialisable; saved as the `config` metadata. */
  readonly config: object;
  readonly backend: Backend;
  /** Every distinct parameter, trained or frozen, in state_dict order (a tied one once). */
  params(): Param[];
  /** Saved untrained state. */
  buffers(): Buffer[];
  /** PyTorch's state_dict: names → tensors, parameters and buffers (a tied tensor under each name). */
  stateDict(): Map<string, Tensor>;
  initialize(rng: Rng): void;
  /** Elements in all parameters (PyTorch's sum(p.numel() for p in model.parameters())). */
  parameterCount(): number;
}

/** Parameter elements, split into trained and frozen ones. */
export function countParameters(params: readonly Param[]): { total: number; trainable: number; frozen: number } {
  let trainable = 0, frozen = 0;
  for (const p of params) {
    if (p.frozen) frozen += p.value.size;
    else trainable += p.value.size;
  }
  return { total: trainable + frozen, trainable, frozen };
}
