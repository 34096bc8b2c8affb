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
 */
import { IntTensor, Tensor, shapeSize, type DType } from '../../tensor.js';
import { gates, type AdamArgs, type Backend, type Precision, type RecurrentBackwardArgs, type RecurrentForwardArgs } from '../backend.js';
import { checkPrecision } from '../bf16.js';
import { BackendBase } from '../base.js';
import type { OpMethods } from '../ops.js';
import { Heap, HeapStorage, f32View, i32View } from './heap.js';
import type { WasmKernels } from './kernels.gen.js';
import { loadModule, type WasmVariant } from './loader.js';

export interface WasmBackendOptions {
  /** Use the relaxed-SIMD (FMA) build when the engine supports it (default true). */
  relaxed?: boolean;
  /** bf16: every GEMM operand rounded to bfloat16, sums in float32 (default fp32). */
  precision?: Precision;
}

export async function createWasmBackend(opts: WasmBackendOptions = {}): Promise<WasmBackend> {
  const precision = checkPrecision(opts.precision ?? 'fp32');
  const loaded = await loadModule(opts.relaxed ?? true);
  const instance = await WebAssembly.instantiate(loaded.module, {});
  return new WasmBackend(instance.exports as unknown as WasmKernels, loaded.variant, loaded.note, precision);
}

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
    private readonly k: WasmKernels,
    readonly variant: WasmVariant,
    private readonly note: string | null,
    readonly precision: Precision = 'fp32',
  ) {
    super();
    this.heap = new Heap(k.memory, k.heapBase());
    this.KC = k.KC.value;
    this.MC = k.MC.value;
    this.NC = k.NC.value;
    this.DIRECT_M = k.DIRECT_M.value;
    this.useKernels(this.ownKernels());
  }

  describe(): string {
    const bf16 = this.precision === 'bf16' ? ', bf16 products emulated' : '';
    return this.variant === 'relaxed'
      ? `wasm (SIMD128 + relaxed FMA${bf16}, 1 thread)`
      : `wasm (SIMD128${bf16}, 1 thread${this.note ? `; ${this.note}` : ''})`;
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

  // ------------------------------------------------------------------ recurrent layers

  private recurrentForwardKernel(a: RecurrentForwardArgs): void {
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
    const { cell, T, B, H } = a;
    const G = gates(cell) * H;
    const k = this.k;
    const w = this.hiddenWeights(a.whh, false, G, H, B);
    const packA = this.packA(), packB = this.packB(Math.max(G, H));
    const dhNext = this.tmp('dh', B * H * 4);
    // bf16: the gate gradients rounded step by step (rdg), h0 and hs rounded once (dW_hh's other operand)
    let rdg = 0, rh0 = this.at(a.h0), rhs = this.at(a.hs);
    if (this.precision === 'bf16') {
      rdg = this.tmp('rdg', Math.max(4, T * B * G * 4));
      rh0 = this.rounded('rh0', rh0, 1, B * H, B * H);
      rhs = this.rounded('rhs', rhs, 1, T * B * H, T * B * H);
    }
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
    const w = this.precision === 'bf16' ? this.rounded('whhR', this.at(whh), 1, G * H, G * H) : this.at(whh);
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
