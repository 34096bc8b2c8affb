/**
 * The native backend: a C++ N-API addon (native/, built at install time by
 * scripts/build-native.mjs into build/Release/rnnlab_native.node) with register-blocked GEMM
 * micro-kernels for AVX-512 and AVX2+FMA plus a portable fallback, picked at run time from
 * CPUID, and a std::thread pool. Node only; when the addon is missing rnnlab uses wasm.
 *
 * Memory. Tensors are plain ArrayBuffers allocated here in JS, viewed from a 64-byte aligned
 * offset; `ptr` is the native address of element 0 (asked once per allocation with
 * addon.addressOf). V8 never moves an ArrayBuffer's backing store, the garbage collector
 * frees it (so free() only drops the reference and a forgotten free() leaks nothing), and
 * `data` is an ordinary Float32Array that never needs re-creating. Allocating natively and
 * exposing external ArrayBuffers would give the same speed but make free() a use-after-free
 * hazard for any view still alive, and V8 would not see the memory pressure.
 *
 * Calls. An op writes its arguments (addresses, sizes, scalars) into one Float64Array that
 * the addon registered once (setArgs returns its slot) and calls `addon.op(slot)`: one N-API
 * call (~50 ns) with one small integer instead of ~0.15 µs per typed-array argument. Every op
 * is coarse (a whole recurrent layer over a sequence is one call), so the per-call cost is
 * noise anyway.
 *
 * Safety. The addon trusts the addresses and sizes it is given, so every op checks here, in
 * JS, that offsets and sizes stay inside the tensors (a bad call throws a RangeError instead
 * of corrupting memory). Tensors from another backend are accepted if they are float32 typed
 * arrays (their address is looked up per call).
 *
 * Results do not depend on the thread count (each output element is computed by one thread
 * in a fixed summation order); they do depend on the SIMD level (FMA vs mul+add, tile shape).
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IntTensor, Tensor, shapeSize, type Storage } from '../../tensor.js';
import { cacheWidth, gates } from '../backend.js';
import type {
  AdamArgs, Backend, CellKind, CrossEntropyResult, RecurrentBackwardArgs, RecurrentForwardArgs,
} from '../backend.js';

export type NativeSimd = 'avx512' | 'avx2' | 'scalar';

export interface NativeBackendOptions {
  /** Threads for GEMMs, recurrent layers and elementwise ops (default: all cores). */
  threads?: number;
  /**
   * Kernel set (default: the best the CPU supports, lowered by RNNLAB_NATIVE_SIMD=avx2|scalar).
   * A level the CPU lacks falls back to the best available one; describe() tells which ran.
   */
  simd?: NativeSimd;
}

interface AddonInfo {
  abi: number;
  best: NativeSimd;
  default: NativeSimd;
  bestIndex: number;
  defaultIndex: number;
  supported: NativeSimd[];
  hardwareConcurrency: number;
  tiles: Record<string, string>;
}

interface Addon {
  info(): AddonInfo;
  setArgs(args: Float64Array): number;
  addressOf(x: ArrayBuffer | ArrayBufferView): number;
  gemm(slot: number): void;
  addBias(slot: number): void;
  sumRows(slot: number): void;
  embFwd(slot: number): void;
  embBwd(slot: number): void;
  ohFwd(slot: number): void;
  ohBwd(slot: number): void;
  recFwd(slot: number): void;
  recBwd(slot: number): void;
  crossEntropy(slot: number): void;
  softmax(slot: number): void;
  dropout(slot: number): void;
  fill(slot: number): void;
  copy(slot: number): void;
  scale(slot: number): void;
  axpy(slot: number): void;
  sumSquares(slot: number): void;
  adam(slot: number): void;
  sgd(slot: number): void;
}

const ADDON_FILE = 'rnnlab_native.node';
/** Must equal kAbiVersion in native/src/addon.cc (the argument-block layouts below). */
const ABI_VERSION = 1;
const SIMD_INDEX: Record<NativeSimd, number> = { scalar: 0, avx2: 1, avx512: 2 };
const SIMD_NAMES: NativeSimd[] = ['scalar', 'avx2', 'avx512'];
const SIMD_LABEL: Record<NativeSimd, string> = { scalar: 'scalar', avx2: 'AVX2', avx512: 'AVX-512' };
const CELL_CODE: Record<CellKind, number> = { lstm: 0, gru: 1, rnn_tanh: 2, rnn_relu: 3 };

