/**
 * The wasm backend: AssemblyScript SIMD kernels (assembly/, built to dist/wasm/ by
 * scripts/build-wasm.mjs) over one WebAssembly.Memory that holds every tensor. Ops pass byte
 * offsets to the kernels, so a call costs ~15 ns plus the work (and the argument check every
 * backend runs first, tens of ns: base.ts). The kernels' signatures are generated from the
 * AssemblyScript sources (kernels.gen.ts). Two builds of the same kernels: SIMD128, and
 * SIMD128 + relaxed-SIMD FMA (f32x4.relaxed_madd) when the engine accepts it (Node 20:
 * switched on at run time, see loader.ts).
 *
 * Numerics follow the reference backend (src/backend/js/) within float32 tolerance: GEMMs
 * sum in a different order (and with FMA in the relaxed build), tanh/sigmoid are Eigen's
 * rational approximation (≤ 3.3e-7 absolute in float32), exp is a Cephes-style polynomial
 * (the softmax inside cross-entropy within ~2e-6 relative).
 *
 * Memory: alloc() and the scratch buffers ops keep (packing buffers, recurrent carries) may grow
 * the memory, which detaches every typed array of the old buffer. `tensor.data` re-creates its
 * view on access, so always read `t.data` afresh after an op instead of keeping an old view.
 *
 * Threads (`threads` > 1): the shared-memory build on one shared WebAssembly.Memory, with
 * threads − 1 workers (pool.ts; worker_threads in Node, Web Workers in browsers) that
 * instantiate the same module on it; this thread takes part as thread 0. GEMMs are split over
 * output columns (or rows), the recurrent layers per step over hidden-unit chunks with a
 * barrier per step, as the native backend splits them, so results are bit-identical for any
 * thread count; ops too small to gain (under ~1 MFLOP per thread) and the elementwise ops stay
 * on this thread. SharedArrayBuffer is required: in browsers only on cross-origin isolated
 * pages (COOP/COEP headers); without it the backend runs on one thread and describe() says why.
 */
import { IntTensor, Tensor, shapeSize, type DType } from '../../tensor.js';
import { gates, type AdamArgs, type Backend, type Precision, type RecurrentBackwardArgs, type RecurrentForwardArgs } from '../backend.js';
import { checkPrecision } from '../bf16.js';
import { BackendBase } from '../base.js';
import type { OpMethods } from '../ops.js';
import { Heap, HeapStorage, f32View, i32View } from './heap.js';
import type { WasmKernels, WasmThreadKernels } from './kernels.gen.js';
import { loadModule, type WasmVariant } from './loader.js';
import { CTL_BYTES, MAX_THREADS, ThreadPool, canBlock, type ThreadHandle } from './pool.js';
import { isNode } from '../../util/runtime.js';

export interface WasmBackendOptions {
  /** Use the relaxed-SIMD (FMA) build when the engine supports it (default true). */
  relaxed?: boolean;
  /** bf16: every GEMM operand rounded to bfloat16, sums in float32 (default fp32). */
  precision?: Precision;
  /**
   * Threads, counting the caller (default 1). More than one needs SharedArrayBuffer (Node:
   * always; browsers: a cross-origin isolated page); without it the backend runs on one thread
   * and describe() says why.
   */
  threads?: number;
  /** For tests: split every op that can be split, however small (no minimum work per thread). */
  splitSmall?: boolean;
}

export async function createWasmBackend(opts: WasmBackendOptions = {}): Promise<WasmBackend> {
  const precision = checkPrecision(opts.precision ?? 'fp32');
  const threads = opts.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer, got ${threads}`);
  let threadNote: string | null = null;
  if (threads > 1) {
    threadNote = sharedMemoryUnavailable();
    if (!threadNote) {
      try {
        return await createThreaded(opts.relaxed ?? true, precision, Math.min(threads, MAX_THREADS), opts.splitSmall ?? false);
      } catch (e) {
        threadNote = `cannot start worker threads: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
    threadNote = `${threads} asked for, but ${threadNote}`;
  }
  const loaded = await loadModule(opts.relaxed ?? true);
  const instance = await WebAssembly.instantiate(loaded.module, {});
  return new WasmBackend(instance.exports as unknown as WasmKernels, loaded.variant, loaded.note, precision, threadNote);
}

