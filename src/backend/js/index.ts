/**
 * The reference backend: plain TypeScript, float32 or float64. It is the specification
 * every faster backend is tested against, and (in float64) the subject of the
 * finite-difference gradient checks. Its kernels (kernels.ts) are also what the other
 * backends run for an op they have no kernel of their own for.
 */
import { ArrayStorage, IntTensor, Tensor, shapeSize, type DType, type FloatArray } from '../../tensor.js';
import type { Backend, Precision } from '../backend.js';
import { BackendBase } from '../base.js';
import { referenceKernelsFor } from './kernels.js';

export class JsBackend extends BackendBase implements Backend {
  readonly name = 'js' as const;
  readonly threads = 1;

  /** precision bf16: the reference emulation of bf16 mode (operands rounded, sums in float32 or wider). */
  constructor(readonly dtype: DType = 'float32', readonly precision: Precision = 'fp32') {
    super();
    this.useKernels(referenceKernelsFor(precision));
  }

  describe(): string {
    return `js (reference TypeScript kernels, ${this.dtype}${this.precision === 'bf16' ? ', bf16 products emulated' : ''}, 1 thread)`;
  }

  alloc(shape: readonly number[]): Tensor {
    const n = shapeSize(shape);
    const data: FloatArray = this.dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
    return new Tensor(shape, new ArrayStorage(data));
  }
  allocInt(size: number): IntTensor {
    return new IntTensor(size, new ArrayStorage(new Int32Array(size)));
  }
  free(): void {
    // garbage-collected
  }
}