/** Where the addon may be: RNNLAB_NATIVE_PATH, then build/Release (and native/build/Release) of the package root. */
function candidatePaths(): string[] {
  const out: string[] = [];
  const env = process.env.RNNLAB_NATIVE_PATH;
  if (env) out.push(resolve(env));
  // This file is src/backend/native/ (ts) or dist/src/backend/native/ (compiled): walk up.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    out.push(join(dir, 'build', 'Release', ADDON_FILE));
    out.push(join(dir, 'native', 'build', 'Release', ADDON_FILE));
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return out;
}

interface Loaded {
  addon: Addon | null;
  info: AddonInfo | null;
  reason: string;
  args: Float64Array;
  slot: number;
}
let loaded: Loaded | null = null;

function load(): Loaded {
  if (loaded) return loaded;
  const args = new Float64Array(new ArrayBuffer(64 * 8));
  const paths = candidatePaths();
  const found = paths.find((p) => existsSync(p));
  if (!found) {
    loaded = {
      addon: null, info: null, args, slot: -1,
      reason: `addon not built (no ${ADDON_FILE} in build/Release; run \`node scripts/build-native.mjs --verbose\`)`,
    };
    return loaded;
  }
  try {
    const require = createRequire(import.meta.url);
    const addon = require(found) as Addon;
    const info = addon.info();
    if (info.abi !== ABI_VERSION) {
      loaded = {
        addon: null, info: null, args, slot: -1,
        reason: `${found} is stale (ABI ${info.abi}, expected ${ABI_VERSION}); rebuild with \`node scripts/build-native.mjs\``,
      };
      return loaded;
    }
    const slot = addon.setArgs(args);
    loaded = { addon, info, args, slot, reason: `loaded ${found}` };
  } catch (e) {
    loaded = { addon: null, info: null, args, slot: -1, reason: `cannot load ${found}: ${e instanceof Error ? e.message : String(e)}` };
  }
  return loaded;
}

/** Whether the native backend can run here, why not, and the best SIMD level of this CPU. */
export function nativeAvailability(): { ok: boolean; reason: string; simd?: string } {
  const l = load();
  if (!l.addon || !l.info) return { ok: false, reason: l.reason };
  return { ok: true, reason: l.reason, simd: l.info.best };
}