/** Why the threaded backend cannot run here, or null when it can. */
export function sharedMemoryUnavailable(): string | null {
  const g = globalThis as { SharedArrayBuffer?: unknown; crossOriginIsolated?: boolean };
  if (!isNode() && g.crossOriginIsolated !== true) return 'no SharedArrayBuffer: the page is not cross-origin isolated';
  if (typeof g.SharedArrayBuffer !== 'function') return 'no SharedArrayBuffer in this JavaScript runtime';
  return null;
}

/** Initial pages: the shared builds declare 16 (--initialMemory); the heap grows the memory as needed. */
const SHARED_INITIAL_PAGES = 16;
/** The shared builds' fixed maximum (--maximumMemory): 4 GiB, all of wasm32. */
const SHARED_MAX_PAGES = 65536;

async function createThreaded(relaxed: boolean, precision: Precision, threads: number, splitSmall: boolean): Promise<WasmBackend> {
  const { spawnThread } = await import('./spawn.js');
  const loaded = await loadModule(relaxed, true);
  const memory = new WebAssembly.Memory({ initial: SHARED_INITIAL_PAGES, maximum: SHARED_MAX_PAGES, shared: true });
  const instance = await WebAssembly.instantiate(loaded.module, { env: { memory } });
  const k = instance.exports as unknown as WasmThreadKernels;
  const backend = new WasmBackend(k, loaded.variant, loaded.note, precision, null);
  const ctl = backend.heap.alloc(CTL_BYTES);
  k.threadInit(ctl, 0, canBlock() ? 1 : 0);
  const started = await Promise.allSettled(
    Array.from({ length: threads - 1 }, (_, i) => spawnThread({ module: loaded.module, memory, tid: i + 1, ctl, edge: backend.heap.alloc(128) })),
  );
  const workers = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    for (const w of workers) w.terminate();
    throw failed.reason;
  }
  backend.attachPool(new ThreadPool(k, memory, ctl, threads, workers as ThreadHandle[]), splitSmall);
  return backend;
}

/** Threads worth using for `work` flops when each should get at least `minPerThread` (native's threads_for). */
function threadsFor(threads: number, work: number, minPerThread: number): number {
  if (threads <= 1) return 1;
  const k = work / minPerThread;
  return k < 2 ? 1 : Math.min(threads, Math.floor(k));
}

const CELL_ID = { lstm: 0, gru: 1, rnn_tanh: 2, rnn_relu: 3 } as const;

function pad16(n: number): number {
  return (n + 15) & ~15;
}

/**
 * The kernels registered below run after the op's arguments were checked (base.ts); what they
 * add is what the AssemblyScript functions need: byte addresses, scratch buffers, W_hh packed
 * once per layer call. Ops without an entry (reluForward/Backward) run the reference kernel on
 * the heap views.
 */
export class WasmBackend extends BackendBase implements Backend {
  readonly name = 'wasm' as const;
  readonly dtype: DType = 'float32';
  readonly heap: Heap;
  private pool: ThreadPool | null = null;
  private splitSmall = false;
  private readonly KC: number;
  private readonly MC: number;
  private readonly NC: number;
  private readonly DIRECT_M: number;
  /** Reused scratch blocks by purpose (packing buffers, per-step pre-activations, carries). */
  private readonly scratch = new Map<string, { ptr: number; bytes: number }>();

