/**
 * The wasm backend: AssemblyScript SIMD kernels (assembly/, built to dist/wasm/ by
 * scripts/build-wasm.mjs) over one WebAssembly.Memory that holds every tensor. Ops pass byte
 * offsets to the kernels, so a call costs ~15 ns plus the work. Two builds of the same
 * kernels: SIMD128, and SIMD128 + relaxed-SIMD FMA (f32x4.relaxed_madd) when the engine
 * accepts it (Node 20: switched on at run time, see loader.ts).
 *
 * Numerics follow the reference backend (src/backend/js/) within float32 tolerance: GEMMs
 * sum in a different order (and with FMA in the relaxed build), tanh/sigmoid are Eigen's
 * rational approximation (≤ 3.3e-7 absolute in float32), exp is a Cephes-style polynomial
 * (softmax within ~2e-6 relative).
 *
 * Memory: alloc() and the scratch buffers ops keep (packing buffers, recurrent carries) may grow
 * the memory, which detaches every typed array of the old buffer. `tensor.data` re-creates its
 * view on access, so always read `t.data` afresh after an op instead of keeping an old view.
 */
import { IntTensor, Tensor, shapeSize, type DType } from '../../tensor.js';
import {
  gates,
  type AdamArgs,
  type Backend,
  type CrossEntropyResult,
  type RecurrentBackwardArgs,
  type RecurrentForwardArgs,
} from '../backend.js';
import { Heap, HeapStorage, f32View, i32View } from './heap.js';
import { loadModule, type WasmVariant } from './loader.js';

/** The kernel module's exports (assembly/index.ts); pointers are byte offsets. */
interface Kernels {
  memory: WebAssembly.Memory;
  KC: WebAssembly.Global;
  MC: WebAssembly.Global;
  NC: WebAssembly.Global;
  DIRECT_M: WebAssembly.Global;
  heapBase(): number;
  gemmCore(
    transA: number, transB: number, M: number, N: number, K: number, alpha: number,
    A: number, lda: number, B: number, ldb: number, beta: number, C: number, ldc: number,
    packA: number, packB: number, prepacked: number,
  ): void;
  packBFull(transB: number, K: number, N: number, B: number, ldb: number, dst: number): void;
  packedSize(K: number, N: number): number;
  lstmForward(
    T: number, B: number, H: number, xw: number, whhP: number, bhh: number, h0: number, c0: number,
    hs: number, cache: number, cT: number, pre: number, cbuf: number, packA: number, packB: number, packed: number,
  ): void;
  lstmBackward(
    T: number, B: number, H: number, whhP: number, h0: number, c0: number, hs: number, cache: number,
    dhs: number, dxw: number, dwhh: number, dbhh: number, dh0: number, dc0: number,
    dhNext: number, dcNext: number, packA: number, packB: number, packed: number,
  ): void;
  gruForward(
    T: number, B: number, H: number, xw: number, whhP: number, bhh: number, h0: number,
    hs: number, cache: number, hw: number, packA: number, packB: number, packed: number,
  ): void;
  gruBackward(
    T: number, B: number, H: number, whhP: number, h0: number, hs: number, cache: number,
    dhs: number, dxw: number, dhw: number, dwhh: number, dbhh: number, dh0: number,
    dhNext: number, packA: number, packB: number, packed: number,
  ): void;
  rnnForward(
    relu: number, T: number, B: number, H: number, xw: number, whhP: number, bhh: number,
    h0: number, hs: number, packA: number, packB: number, packed: number,
  ): void;
  rnnBackward(
    relu: number, T: number, B: number, H: number, whhP: number, h0: number, hs: number,
    dhs: number, dxw: number, dwhh: number, dbhh: number, dh0: number,
    dhNext: number, packA: number, packB: number, packed: number,
  ): void;
  sumRows(db: number, dY: number, rows: number, cols: number): void;
  addBias(Y: number, b: number, rows: number, cols: number): void;
  checkTargets(targets: number, n: number, V: number, ignoreIndex: number): number;
  crossEntropy(
    logits: number, targets: number, n: number, V: number, ignoreIndex: number,
    dl: number, gradScale: number, countOut: number,
  ): number;
  softmax(probs: number, logits: number, n: number, V: number, invT: number): void;
  dropout(y: number, x: number, n: number, thr: number, keepNone: number, s: number, seed: number): void;
  dropoutHash(seed: number, i: number): number;
  adam(
    p: number, g: number, m: number, v: number, n: number, beta1: number, beta2: number,
    omb1: number, omb2: number, eps: number, stepSize: number, bc2Sqrt: number, wd: number,
  ): void;
  sgd(p: number, g: number, buf: number, n: number, lr: number, momentum: number, wd: number): void;
  embeddingForward(out: number, ids: number, W: number, n: number, E: number): void;
  embeddingBackward(dW: number, ids: number, dOut: number, n: number, E: number): void;
  onehotForward(out: number, ids: number, W: number, n: number, G: number, V: number): void;
  onehotBackward(dW: number, ids: number, dOut: number, n: number, G: number, V: number): void;
  fill(p: number, value: number, n: number): void;
  copy(dst: number, src: number, n: number): void;
  scale(p: number, alpha: number, n: number): void;
  axpy(y: number, alpha: number, x: number, n: number): void;
  sumSquares(p: number, n: number): number;
}

