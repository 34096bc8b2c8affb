/**
 * Buffers a layer reuses across steps: one tensor per purpose, grown (never shrunk) when a
 * batch needs more rows than before. Ops take explicit sizes, so a tensor with spare rows is
 * fine; growing frees the old one first (the wasm heap is not garbage-collected).
 */
import type { Backend } from '../backend/backend.js';
import type { IntTensor, Tensor } from '../tensor.js';

export class Workspace {
  private readonly floats = new Map<string, Tensor>();
  private readonly ints = new Map<string, IntTensor>();

  constructor(private readonly backend: Backend) {}

  /** A float tensor of at least rows·width elements, shaped [rows', width] with rows' ≥ rows. */
  get(name: string, rows: number, width: number): Tensor {
    const need = Math.max(1, rows * width);
    const t = this.floats.get(name);
    if (t && t.size >= need) return t;
    if (t) this.backend.free(t);
    const fresh = this.backend.alloc(width > 0 ? [Math.max(1, rows), width] : [need]);
    this.floats.set(name, fresh);
    return fresh;
  }

  getInt(name: string, size: number): IntTensor {
    const t = this.ints.get(name);
    if (t && t.size >= size) return t;
    if (t) this.backend.free(t);
    const fresh = this.backend.allocInt(Math.max(1, size));
    this.ints.set(name, fresh);
    return fresh;
  }

  /** A row-length activation's lengths as an int tensor the kernels read (all T when not padded). */
  lengths(x: { T: number; B: number; lengths: Int32Array | null }): IntTensor {
    const t = this.getInt('lengths', x.B);
    if (x.lengths) t.data.set(x.lengths.subarray(0, x.B));
    else t.data.fill(x.T, 0, x.B);
    return t;
  }

  release(): void {
    for (const t of this.floats.values()) this.backend.free(t);
    for (const t of this.ints.values()) this.backend.free(t);
    this.floats.clear();
    this.ints.clear();
  }
}
