/**
 * What every backend shares: the op methods. Each op of the Backend interface is installed
 * here once, from the op table. A call stores its arguments in the op's scratch, runs the
 * validator (checks.ts: a bad size or offset throws before any kernel runs, with the same
 * message on every backend), then the backend's kernel for that op.
 *
 * A backend registers its kernels with useKernels(). An op it has no kernel for runs the
 * reference kernel (js/kernels.ts) on the tensors' typed-array views, which every storage
 * exposes; so a new op works on every backend the day its reference kernel is written, and
 * gets a wasm or native kernel when bench/ says it is worth one.
 *
 * A subclass must not define an op method itself: it would skip the validator. TypeScript's
 * noImplicitOverride flags such a method, and test/backend/checks.test.ts checks the
 * prototypes of the three backends.
 */
import type { DType, IntTensor, Tensor } from '../tensor.js';
import type { Backend, BackendName } from './backend.js';
import { OPS, type CompiledOp } from './checks.js';
import type { OpMethods, OpName } from './ops.js';
import { referenceKernels } from './js/kernels.js';

/** Backend members that are not ops, so not in the table. */
type NotOps = 'name' | 'dtype' | 'threads' | 'precision' | 'describe' | 'alloc' | 'allocInt' | 'free';
/** Compile-time check that the table lists every op of the interface (OpMethods checks the converse). */
const everyOpInTable: [Exclude<keyof Backend, OpName | NotOps>] extends [never] ? true : never = true;
void everyOpInTable;

/** Kernels are stored untyped, indexed by op; each is called with the checked positional arguments. */
type Kernel = (...args: unknown[]) => unknown;

export interface BackendBase extends OpMethods {}

export abstract class BackendBase {
  abstract readonly name: BackendName;
  abstract readonly dtype: DType;
  abstract readonly threads: number;
  abstract describe(): string;
  abstract alloc(shape: readonly number[]): Tensor;
  abstract allocInt(size: number): IntTensor;
  abstract free(t: Tensor | IntTensor): void;

  /** The kernel of each op, by table index: the backend's own, else the reference. */
  private readonly kernels: Kernel[] = OPS.map((op) => referenceKernels[op.name] as unknown as Kernel);
  private readonly own = new Set<OpName>();

  /** Registers the backend's own kernels (called with the checked arguments of the Backend signature). */
  protected useKernels(kernels: Partial<OpMethods>): void {
    for (const op of OPS) {
      const k = kernels[op.name];
      if (!k) continue;
      this.kernels[op.index] = k as unknown as Kernel;
      this.own.add(op.name);
    }
  }

  /** The ops this backend runs with the reference kernel on typed-array views (no kernel of its own). */
  get referenceOps(): OpName[] {
    return OPS.filter((op) => !this.own.has(op.name)).map((op) => op.name);
  }

  static {
    for (const op of OPS) {
      Object.defineProperty(BackendBase.prototype, op.name, { value: BackendBase.opMethod(op), writable: false, configurable: false });
    }
  }

  /**
   * The method of one op. Fixed parameters rather than a rest array: no allocation per call.
   * The kernel receives argv after the check, so omitted trailing sizes arrive filled in.
   */
  private static opMethod(op: CompiledOp): Kernel {
    const argv = op.argv;
    const index = op.index;
    const method = function (
      this: BackendBase,
      a0?: unknown, a1?: unknown, a2?: unknown, a3?: unknown, a4?: unknown, a5?: unknown, a6?: unknown, a7?: unknown,
      a8?: unknown, a9?: unknown, a10?: unknown, a11?: unknown, a12?: unknown, a13?: unknown, a14?: unknown, a15?: unknown,
    ): unknown {
      argv[0] = a0; argv[1] = a1; argv[2] = a2; argv[3] = a3; argv[4] = a4; argv[5] = a5; argv[6] = a6; argv[7] = a7;
      argv[8] = a8; argv[9] = a9; argv[10] = a10; argv[11] = a11; argv[12] = a12; argv[13] = a13; argv[14] = a14; argv[15] = a15;
      op.check();
      const result = this.kernels[index](
        argv[0], argv[1], argv[2], argv[3], argv[4], argv[5], argv[6], argv[7],
        argv[8], argv[9], argv[10], argv[11], argv[12], argv[13], argv[14], argv[15],
      );
      op.release();
      return result;
    };
    Object.defineProperty(method, 'name', { value: op.name });
    return method;
  }
}
