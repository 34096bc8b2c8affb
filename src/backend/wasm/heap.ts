/**
 * The wasm backend's heap: every tensor, int tensor and scratch buffer is a block of the one
 * WebAssembly.Memory. First-fit free list (sorted by address, coalescing neighbours),
 * 64-byte-aligned blocks, memory grown on demand (at least ×1.25 to amortise growth).
 *
 * memory.grow detaches every ArrayBuffer view of the old memory, so tensors hold a
 * `HeapStorage` whose `data` getter re-creates its typed array after a growth.
 */
import type { Storage } from '../../tensor.js';

const ALIGN = 64;
const PAGE = 65536;
const MAX_BYTES = 65536 * PAGE; // wasm32: 4 GiB

interface Block {
  off: number;
  size: number;
}

export class Heap {
  /** Bumped on every memory.grow; storages compare it to know their view is stale. */
  generation = 0;
  /** Blocks in use: address → size in bytes. */
  private used = new Map<number, number>();
  /** Free blocks sorted by address, never adjacent (coalesced). */
  private free: Block[] = [];
  /** End of the managed region (= memory size in bytes). */
  private end: number;

  constructor(readonly memory: WebAssembly.Memory, base: number) {
    const start = Math.max(ALIGN, roundUp(base, ALIGN)); // address 0 stays unused: 0 means "absent" to the kernels
    if (memory.buffer.byteLength < start + PAGE) memory.grow(Math.ceil((start + PAGE - memory.buffer.byteLength) / PAGE));
    this.end = memory.buffer.byteLength;
    this.free.push({ off: start, size: this.end - start });
  }

  get byteLength(): number {
    return this.end;
  }

  /** Bytes in live blocks (for tests and `info`). */
  get usedBytes(): number {
    let s = 0;
    for (const v of this.used.values()) s += v;
    return s;
  }

  /** A zero-filled block of at least `bytes` bytes, 64-byte aligned. */
  alloc(bytes: number): number {
    const size = Math.max(ALIGN, roundUp(bytes, ALIGN));
    let idx = this.free.findIndex((b) => b.size >= size);
    if (idx < 0) idx = this.grow(size);
    const b = this.free[idx];
    const off = b.off;
    if (b.size === size) this.free.splice(idx, 1);
    else {
      b.off += size;
      b.size -= size;
    }
    this.used.set(off, size);
    new Uint8Array(this.memory.buffer, off, size).fill(0);
    return off;
  }

  /** Returns a block; unknown addresses (double free) are ignored. */
  release(off: number): void {
    const size = this.used.get(off);
    if (size === undefined) return;
    this.used.delete(off);
    const f = this.free;
    // first free block after `off`
    let lo = 0, hi = f.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (f[mid].off < off) lo = mid + 1;
      else hi = mid;
    }
    const prev = lo > 0 ? f[lo - 1] : null;
    const next = lo < f.length ? f[lo] : null;
    if (prev && prev.off + prev.size === off) {
      prev.size += size;
      if (next && prev.off + prev.size === next.off) {
        prev.size += next.size;
        f.splice(lo, 1);
      }
    } else if (next && off + size === next.off) {
      next.off = off;
      next.size += size;
    } else {
      f.splice(lo, 0, { off, size });
    }
  }

  /** Grows the memory so that a free block of `size` bytes exists at the end; returns its index. */
  private grow(size: number): number {
    const last = this.free.length ? this.free[this.free.length - 1] : null;
    const tail = last && last.off + last.size === this.end ? last.size : 0;
    const need = size - tail;
    this.growBy(Math.max(need, Math.floor(this.end / 4)), need);
    return this.free.length - 1;
  }

  private growBy(want: number, minimum: number): void {
    let pages = Math.ceil(want / PAGE);
    const minPages = Math.ceil(minimum / PAGE);
    const maxPages = Math.floor((MAX_BYTES - this.end) / PAGE);
    if (minPages > maxPages) {
      throw new RangeError(`wasm backend: out of memory (${this.end} bytes in use, ${minimum} more needed; wasm32 limit is 4 GiB)`);
    }
    pages = Math.min(Math.max(pages, minPages), maxPages);
    try {
      this.memory.grow(pages);
    } catch (e) {
      if (pages === minPages) throw new RangeError(`wasm backend: cannot grow memory by ${pages} pages: ${String(e)}`);
      pages = minPages;
      this.memory.grow(pages);
    }
    const oldEnd = this.end;
    this.end = this.memory.buffer.byteLength;
    this.generation++;
    const last = this.free.length ? this.free[this.free.length - 1] : null;
    if (last && last.off + last.size === oldEnd) last.size += this.end - oldEnd;
    else this.free.push({ off: oldEnd, size: this.end - oldEnd });
  }
}

/** A typed-array view of a heap block that survives memory growth. */
export class HeapStorage<A extends Float32Array | Int32Array> implements Storage<A> {
  private view: A;
  private gen: number;
  constructor(
    readonly heap: Heap,
    readonly ptr: number,
    readonly length: number,
    private readonly make: (buf: ArrayBuffer, ptr: number, length: number) => A,
  ) {
    this.view = make(heap.memory.buffer, ptr, length);
    this.gen = heap.generation;
  }
  get data(): A {
    if (this.gen !== this.heap.generation || (this.view.byteLength === 0 && this.length > 0)) {
      this.view = this.make(this.heap.memory.buffer, this.ptr, this.length);
      this.gen = this.heap.generation;
    }
    return this.view;
  }
}

export const f32View = (buf: ArrayBuffer, ptr: number, n: number): Float32Array => new Float32Array(buf, ptr, n);
export const i32View = (buf: ArrayBuffer, ptr: number, n: number): Int32Array => new Int32Array(buf, ptr, n);

function roundUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}
