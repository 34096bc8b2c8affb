/**
 * Parameters and buffers: the named tensors of a model, under their PyTorch state_dict names.
 *
 * A Param is trained unless frozen. A frozen parameter has no gradient tensor at all (and the
 * optimizer keeps no state for it), so a frozen 400k×300 embedding costs its weights and
 * nothing else: no gradient memory, no Adam moments, no scatter in the backward pass.
 * Freezing frees the gradient; unfreezing allocates a zero one.
 *
 * A Buffer is state that is saved but not trained (BatchNorm's running mean/var and
 * num_batches_tracked): it lives beside the parameters in the state_dict, as in PyTorch.
 */
import type { Backend } from '../backend/backend.js';
import type { Tensor } from '../tensor.js';

export class Param {
  private gradTensor: Tensor | null;

  constructor(
    private readonly backend: Backend,
    readonly name: string,
    readonly shape: readonly number[],
    readonly value: Tensor,
    frozen = false,
  ) {
    this.gradTensor = frozen ? null : backend.alloc(shape);
  }

  get frozen(): boolean {
    return this.gradTensor === null;
  }

  /** The accumulated gradient. Asking a frozen parameter for it is a programming error. */
  get grad(): Tensor {
    if (!this.gradTensor) throw new Error(`parameter ${this.name} is frozen: it has no gradient`);
    return this.gradTensor;
  }

  /** Stop training it: the gradient tensor is freed. */
  freeze(): void {
    if (!this.gradTensor) return;
    this.backend.free(this.gradTensor);
    this.gradTensor = null;
  }

  /** Train it again, from a zero gradient. */
  unfreeze(): void {
    if (!this.gradTensor) this.gradTensor = this.backend.alloc(this.shape);
  }

  setFrozen(frozen: boolean): void {
    if (frozen) this.freeze();
    else this.unfreeze();
  }
}

export function makeParam(backend: Backend, name: string, shape: readonly number[], frozen = false): Param {
  return new Param(backend, name, shape, backend.alloc(shape), frozen);
}

/** Zeroes the gradients of the trained parameters (frozen ones have none). */
export function zeroGrads(backend: Backend, params: readonly Param[]): void {
  for (const p of params) if (!p.frozen) backend.fill(p.grad, 0, 0, p.grad.size);
}

/** Trained parameters only: what clipping and the optimizer see. */
export function trainable(params: readonly Param[]): Param[] {
  return params.filter((p) => !p.frozen);
}

/**
 * Saved, untrained state under its PyTorch name. PyTorch stores num_batches_tracked as int64;
 * rnnlab keeps such counters as a float tensor holding an integer (exact up to 2^24 in
 * float32 storage, 2^53 in the checkpoint, where `dtype: 'int64'` writes it as I64).
 */
export interface Buffer {
  readonly name: string;
  readonly value: Tensor;
  readonly dtype?: 'float32' | 'int64';
}