export async function createNativeBackend(opts: NativeBackendOptions = {}): Promise<Backend> {
  const l = load();
  if (!l.addon || !l.info) throw new Error(`native backend unavailable: ${l.reason}`);
  let threads = opts.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer, got ${opts.threads}`);
  threads = Math.min(threads, 256);
  let isa = l.info.defaultIndex;
  if (opts.simd !== undefined) {
    if (!(opts.simd in SIMD_INDEX)) throw new RangeError(`simd must be avx512, avx2 or scalar, got ${String(opts.simd)}`);
    isa = Math.min(SIMD_INDEX[opts.simd], l.info.bestIndex);
  }
  return new NativeBackend(l.addon, l.info, l.args, l.slot, threads, SIMD_NAMES[isa]);
}

class NativeStorage<A> implements Storage<A> {
  constructor(
    readonly data: A,
    readonly ptr: number,
  ) {}
}

type AnyTensor = Tensor | IntTensor;

function isNonNegInt(x: number): boolean {
  return Number.isInteger(x) && x >= 0;
}

export class NativeBackend implements Backend {
  readonly name = 'native' as const;
  readonly dtype = 'float32' as const;
  private readonly isa: number;

  constructor(
    private readonly addon: Addon,
    private readonly info: AddonInfo,
    private readonly a: Float64Array,
    private readonly slot: number,
    readonly threads: number,
    readonly simd: NativeSimd,
  ) {
    this.isa = SIMD_INDEX[simd];
  }

  describe(): string {
    const t = `${this.threads} thread${this.threads === 1 ? '' : 's'}`;
    const note = this.simd !== this.info.best ? `; CPU has ${SIMD_LABEL[this.info.best]}` : '';
    return `native (${SIMD_LABEL[this.simd]}, ${t}${note})`;
  }

  // ---- memory ------------------------------------------------------------------------

  alloc(shape: readonly number[]): Tensor {
    const n = shapeSize(shape);
    const buf = new ArrayBuffer(n * 4 + 64);
    const addr = this.addon.addressOf(buf);
    const pad = (64 - (addr % 64)) % 64;
    return new Tensor(shape, new NativeStorage(new Float32Array(buf, pad, n), addr + pad));
  }

  allocInt(size: number): IntTensor {
    if (!isNonNegInt(size)) throw new Error(`bad int tensor size ${size}`);
    const buf = new ArrayBuffer(size * 4 + 64);
    const addr = this.addon.addressOf(buf);
    const pad = (64 - (addr % 64)) % 64;
    return new IntTensor(size, new NativeStorage(new Int32Array(buf, pad, size), addr + pad));
  }

  free(_t: AnyTensor): void {
    // The ArrayBuffer is garbage-collected once the tensor is unreachable.
  }

  /** Address of element `off` of t, after checking that [off, off + n) lies inside t. */
  private p(t: AnyTensor, off: number, n: number, what: string): number {
    const size = t.size;
    if (!isNonNegInt(off) || !isNonNegInt(n) || off + n > size) {
      throw new RangeError(`native: ${what} needs elements [${off}, ${off + n}) of a tensor of ${size}`);
    }
    const s = t.storage;
    if (s instanceof NativeStorage) return s.ptr + off * 4;
    const d = t.data;
    if (!(d instanceof Float32Array) && !(d instanceof Int32Array)) {
      throw new TypeError(`native: ${what} must be a float32 tensor (got ${d.constructor.name})`);
    }
    if (d.length < size) throw new RangeError(`native: ${what} has fewer elements than its size`);
    return this.addon.addressOf(d) + off * 4;
  }
  private pOpt(t: AnyTensor | null, n: number, what: string): number {
    return t ? this.p(t, 0, n, what) : 0;
  }
  private head(): Float64Array {
    const a = this.a;
    a[0] = this.isa;
    a[1] = this.threads;
    return a;
  }

  // ---- GEMM --------------------------------------------------------------------------

  gemm(
    transA: boolean, transB: boolean, M: number, N: number, K: number,
    alpha: number, A: Tensor, aOff: number, B: Tensor, bOff: number,
    beta: number, C: Tensor, cOff: number,
  ): void {
    if (!isNonNegInt(M) || !isNonNegInt(N) || !isNonNegInt(K)) throw new RangeError(`gemm: bad sizes ${M}×${N}×${K}`);
    const a = this.head();
    a[2] = transA ? 1 : 0;
    a[3] = transB ? 1 : 0;
    a[4] = M;
    a[5] = N;
    a[6] = K;
    a[7] = alpha;
    a[8] = this.p(A, aOff, M * K, 'gemm A');
    a[9] = this.p(B, bOff, K * N, 'gemm B');
    a[10] = beta;
    a[11] = this.p(C, cOff, M * N, 'gemm C');
    this.addon.gemm(this.slot);
  }

  addBias(Y: Tensor, b: Tensor, rows: number, cols: number): void {
    const a = this.head();
    a[2] = this.p(Y, 0, rows * cols, 'addBias Y');
    a[3] = this.p(b, 0, cols, 'addBias b');
    a[4] = rows;
    a[5] = cols;
    this.addon.addBias(this.slot);
  }

  sumRows(db: Tensor, dY: Tensor, rows: number, cols: number): void {
    const a = this.head();
    a[2] = this.p(db, 0, cols, 'sumRows db');
    a[3] = this.p(dY, 0, rows * cols, 'sumRows dY');
    a[4] = rows;
    a[5] = cols;
    this.addon.sumRows(this.slot);
  }

  // ---- embeddings ----------------------------------------------------------------------

  embeddingForward(out: Tensor, ids: IntTensor, W: Tensor, n: number, E: number): void {
    this.gather(this.addon.embFwd, out, ids, W, n, E, E > 0 ? Math.floor(W.size / E) : 0, 'embeddingForward');
  }
  embeddingBackward(dW: Tensor, ids: IntTensor, dOut: Tensor, n: number, E: number): void {
    this.gather(this.addon.embBwd, dOut, ids, dW, n, E, E > 0 ? Math.floor(dW.size / E) : 0, 'embeddingBackward');
  }
  onehotForward(out: Tensor, ids: IntTensor, W: Tensor, n: number, G: number, V: number): void {
    this.gather(this.addon.ohFwd, out, ids, W, n, G, V, 'onehotForward');
  }
  onehotBackward(dW: Tensor, ids: IntTensor, dOut: Tensor, n: number, G: number, V: number): void {
    this.gather(this.addon.ohBwd, dOut, ids, dW, n, G, V, 'onehotBackward');
  }
  /** rows: the [n, width] side; table: W or dW (bounds-checked natively per id). */
  private gather(fn: (slot: number) => void, rows: Tensor, ids: IntTensor, table: Tensor, n: number, width: number, V: number, what: string): void {
    if (!isNonNegInt(width) || !isNonNegInt(V)) throw new RangeError(`${what}: bad sizes`);
    const a = this.head();
    const fwd = fn === this.addon.embFwd || fn === this.addon.ohFwd;
    const pRows = this.p(rows, 0, n * width, `${what} ${fwd ? 'out' : 'dOut'}`);
    const pTable = this.p(table, 0, table.size, `${what} ${fwd ? 'W' : 'dW'}`);
    if (fwd) {
      a[2] = pRows;
      a[4] = pTable;
    } else {
      a[2] = pTable;
      a[4] = pRows;
    }
    a[3] = this.p(ids, 0, n, `${what} ids`);
    a[5] = n;
    a[6] = width;
    a[7] = V;
    a[8] = table.size;
    fn.call(this.addon, this.slot);
  }

  // ---- recurrent layers ----------------------------------------------------------------

  recurrentForward(r: RecurrentForwardArgs): void {
    const { T, B, H } = r;
    if (!isNonNegInt(T) || !isNonNegInt(B) || !isNonNegInt(H)) throw new RangeError('recurrentForward: bad sizes');
    const G = gates(r.cell) * H;
    const lstm = r.cell === 'lstm';
    const cw = cacheWidth(r.cell, H);
    const a = this.head();
    a[2] = CELL_CODE[r.cell];
    a[3] = T;
    a[4] = B;
    a[5] = H;
    a[6] = this.p(r.xw, 0, T * B * G, 'recurrentForward xw');
    a[7] = this.p(r.whh, 0, G * H, 'recurrentForward whh');
    a[8] = this.p(r.bhh, 0, G, 'recurrentForward bhh');
    a[9] = this.p(r.h0, 0, B * H, 'recurrentForward h0');
    a[10] = lstm ? this.pOpt(r.c0, B * H, 'recurrentForward c0') : 0;
    a[11] = this.p(r.hs, 0, T * B * H, 'recurrentForward hs');
    a[12] = cw > 0 ? this.pOpt(r.cache, T * B * cw, 'recurrentForward cache') : 0;
    a[13] = lstm ? this.pOpt(r.cT, B * H, 'recurrentForward cT') : 0;
    this.addon.recFwd(this.slot);
  }

  recurrentBackward(r: RecurrentBackwardArgs): void {
    const { T, B, H } = r;
    if (!isNonNegInt(T) || !isNonNegInt(B) || !isNonNegInt(H)) throw new RangeError('recurrentBackward: bad sizes');
    const G = gates(r.cell) * H;
    const lstm = r.cell === 'lstm', gru = r.cell === 'gru';
    const cw = cacheWidth(r.cell, H);
    const a = this.head();
    a[2] = CELL_CODE[r.cell];
    a[3] = T;
    a[4] = B;
    a[5] = H;
    a[6] = this.p(r.whh, 0, G * H, 'recurrentBackward whh');
    a[7] = this.p(r.h0, 0, B * H, 'recurrentBackward h0');
    a[8] = lstm ? this.pOpt(r.c0, B * H, 'recurrentBackward c0') : 0;
    a[9] = this.p(r.hs, 0, T * B * H, 'recurrentBackward hs');
    a[10] = cw > 0 ? this.p(r.cache, 0, T * B * cw, 'recurrentBackward cache') : 0;
    a[11] = this.p(r.dhs, 0, T * B * H, 'recurrentBackward dhs');
    a[12] = this.p(r.dxw, 0, T * B * G, 'recurrentBackward dxw');
    a[13] = this.p(r.dwhh, 0, G * H, 'recurrentBackward dwhh');
    a[14] = this.p(r.dbhh, 0, G, 'recurrentBackward dbhh');
    // dhw is only used by GRU (LSTM/RNN take dxw, as the reference does).
    a[15] = gru ? this.p(r.dhw, 0, T * B * G, 'recurrentBackward dhw') : 0;
    // The hidden-weight GEMMs read the h0 block even when T = 0 (as the reference): keep B·G in range.
    if (T === 0 && B * G > 0) this.p(gru ? r.dhw : r.dxw, 0, B * G, 'recurrentBackward dxw/dhw (T = 0)');
    a[16] = this.pOpt(r.dh0, B * H, 'recurrentBackward dh0');
    a[17] = lstm ? this.pOpt(r.dc0, B * H, 'recurrentBackward dc0') : 0;
    this.addon.recBwd(this.slot);
  }

  // ---- losses --------------------------------------------------------------------------

  crossEntropy(
    logits: Tensor, targets: IntTensor, n: number, V: number, ignoreIndex: number,
    dlogits: Tensor | null, gradScale: number,
  ): CrossEntropyResult {
    const a = this.head();
    a[2] = this.p(logits, 0, n * V, 'crossEntropy logits');
    a[3] = this.p(targets, 0, n, 'crossEntropy targets');
    a[4] = n;
    a[5] = V;
    a[6] = ignoreIndex;
    a[7] = this.pOpt(dlogits, n * V, 'crossEntropy dlogits');
    a[8] = gradScale;
    this.addon.crossEntropy(this.slot);
    return { loss: a[2], count: a[3] };
  }

  softmax(probs: Tensor, logits: Tensor, n: number, V: number, temperature: number): void {
    const a = this.head();
    a[2] = this.p(probs, 0, n * V, 'softmax probs');
    a[3] = this.p(logits, 0, n * V, 'softmax logits');
    a[4] = n;
    a[5] = V;
    a[6] = temperature;
    this.addon.softmax(this.slot);
  }

  // ---- dropout -------------------------------------------------------------------------

  dropoutForward(y: Tensor, x: Tensor, n: number, p: number, seed: number): void {
    this.dropout(y, x, n, p, seed, 'dropoutForward');
  }
  dropoutBackward(dx: Tensor, dy: Tensor, n: number, p: number, seed: number): void {
    this.dropout(dx, dy, n, p, seed, 'dropoutBackward');
  }
  private dropout(y: Tensor, x: Tensor, n: number, p: number, seed: number, what: string): void {
    const a = this.head();
    a[2] = this.p(y, 0, n, `${what} out`);
    a[3] = this.p(x, 0, n, `${what} in`);
    a[4] = n;
    a[5] = p;
    a[6] = seed >>> 0; // dropoutHash uses seed's low 32 bits (ToInt32)
    this.addon.dropout(this.slot);
  }

  // ---- elementwise ---------------------------------------------------------------------

  fill(t: Tensor, value: number, off: number, n: number): void {
    const a = this.head();
    a[2] = this.p(t, off, n, 'fill');
    a[3] = value;
    a[4] = n;
    this.addon.fill(this.slot);
  }
  copy(dst: Tensor, dstOff: number, src: Tensor, srcOff: number, n: number): void {
    const a = this.head();
    a[2] = this.p(dst, dstOff, n, 'copy dst');
    a[3] = this.p(src, srcOff, n, 'copy src');
    a[4] = n;
    this.addon.copy(this.slot);
  }
  scale(t: Tensor, alpha: number, n: number): void {
    const a = this.head();
    a[2] = this.p(t, 0, n, 'scale');
    a[3] = alpha;
    a[4] = n;
    this.addon.scale(this.slot);
  }
  axpy(y: Tensor, alpha: number, x: Tensor, n: number): void {
    const a = this.head();
    a[2] = this.p(y, 0, n, 'axpy y');
    a[3] = alpha;
    a[4] = this.p(x, 0, n, 'axpy x');
    a[5] = n;
    this.addon.axpy(this.slot);
  }
  sumSquares(t: Tensor, n: number): number {
    const a = this.head();
    a[2] = this.p(t, 0, n, 'sumSquares');
    a[3] = n;
    this.addon.sumSquares(this.slot);
    return a[2];
  }

  // ---- optimizers ----------------------------------------------------------------------

  adam(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, n: number, o: AdamArgs): void {
    const a = this.head();
    a[2] = this.p(param, 0, n, 'adam param');
    a[3] = this.p(grad, 0, n, 'adam grad');
    a[4] = this.p(m, 0, n, 'adam m');
    a[5] = this.p(v, 0, n, 'adam v');
    a[6] = n;
    a[7] = o.lr;
    a[8] = o.beta1;
    a[9] = o.beta2;
    a[10] = o.eps;
    a[11] = o.weightDecay;
    a[12] = o.lr / (1 - Math.pow(o.beta1, o.step));
    a[13] = Math.sqrt(1 - Math.pow(o.beta2, o.step));
    this.addon.adam(this.slot);
  }

  sgd(param: Tensor, grad: Tensor, buf: Tensor | null, n: number, lr: number, momentum: number, weightDecay: number): void {
    const a = this.head();
    a[2] = this.p(param, 0, n, 'sgd param');
    a[3] = this.p(grad, 0, n, 'sgd grad');
    a[4] = this.pOpt(buf, n, 'sgd buf');
    a[5] = n;
    a[6] = lr;
    a[7] = momentum;
    a[8] = weightDecay;
    this.addon.sgd(this.slot);
  }
}