export interface WasmBackendOptions {
  /** Use the relaxed-SIMD (FMA) build when the engine supports it (default true). */
  relaxed?: boolean;
}

export async function createWasmBackend(opts: WasmBackendOptions = {}): Promise<WasmBackend> {
  const loaded = await loadModule(opts.relaxed ?? true);
  const instance = await WebAssembly.instantiate(loaded.module, {});
  return new WasmBackend(instance.exports as unknown as Kernels, loaded.variant, loaded.note);
}

function pad16(n: number): number {
  return (n + 15) & ~15;
}

export class WasmBackend implements Backend {
  readonly name = 'wasm' as const;
  readonly dtype: DType = 'float32';
  readonly threads = 1;
  readonly heap: Heap;
  private readonly KC: number;
  private readonly MC: number;
  private readonly NC: number;
  private readonly DIRECT_M: number;
  /** Reused scratch blocks by purpose (packing buffers, per-step pre-activations, carries). */
  private readonly scratch = new Map<string, { ptr: number; bytes: number }>();

  /** @internal use createWasmBackend() */
  constructor(
    private readonly k: Kernels,
    readonly variant: WasmVariant,
    private readonly note: string | null,
  ) {
    this.heap = new Heap(k.memory, k.heapBase());
    this.KC = k.KC.value as number;
    this.MC = k.MC.value as number;
    this.NC = k.NC.value as number;
    this.DIRECT_M = k.DIRECT_M.value as number;
  }

  describe(): string {
    return this.variant === 'relaxed'
      ? 'wasm (SIMD128 + relaxed FMA, 1 thread)'
      : `wasm (SIMD128, 1 thread${this.note ? `; ${this.note}` : ''})`;
  }

  // ------------------------------------------------------------------ memory

  alloc(shape: readonly number[]): Tensor {
    const n = shapeSize(shape);
    const ptr = this.heap.alloc(n * 4);
    return new Tensor(shape, new HeapStorage(this.heap, ptr, n, f32View));
  }
  allocInt(size: number): IntTensor {
    if (!Number.isInteger(size) || size < 0) throw new Error(`bad int tensor size ${size}`);
    const ptr = this.heap.alloc(size * 4);
    return new IntTensor(size, new HeapStorage(this.heap, ptr, size, i32View));
  }
  free(t: Tensor | IntTensor): void {
    if (t.ptr > 0) this.heap.release(t.ptr);
  }

  /** Bytes of the wasm memory (all tensors and scratch live in it). */
  get memoryBytes(): number {
    return this.heap.byteLength;
  }

  private tmp(name: string, bytes: number): number {
    const s = this.scratch.get(name);
    if (s && s.bytes >= bytes) return s.ptr;
    if (s) this.heap.release(s.ptr);
    const grown = Math.max(bytes, s ? Math.ceil(s.bytes * 1.25) : 0);
    const ptr = this.heap.alloc(grown);
    this.scratch.set(name, { ptr, bytes: grown });
    return ptr;
  }
  private packA(): number {
    return this.tmp('packA', this.MC * this.KC * 4);
  }
  private packB(N: number): number {
    return this.tmp('packB', this.KC * Math.min(this.NC, pad16(N)) * 4);
  }

  // ------------------------------------------------------------------ GEMM

  gemm(
    transA: boolean, transB: boolean, M: number, N: number, K: number,
    alpha: number, A: Tensor, aOff: number, B: Tensor, bOff: number,
    beta: number, C: Tensor, cOff: number,
  ): void {
    if (M <= 0 || N <= 0) return;
    const pa = this.packA();
    // few-row products read B in place (gemmCore's direct path) and need no B panel buffer
    const direct = M <= this.DIRECT_M && (!transB || !transA || M * K <= this.MC * this.KC);
    const pb = direct ? pa : this.packB(N);
    this.k.gemmCore(
      transA ? 1 : 0, transB ? 1 : 0, M, N, K, alpha,
      at(A, aOff), transA ? M : K, at(B, bOff), transB ? K : N,
      beta, at(C, cOff), N, pa, pb, 0,
    );
  }

