import type { Backend } from '../backend/backend.js';
import type { Tensor } from '../tensor.js';

/** A trainable tensor under its PyTorch state_dict name, with its gradient (accumulated by backward passes). */
export interface Param {
  readonly name: string;
  readonly shape: readonly number[];
  readonly value: Tensor;
  readonly grad: Tensor;
}

export function makeParam(backend: Backend, name: string, shape: readonly number[]): Param {
  return { name, shape, value: backend.alloc(shape), grad: backend.alloc(shape) };
}

export function zeroGrads(backend: Backend, params: readonly Param[]): void {
  for (const p of params) backend.fill(p.grad, 0, 0, p.grad.size);
}