  /** @internal use createWasmBackend() */
  constructor(
    private readonly k: WasmKernels,
    readonly variant: WasmVariant,
    private readonly note: string | null,
    readonly precision: Precision = 'fp32',
    /** Why more threads were asked for but one is used (null when not asked or granted). */
    readonly threadNote: string | null = null,
  ) {
    super();
    this.heap = new Heap(k.memory, k.heapBase());
    this.KC = k.KC.value;
    this.MC = k.MC.value;
    this.NC = k.NC.value;
    this.DIRECT_M = k.DIRECT_M.value;
    this.useKernels(this.ownKernels());
  }

  /** Threads the kernels use (1 unless the pool started). */
  get threads(): number {
    return this.pool ? this.pool.threads : 1;
  }

  /** Ops run on several threads so far (0 without a pool). */
  get threadJobs(): number {
    return this.pool ? this.pool.jobs : 0;
  }

  /** @internal createWasmBackend() attaches the workers once this thread's instance is set up. */
  attachPool(pool: ThreadPool, splitSmall: boolean): void {
    this.pool = pool;
    this.splitSmall = splitSmall;
  }

  /** Ends the worker threads (the backend carries on with one thread). */
  dispose(): void {
    this.pool?.close();
    this.pool = null;
  }

  describe(): string {
    const bf16 = this.precision === 'bf16' ? ', bf16 products emulated' : '';
    const simd = this.variant === 'relaxed' ? 'SIMD128 + relaxed FMA' : 'SIMD128';
    const threads = this.pool ? `${this.pool.threads} threads, shared memory` : '1 thread';
    const notes = [this.variant === 'relaxed' ? null : this.note, this.threadNote].filter((n) => n);
    return `wasm (${simd}${bf16}, ${threads}${notes.length ? `; ${notes.join('; ')}` : ''})`;
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

  /**
   * bf16 mode: the span of `rows` stored rows of `cols` (row stride ld) starting at byte address
   * `ptr`, rounded to bfloat16 into scratch `name`; returns its address (same strides).
   */
  private rounded(name: string, ptr: number, rows: number, cols: number, ld: number): number {
    const n = rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols;
    const dst = this.tmp(name, Math.max(4, n * 4));
    this.k.roundBf16(dst, ptr, n);
    return dst;
  }

  /** W_hh [G,H] as the recurrent kernels read it: rounded into scratch in bf16 mode. */
  private hiddenWeightOperand(whh: Tensor, G: number, H: number): number {
    return this.precision === 'bf16' ? this.rounded('whhR', this.at(whh), 1, G * H, G * H) : this.at(whh);
  }

  /**
   * The backward's bf16 operands: scratch for the gate gradients rounded step by step (rdg, 0 in
   * fp32), and h0 and hs (dW_hh's other operand) rounded once; in fp32 h0 and hs themselves.
   */
  private backwardOperands(a: RecurrentBackwardArgs, G: number): { rdg: number; rh0: number; rhs: number } {
    const { T, B, H } = a;
    if (this.precision !== 'bf16') return { rdg: 0, rh0: this.at(a.h0), rhs: this.at(a.hs) };
    return {
      rdg: this.tmp('rdg', Math.max(4, T * B * G * 4)),
      rh0: this.rounded('rh0', this.at(a.h0), 1, B * H, B * H),
      rhs: this.rounded('rhs', this.at(a.hs), 1, T * B * H, T * B * H),
    };
  }

  /** Byte address of element `off` of t, which must live in this backend's heap. */
  private at(t: Tensor | IntTensor, off = 0): number {
    const s = t.storage;
    if (!(s instanceof HeapStorage) || s.heap !== this.heap) throw new Error('wasm backend: tensor was not allocated by this backend');
    return s.ptr + off * 4;
  }
  /** 0 for an absent optional tensor (the kernels' "none"). */
  private opt(t: Tensor | null): number {
    return t ? this.at(t) : 0;
  }

  // ------------------------------------------------------------------ kernels

  private ownKernels(): Partial<OpMethods> {
    const k = this.k;
    return {
      // lda/ldb/ldc arrive filled in (the check supplies the packed defaults)
      gemm: (transA, transB, M, N, K, alpha, A, aOff, B, bOff, beta, C, cOff, lda, ldb, ldc) => {
        if (M <= 0 || N <= 0) return;
        const pa = this.packA();
        // few-row products read B in place (gemmCore's direct path) and need no B panel buffer
        const direct = M <= this.DIRECT_M && (!transB || !transA || M * K <= this.MC * this.KC);
        const pb = direct ? pa : this.packB(N);
        let a = this.at(A, aOff), b = this.at(B, bOff);
        if (this.precision === 'bf16') {
          a = this.rounded('bfA', a, transA ? K : M, transA ? M : K, lda!);
          b = this.rounded('bfB', b, transB ? N : K, transB ? K : N, ldb!);
        }
        if (this.pool && this.gemmThreaded(transA, transB, M, N, K, alpha, a, lda!, b, ldb!, beta, this.at(C, cOff), ldc!)) return;
        k.gemmCore(transA ? 1 : 0, transB ? 1 : 0, M, N, K, alpha, a, lda!, b, ldb!, beta, this.at(C, cOff), ldc!, pa, pb, 0);
      },
      addBias: (Y, b, rows, cols) => k.addBias(this.at(Y), this.at(b), rows, cols),
      sumRows: (db, dY, rows, cols) => k.sumRows(this.at(db), this.at(dY), rows, cols),

      embeddingForward: (out, ids, W, n, E) => k.embeddingForward(this.at(out), this.at(ids), this.at(W), n, E),
      embeddingBackward: (dW, ids, dOut, n, E) => k.embeddingBackward(this.at(dW), this.at(ids), this.at(dOut), n, E),
      onehotForward: (out, ids, W, n, G, V) => k.onehotForward(this.at(out), this.at(ids), this.at(W), n, G, V),
      onehotBackward: (dW, ids, dOut, n, G, V) => k.onehotBackward(this.at(dW), this.at(ids), this.at(dOut), n, G, V),

      recurrentForward: (a) => this.recurrentForwardKernel(a),
      recurrentBackward: (a) => this.recurrentBackwardKernel(a),

      crossEntropy: (logits, targets, n, V, ignoreIndex, dlogits, gradScale) => {
        const bad = k.checkTargets(this.at(targets), n, V, ignoreIndex);
        if (bad >= 0) throw new RangeError(`target ${targets.data[bad]} outside the vocabulary [0, ${V})`);
        const countPtr = this.tmp('count', 4);
        const loss = k.crossEntropy(this.at(logits), this.at(targets), n, V, ignoreIndex, this.opt(dlogits), gradScale, countPtr);
        const count = new Int32Array(k.memory.buffer, countPtr, 1)[0];
        return { loss, count };
      },

      dropoutForward: (y, x, n, p, seed) => this.dropoutKernel(y, x, n, p, seed),
      dropoutBackward: (dx, dy, n, p, seed) => this.dropoutKernel(dx, dy, n, p, seed),

      fill: (t, value, off, n) => k.fill(this.at(t, off), value, n),
      copy: (dst, dstOff, src, srcOff, n) => k.copy(this.at(dst, dstOff), this.at(src, srcOff), n),
      scale: (t, alpha, n) => k.scale(this.at(t), alpha, n),
      sumSquares: (t, n) => k.sumSquares(this.at(t), n),

      adam: (param, grad, m, v, n, a) => this.adamKernel(param, grad, m, v, n, a),
      sgd: (param, grad, buf, n, lr, momentum, weightDecay) =>
        k.sgd(this.at(param), this.at(grad), this.opt(buf), n, lr, momentum, weightDecay),
    };
  }

  // ------------------------------------------------------------------ threads

  /** Threads for `work` flops (at least `minPerThread` each, unless splitSmall). */
  private split(work: number, minPerThread: number): number {
    const p = this.pool;
    if (!p) return 1;
    return this.splitSmall ? p.threads : threadsFor(p.threads, work, minPerThread);
  }

  /** Each taking thread's packing buffers (thread 0's are the ones the serial kernels use). */
  private threadScratch(nUse: number, packBCols: number): void {
    const pbBytes = this.KC * Math.min(this.NC, pad16(Math.max(1, packBCols))) * 4;
    for (let t = 0; t < nUse; t++) {
      const sfx = t === 0 ? '' : `.${t}`;
      this.pool!.setScratch(t, this.tmp(`packA${sfx}`, this.MC * this.KC * 4), this.tmp(`packB${sfx}`, pbBytes));
    }
  }

  /**
   * The GEMM over threads when it is big enough: output columns in whole 16-column panels, or
   * rows (pairs); about 4 items per thread, claimed as the threads get to them. False when one
   * thread should do it.
   *
   * Every item packs the whole of the operand it does not cut: a column item all of op(A)
   * (M·K floats), a row item all of op(B) (K·N). So the cut goes along the longer side of C,
   * which makes the repeated packing the smaller operand's: cutting CL-M's dW_ih (2048×128, K
   * 8192) by columns packed its 16 M-float A eight times and ran slower on 2 threads than on 1.
   */
  private gemmThreaded(
    transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
    a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number,
  ): boolean {
    const nt = this.split(2 * M * N * K, 2e6);
    if (nt <= 1) return false;
    const tn = Math.ceil(N / 16), tm = Math.ceil(M / 2);
    const byCols = M <= this.DIRECT_M || tm < nt || (tn >= nt && N >= M);
    const per = byCols ? Math.ceil(tn / (4 * nt)) * 16 : Math.ceil(tm / (4 * nt)) * 2;
    const nUse = Math.min(nt, Math.ceil((byCols ? N : M) / per));
    if (nUse <= 1) return false;
    this.threadScratch(nUse, byCols ? per : N);
    this.pool!.run(nUse, 'gemmMT', [byCols ? 1 : 0, per, transA ? 1 : 0, transB ? 1 : 0, M, N, K, alpha, a, lda, b, ldb, beta, c, ldc]);
    return true;
  }

  /**
   * Hidden-unit chunks for a threaded recurrent layer: units per chunk (a multiple of 16, at
   * least 32, about 4 chunks per thread, as native's), chunks and threads; null for one thread
   * (a few rows, where W_hh is read unpacked; small layers).
   */
  private recurrentChunks(B: number, G: number, H: number): { cu: number; chunks: number; nUse: number } | null {
    if (!this.pool || B <= this.DIRECT_M) return null;
    const nt = Math.min(this.split(2 * B * G * H, 1e6), Math.floor(H / 16));
    if (nt <= 1) return null;
    const cu = Math.max(32, Math.ceil(Math.ceil(H / (4 * nt)) / 16) * 16);
    const chunks = Math.ceil(H / cu);
    const nUse = Math.min(nt, chunks);
    return nUse > 1 ? { cu, chunks, nUse } : null;
  }

  private recurrentForwardThreaded(a: RecurrentForwardArgs): boolean {
    const { cell, T, B, H } = a;
    const ng = gates(cell), G = ng * H;
    const ch = this.recurrentChunks(B, G, H);
    if (!ch) return false;
    const whh = this.hiddenWeightOperand(a.whh, G, H);
    const wp = this.tmp('whhMT', ch.chunks * ng * this.k.packedSize(H, ch.cu) * 4);
    const pre = cell === 'lstm' || cell === 'gru' ? this.tmp('pre', B * G * 4) : 0;
    const cbuf = cell === 'lstm' ? this.tmp('c', B * H * 4) : 0;
    const hb = this.precision === 'bf16' ? this.tmp('hb2', 2 * B * H * 4) : 0;
    this.threadScratch(ch.nUse, 0);
    this.pool!.run(ch.nUse, 'recurrentForwardMT', [ch.cu, CELL_ID[cell], T, B, H, this.at(a.xw), whh, this.at(a.bhh), this.at(a.h0),
      this.opt(a.c0), this.at(a.hs), this.opt(a.cache), this.opt(a.cT), pre, cbuf, wp, hb]);
    return true;
  }

  private recurrentBackwardThreaded(a: RecurrentBackwardArgs): boolean {
    const { cell, T, B, H } = a;
    const ng = gates(cell), G = ng * H;
    const ch = this.recurrentChunks(B, G, H);
    if (!ch) return false;
    const whh = this.hiddenWeightOperand(a.whh, G, H);
    const wp = this.tmp('whhMT', ch.chunks * this.k.packedSize(G, ch.cu) * 4);
    const dhNext = this.tmp('dh', B * H * 4);
    const dcNext = cell === 'lstm' ? this.tmp('dc', B * H * 4) : 0;
    const { rdg, rh0, rhs } = this.backwardOperands(a, G);
    // dW_hh's items (rows of G, even) pack a [T·B, H] operand each, so 2 per thread rather than 4
    const wrows = Math.max(2, Math.ceil(G / (2 * ch.nUse) / 2) * 2);
    this.threadScratch(ch.nUse, H);
    this.pool!.run(ch.nUse, 'recurrentBackwardMT', [ch.cu, CELL_ID[cell], T, B, H, whh, this.at(a.h0), this.opt(a.c0), this.at(a.hs),
      this.opt(a.cache), this.at(a.dhs), this.at(a.dxw), cell === 'gru' ? this.at(a.dhw) : 0, this.at(a.dwhh), this.at(a.dbhh),
      this.opt(a.dh0), cell === 'lstm' ? this.opt(a.dc0) : 0, dhNext, dcNext, wp, rdg, rh0, rhs, wrows]);
    return true;
  }

  // ------------------------------------------------------------------ recurrent layers

  private recurrentForwardKernel(a: RecurrentForwardArgs): void {
    if (this.pool && this.recurrentForwardThreaded(a)) return;
    const { cell, T, B, H } = a;
    const G = gates(cell) * H;
    const k = this.k;
    const w = this.hiddenWeights(a.whh, true, G, H, B);
    const packA = this.packA(), packB = this.packB(G);
    // bf16: scratch for h_{t-1} rounded before each step's GEMM
    const hb = this.precision === 'bf16' ? this.tmp('hb', B * H * 4) : 0;
    switch (cell) {
      case 'lstm': {
        const pre = this.tmp('pre', B * G * 4), cbuf = this.tmp('c', B * H * 4);
        k.lstmForward(T, B, H, this.at(a.xw), w.ptr, this.at(a.bhh), this.at(a.h0), this.opt(a.c0), this.at(a.hs),
          this.opt(a.cache), this.opt(a.cT), pre, cbuf, packA, packB, w.packed, hb);
        break;
      }
      case 'gru': {
        const hw = this.tmp('pre', B * G * 4);
        k.gruForward(T, B, H, this.at(a.xw), w.ptr, this.at(a.bhh), this.at(a.h0), this.at(a.hs), this.opt(a.cache), hw, packA, packB, w.packed, hb);
        break;
      }
      case 'rnn_tanh':
      case 'rnn_relu':
        k.rnnForward(cell === 'rnn_relu' ? 1 : 0, T, B, H, this.at(a.xw), w.ptr, this.at(a.bhh), this.at(a.h0), this.at(a.hs), packA, packB, w.packed, hb);
        break;
    }
  }

  private recurrentBackwardKernel(a: RecurrentBackwardArgs): void {
    if (this.pool && this.recurrentBackwardThreaded(a)) return;
    const { cell, T, B, H } = a;
    const G = gates(cell) * H;
    const k = this.k;
    const w = this.hiddenWeights(a.whh, false, G, H, B);
    const packA = this.packA(), packB = this.packB(Math.max(G, H));
    const dhNext = this.tmp('dh', B * H * 4);
    const { rdg, rh0, rhs } = this.backwardOperands(a, G);
    switch (cell) {
      case 'lstm': {
        const dcNext = this.tmp('dc', B * H * 4);
        k.lstmBackward(T, B, H, w.ptr, this.at(a.h0), this.opt(a.c0), this.at(a.hs), this.at(a.cache), this.at(a.dhs),
          this.at(a.dxw), this.at(a.dwhh), this.at(a.dbhh), this.opt(a.dh0), this.opt(a.dc0), dhNext, dcNext, packA, packB, w.packed, rdg, rh0, rhs);
        break;
      }
      case 'gru':
        k.gruBackward(T, B, H, w.ptr, this.at(a.h0), this.at(a.hs), this.at(a.cache), this.at(a.dhs), this.at(a.dxw),
          this.at(a.dhw), this.at(a.dwhh), this.at(a.dbhh), this.opt(a.dh0), dhNext, packA, packB, w.packed, rdg, rh0, rhs);
        break;
      case 'rnn_tanh':
      case 'rnn_relu':
        k.rnnBackward(cell === 'rnn_relu' ? 1 : 0, T, B, H, w.ptr, this.at(a.h0), this.at(a.hs), this.at(a.dhs),
          this.at(a.dxw), this.at(a.dwhh), this.at(a.dbhh), this.opt(a.dh0), dhNext, packA, packB, w.packed, rdg, rh0, rhs);
        break;
    }
  }

  /**
   * W_hh [G,H] as the per-step GEMM's B operand: packed once per call (forward: W_hhᵀ, K = H;
   * backward: W_hh, K = G), or used in place when B is so small that the kernels read it
   * directly (then packing would cost more than the products it serves). bf16 mode rounds it
   * first (into scratch).
   */
  private hiddenWeights(whh: Tensor, forward: boolean, G: number, H: number, B: number): { ptr: number; packed: number } {
    const w = this.hiddenWeightOperand(whh, G, H);
    if (B <= this.DIRECT_M) return { ptr: w, packed: 0 };
    const [K, N] = forward ? [H, G] : [G, H];
    const p = this.tmp('whh', this.k.packedSize(K, N) * 4);
    this.k.packBFull(forward ? 1 : 0, K, N, w, H, p);
    return { ptr: p, packed: 1 };
  }

  // ------------------------------------------------------------------ dropout, optimizers

  /** keep ⇔ hash ≥ p·2³² ⇔ hash ≥ ⌈p·2³²⌉ (hash is an integer); ⌈p·2³²⌉ ≥ 2³² keeps nothing. */
  private dropoutKernel(y: Tensor, x: Tensor, n: number, p: number, seed: number): void {
    const thr = Math.max(0, Math.ceil(p * 4294967296));
    const keepNone = thr > 0xffffffff ? 1 : 0;
    this.k.dropout(this.at(y), this.at(x), n, keepNone ? 0 : thr | 0, keepNone, 1 / (1 - p), seed | 0);
  }

  private adamKernel(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, n: number, a: AdamArgs): void {
    const bc1 = 1 - Math.pow(a.beta1, a.step);
    const bc2Sqrt = Math.sqrt(1 - Math.pow(a.beta2, a.step));
    this.k.adam(this.at(param), this.at(grad), this.at(m), this.at(v), n, a.beta1, a.beta2, 1 - a.beta1, 1 - a.beta2,
      a.eps, a.lr / bc1, bc2Sqrt, a.weightDecay);
  }

  /** The kernel's dropout hash (for tests: must equal src/util/rng.ts dropoutHash). */
  dropoutHash(seed: number, i: number): number {
    return this.k.dropoutHash(seed | 0, i | 0) >>> 0;
  }
}