  addBias(Y: Tensor, b: Tensor, rows: number, cols: number): void {
    this.k.addBias(ptr(Y), ptr(b), rows, cols);
  }
  sumRows(db: Tensor, dY: Tensor, rows: number, cols: number): void {
    this.k.sumRows(ptr(db), ptr(dY), rows, cols);
  }

  // ------------------------------------------------------------------ embeddings

  embeddingForward(out: Tensor, ids: IntTensor, W: Tensor, n: number, E: number): void {
    this.k.embeddingForward(ptr(out), ptr(ids), ptr(W), n, E);
  }
  embeddingBackward(dW: Tensor, ids: IntTensor, dOut: Tensor, n: number, E: number): void {
    this.k.embeddingBackward(ptr(dW), ptr(ids), ptr(dOut), n, E);
  }
  onehotForward(out: Tensor, ids: IntTensor, W: Tensor, n: number, G: number, V: number): void {
    this.k.onehotForward(ptr(out), ptr(ids), ptr(W), n, G, V);
  }
  onehotBackward(dW: Tensor, ids: IntTensor, dOut: Tensor, n: number, G: number, V: number): void {
    this.k.onehotBackward(ptr(dW), ptr(ids), ptr(dOut), n, G, V);
  }

  // ------------------------------------------------------------------ recurrent layers

  recurrentForward(a: RecurrentForwardArgs): void {
    const { cell, T, B, H } = a;
    const G = gates(cell) * H;
    const k = this.k;
    const w = this.hiddenWeights(a.whh, true, G, H, B);
    const packA = this.packA(), packB = this.packB(G);
    switch (cell) {
      case 'lstm': {
        const pre = this.tmp('pre', B * G * 4), cbuf = this.tmp('c', B * H * 4);
        k.lstmForward(T, B, H, ptr(a.xw), w.ptr, ptr(a.bhh), ptr(a.h0), opt(a.c0), ptr(a.hs),
          opt(a.cache), opt(a.cT), pre, cbuf, packA, packB, w.packed);
        break;
      }
      case 'gru': {
        const hw = this.tmp('pre', B * G * 4);
        k.gruForward(T, B, H, ptr(a.xw), w.ptr, ptr(a.bhh), ptr(a.h0), ptr(a.hs), opt(a.cache), hw, packA, packB, w.packed);
        break;
      }
      case 'rnn_tanh':
      case 'rnn_relu':
        k.rnnForward(cell === 'rnn_relu' ? 1 : 0, T, B, H, ptr(a.xw), w.ptr, ptr(a.bhh), ptr(a.h0), ptr(a.hs), packA, packB, w.packed);
        break;
    }
  }

  recurrentBackward(a: RecurrentBackwardArgs): void {
    const { cell, T, B, H } = a;
    const G = gates(cell) * H;
    const k = this.k;
    const w = this.hiddenWeights(a.whh, false, G, H, B);
    const packA = this.packA(), packB = this.packB(Math.max(G, H));
    const dhNext = this.tmp('dh', B * H * 4);
    switch (cell) {
      case 'lstm': {
        const dcNext = this.tmp('dc', B * H * 4);
        k.lstmBackward(T, B, H, w.ptr, ptr(a.h0), opt(a.c0), ptr(a.hs), ptr(a.cache), ptr(a.dhs),
          ptr(a.dxw), ptr(a.dwhh), ptr(a.dbhh), opt(a.dh0), opt(a.dc0), dhNext, dcNext, packA, packB, w.packed);
        break;
      }
      case 'gru':
        k.gruBackward(T, B, H, w.ptr, ptr(a.h0), ptr(a.hs), ptr(a.cache), ptr(a.dhs), ptr(a.dxw),
          ptr(a.dhw), ptr(a.dwhh), ptr(a.dbhh), opt(a.dh0), dhNext, packA, packB, w.packed);
        break;
      case 'rnn_tanh':
      case 'rnn_relu':
        k.rnnBackward(cell === 'rnn_relu' ? 1 : 0, T, B, H, w.ptr, ptr(a.h0), ptr(a.hs), ptr(a.dhs),
          ptr(a.dxw), ptr(a.dwhh), ptr(a.dbhh), opt(a.dh0), dhNext, packA, packB, w.packed);
        break;
    }
  }

