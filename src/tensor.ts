/**
 * Tensors: flat typed-array views with a shape. No autograd, no strides: every op in
 * `backend/` takes whole tensors (plus element offsets where a step of a sequence is
 * addressed), so a tensor can live anywhere a backend keeps memory — a private
 * ArrayBuffer (js), one WebAssembly.Memory (wasm) or a native heap (native).
 *
 * Shape key, used in every doc comment of the engine:
 *   B  batch rows            T  timesteps            N = T·B flattened positions
 *   E  input/embedding width H  hidden width         G = gates·H (LSTM 4H, GRU 3H, RNN H)
 *   V  vocabulary size       L  recurrent layers
 *   C  classes (a classifier's outputs)   F  channels (convolution filters)   K  kernel width
 * Sequence tensors inside the engine are time-major [T, B, ·], so one timestep is a
 * contiguous [B, ·] block (a GEMM operand with no gather). The model converts from
 * PyTorch's batch_first [B, T] at its edges.
 */

export type FloatArray = Float32Array | Float64Array;
export type DType = 'float32' | 'float64';

/** Where a tensor's numbers are. `ptr` is the byte offset of element 0 in the backend's heap (-1 if it has none). */
export interface Storage<A> {
  readonly data: A;
  readonly ptr: number;
}

export class Tensor {
  readonly size: number;
  constructor(
    readonly shape: readonly number[],
    readonly storage: Storage<FloatArray>,
  ) {
    this.size = shapeSize(shape);
  }
  /** A live view of the numbers (re-created by the backend when its memory moved). */
  get data(): FloatArray {
    return this.storage.data;
  }
  get ptr(): number {
    return this.storage.ptr;
  }
}

/** Token ids and targets: int32, in the same memory as the float tensors. */
export class IntTensor {
  constructor(
    readonly size: number,
    readonly storage: Storage<Int32Array>,
  ) {}
  get data(): Int32Array {
    return this.storage.data;
  }
  get ptr(): number {
    return this.storage.ptr;
  }
}

export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`bad tensor shape [${shape.join(', ')}]`);
    n *= d;
  }
  return n;
}

/** Plain storage owned by the JS heap. */
export class ArrayStorage<A> implements Storage<A> {
  readonly ptr = -1;
  constructor(readonly data: A) {}
}
