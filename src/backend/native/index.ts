/**
 * The native backend: a C++ N-API addon (native/, built at install time by
 * scripts/build-native.mjs into build/Release/rnnlab_native.node; found and ABI-checked by
 * loader.ts) with register-blocked GEMM micro-kernels for AVX-512 and AVX2+FMA plus a portable
 * fallback, picked at run time from CPUID, and a std::thread pool. Node only; when the addon
 * is missing rnnlab uses wasm.
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
 * the addon registered once (setArgs returns its slot) and calls `addon[op](slot)`: one N-API
 * call (~50 ns) with one small integer instead of ~0.15 µs per typed-array argument. Every op
 * is coarse (a whole recurrent layer over a sequence is one call), so the per-call cost is
 * noise anyway. The block's layout comes from the op table (abi.ts), written by marshal.ts on
 * this side and unpacked by the generated native/src/ops.gen.h on the other.
 *
 * Safety. The addon trusts the addresses and sizes it is given; every call is checked first
 * (checks.ts, run by base.ts), so a bad call throws a RangeError instead of corrupting memory.
 * Tensors from another backend are accepted if they are float32/int32 typed arrays (their
 * address is looked up per call). An op the addon has no function for runs the reference
 * kernel on the tensors' Float32Array views.
 *
 * Results do not depend on the thread count (each output element is computed by one thread
 * in a fixed summation order); they do depend on the SIMD level (FMA vs mul+add, tile shape).
 */
import { availableParallelism } from 'node:os';
import { IntTensor, Tensor, shapeSize, type Storage } from '../../tensor.js';
import type { Backend } from '../backend.js';
import { BackendBase } from '../base.js';
import { OPS } from '../checks.js';
import type { OpMethods } from '../ops.js';
import { ISA_SLOT, THREADS_SLOT } from './abi.js';
import { load, type Addon, type AddonInfo, type NativeSimd } from './loader.js';
import { OpMarshal, type AddressOf } from './marshal.js';

export { nativeAvailability, type NativeSimd } from './loader.js';

export interface NativeBackendOptions {
  /** Threads for GEMMs, recurrent layers and elementwise ops (default: all cores). */
  threads?: number;
  /**
   * Kernel set (default: the best the CPU supports, lowered by RNNLAB_NATIVE_SIMD=avx2|scalar).
   * A level the CPU lacks falls back to the best available one; describe() tells which ran.
   */
  simd?: NativeSimd;
  precision?: import('../backend.js').Precision;
}

const SIMD_INDEX: Record<NativeSimd, number> = { scalar: 0, avx2: 1, avx512: 2 };
const SIMD_NAMES: NativeSimd[] = ['scalar', 'avx2', 'avx512'];
const SIMD_LABEL: Record<NativeSimd, string> = { scalar: 'scalar', avx2: 'AVX2', avx512: 'AVX-512' };

export async function createNativeBackend(opts: NativeBackendOptions = {}): Promise<NativeBackend> {
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

export class NativeBackend extends BackendBase implements Backend {
  readonly name = 'native' as const;
  readonly dtype = 'float32' as const;
  private readonly isa: number;

  /** @internal use createNativeBackend() */
  constructor(
    private readonly addon: Addon,
    private readonly info: AddonInfo,
    private readonly block: Float64Array,
    private readonly slot: number,
    readonly threads: number,
    readonly simd: NativeSimd,
  ) {
    super();
    this.isa = SIMD_INDEX[simd];
    // One kernel per op the addon exports. It takes no arguments of its own: the marshalling
    // reads the values the check just resolved for this call.
    const kernels: Record<string, () => unknown> = {};
    for (const op of OPS) {
      const fn = addon[op.name];
      if (typeof fn !== 'function') continue; // no native kernel (yet): the reference runs
      const marshal = new OpMarshal(op);
      kernels[op.name] = () => this.call(marshal, fn as (slot: number) => void);
    }
    this.useKernels(kernels as Partial<OpMethods>);
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
    if (!Number.isInteger(size) || size < 0) throw new Error(`bad int tensor size ${size}`);
    const buf = new ArrayBuffer(size * 4 + 64);
    const addr = this.addon.addressOf(buf);
    const pad = (64 - (addr % 64)) % 64;
    return new IntTensor(size, new NativeStorage(new Int32Array(buf, pad, size), addr + pad));
  }

  free(_t: Tensor | IntTensor): void {
    // The ArrayBuffer is garbage-collected once the tensor is unreachable.
  }

  // ---- calls -------------------------------------------------------------------------

  private call(marshal: OpMarshal, fn: (slot: number) => void): unknown {
    const block = this.block;
    block[ISA_SLOT] = this.isa;
    block[THREADS_SLOT] = this.threads;
    marshal.write(block, this.addressOf);
    fn(this.slot);
    return marshal.read(block);
  }

  /** Address of element `off`: ours directly, a foreign float32/int32 view looked up per call. */
  private readonly addressOf: AddressOf = (t, off, op, path) => {
    const s = t.storage;
    if (s instanceof NativeStorage) return s.ptr + off * 4;
    const d = t.data;
    if (!(d instanceof Float32Array) && !(d instanceof Int32Array)) {
      throw new TypeError(`${op}: ${path} must be a float32 tensor for the native backend (got ${d.constructor.name})`);
    }
    if (d.length < t.size) throw new RangeError(`${op}: ${path} has fewer elements than its size`);
    return this.addon.addressOf(d) + off * 4;
  };
}