  /**
   * W_hh [G,H] as the per-step GEMM's B operand: packed once per call (forward: W_hhᵀ, K = H;
   * backward: W_hh, K = G), or used in place when B is so small that the kernels read it
   * directly (then packing would cost more than the products it serves).
   */
  private hiddenWeights(whh: Tensor, forward: boolean, G: number, H: number, B: number): { ptr: number; packed: number } {
    if (B <= this.DIRECT_M) return { ptr: ptr(whh), packed: 0 };
    const [K, N] = forward ? [H, G] : [G, H];
    const p = this.tmp('whh', this.k.packedSize(K, N) * 4);
    this.k.packBFull(forward ? 1 : 0, K, N, ptr(whh), H, p);
    return { ptr: p, packed: 1 };
  }

  // ------------------------------------------------------------------ losses

  crossEntropy(
    logits: Tensor, targets: IntTensor, n: number, V: number, ignoreIndex: number,
    dlogits: Tensor | null, gradScale: number,
  ): CrossEntropyResult {
    const bad = this.k.checkTargets(ptr(targets), n, V, ignoreIndex);
    if (bad >= 0) throw new RangeError(`target ${targets.data[bad]} outside the vocabulary [0, ${V})`);
    const countPtr = this.tmp('count', 4);
    const loss = this.k.crossEntropy(ptr(logits), ptr(targets), n, V, ignoreIndex, opt(dlogits), gradScale, countPtr);
    const count = new Int32Array(this.k.memory.buffer, countPtr, 1)[0];
    return { loss, count };
  }
  softmax(probs: Tensor, logits: Tensor, n: number, V: number, temperature: number): void {
    this.k.softmax(ptr(probs), ptr(logits), n, V, 1 / temperature);
  }

  // ------------------------------------------------------------------ dropout

  dropoutForward(y: Tensor, x: Tensor, n: number, p: number, seed: number): void {
    this.dropout(y, x, n, p, seed);
  }
  dropoutBackward(dx: Tensor, dy: Tensor, n: number, p: number, seed: number): void {
    this.dropout(dx, dy, n, p, seed);
  }
  /** keep ⇔ hash ≥ p·2³² ⇔ hash ≥ ⌈p·2³²⌉ (hash is an integer); ⌈p·2³²⌉ ≥ 2³² keeps nothing. */
  private dropout(y: Tensor, x: Tensor, n: number, p: number, seed: number): void {
    const thr = Math.max(0, Math.ceil(p * 4294967296));
    const keepNone = thr > 0xffffffff ? 1 : 0;
    this.k.dropout(ptr(y), ptr(x), n, keepNone ? 0 : thr | 0, keepNone, 1 / (1 - p), seed | 0);
  }

  // ------------------------------------------------------------------ vectors

  fill(t: Tensor, value: number, off: number, n: number): void {
    this.k.fill(at(t, off), value, n);
  }
  copy(dst: Tensor, dstOff: number, src: Tensor, srcOff: number, n: number): void {
    this.k.copy(at(dst, dstOff), at(src, srcOff), n);
  }
  scale(t: Tensor, alpha: number, n: number): void {
    this.k.scale(ptr(t), alpha, n);
  }
  axpy(y: Tensor, alpha: number, x: Tensor, n: number): void {
    this.k.axpy(ptr(y), alpha, ptr(x), n);
  }
  sumSquares(t: Tensor, n: number): number {
    return this.k.sumSquares(ptr(t), n);
  }

  // ------------------------------------------------------------------ optimizers

  adam(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, n: number, a: AdamArgs): void {
    const bc1 = 1 - Math.pow(a.beta1, a.step);
    const bc2Sqrt = Math.sqrt(1 - Math.pow(a.beta2, a.step));
    this.k.adam(ptr(param), ptr(grad), ptr(m), ptr(v), n, a.beta1, a.beta2, 1 - a.beta1, 1 - a.beta2,
      a.eps, a.lr / bc1, bc2Sqrt, a.weightDecay);
  }
  sgd(param: Tensor, grad: Tensor, buf: Tensor | null, n: number, lr: number, momentum: number, weightDecay: number): void {
    this.k.sgd(ptr(param), ptr(grad), opt(buf), n, lr, momentum, weightDecay);
  }

  /** The kernel's dropout hash (for tests: must equal src/util/rng.ts dropoutHash). */
  dropoutHash(seed: number, i: number): number {
    return this.k.dropoutHash(seed | 0, i | 0) >>> 0;
  }
}

function ptr(t: Tensor | IntTensor): number {
  const p = t.ptr;
  if (p <= 0) throw new Error('wasm backend: tensor was not allocated by this backend');
  return p;
}
function at(t: Tensor, off: number): number {
  return ptr(t) + off * 4;
}
function opt(t: Tensor | null): number {
  return t ? ptr(t) : 0;
}
