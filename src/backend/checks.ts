/**
 * The one validator of op calls, compiled once per op from the op table (ops.ts) and run by
 * every backend before any kernel (base.ts). It checks that
 *   - sizes and offsets are non-negative integers, other ints integers, floats numbers,
 *     booleans booleans and a cell one of CELLS;
 *   - required tensors are present and of the right element type (float or int32);
 *   - every tensor range [offset, offset + extent) lies inside its tensor, and a leading
 *     dimension is at least the row it strides over;
 *   - index tensors (token ids) stay below their table's row count.
 * A failure throws one line naming the op, the argument and the range, e.g.
 * `fill: t needs elements [0, 20) of a tensor of 4` (RangeError; TypeError for a wrong kind).
 *
 * Cost: tens of nanoseconds per call and no allocation. The scratch it fills — the scalars the
 * extents read, the resolved argument values the native marshalling reads — is reused: a check
 * and the kernel after it run synchronously, so no other call can interleave.
 */
import { IntTensor, Tensor } from '../tensor.js';
import {
  CELLS, OP_SPECS, scalarSlot, scalarSlots, type ArgKind, type ArgSpec, type OpName, type OpSpec, type Scalars, type SizeFn,
} from './ops.js';
import type { CellKind } from './backend.js';

/** Positional parameters of the widest op (gemm with its three leading dimensions). */
export const MAX_PARAMS = 16;

// Argument kinds as small integers, for the switch in the hot path.
const SIZE = 0, INT = 1, FLOAT = 2, BOOL = 3, CELL = 4, TENSOR = 5, OPTIONAL = 6, INTS = 7;
const KIND_CODE: Readonly<Record<ArgKind, number>> = {
  size: SIZE, int: INT, float: FLOAT, bool: BOOL, cell: CELL, tensor: TENSOR, 'tensor?': OPTIONAL, ints: INTS,
};
const WANT: Readonly<Record<ArgKind, string>> = {
  size: 'a non-negative integer', int: 'an integer', float: 'a number', bool: 'a boolean', cell: 'a cell kind',
  tensor: 'a float tensor', 'tensor?': 'a float tensor or null', ints: 'an int tensor',
};

/**
 * One argument, with everything the check reads copied out of its spec into fields every
 * CompiledArg has (one object shape, so the hot loops' property loads stay monomorphic).
 */
export interface CompiledArg {
  readonly spec: ArgSpec;
  readonly path: string;
  /** Position in the op's argument list (also the index into values / numbers). */
  readonly index: number;
  readonly kind: number;
  /** The positional parameter holding it, and its field when that parameter is an options object. */
  readonly param: number;
  readonly field: string | null;
  /** Scalars: its slot in the scalars array (ops.ts scalarSlot). */
  readonly slot: number;
  /** Tensors: the index of the argument holding the element offset, or -1. */
  readonly offset: number;
  /** Index tensors with a `below` bound taken from another tensor's size: that tensor's index, or -1. */
  readonly table: number;
  readonly extent: SizeFn | null;
  readonly fallback: SizeFn | null;
  readonly atLeast: SizeFn | null;
}

const isTensorKind = (k: number) => k >= TENSOR;
const lastPart = (path: string) => path.slice(path.lastIndexOf('.') + 1);

export class CompiledOp {
  readonly name: OpName;
  readonly args: readonly CompiledArg[];
  /** Positional parameters of the Backend method. */
  readonly params: number;
  /** Raw positional arguments of the current call (an omitted trailing size gets its fallback). */
  readonly argv: unknown[] = new Array<unknown>(MAX_PARAMS).fill(undefined);
  /** The current call's tensors (by argument index; null when absent), after check(). */
  readonly values: unknown[];
  /** The current call's scalars as numbers (by argument index): bool 0/1, cell its index in CELLS. */
  readonly numbers: Float64Array;
  private readonly scalarArgs: readonly CompiledArg[];
  private readonly boundedArgs: readonly CompiledArg[];
  private readonly tensorArgs: readonly CompiledArg[];
  private readonly indexArgs: readonly CompiledArg[];
  private readonly objectParams: readonly { param: number; name: string }[];
  /** Parameters that hold tensors or options objects (what release() drops). */
  private readonly held: Int32Array;

  constructor(readonly spec: OpSpec<OpName>, readonly index: number) {
    this.name = spec.name;
    const paramNames: string[] = [];
    const objectParams: { param: number; name: string }[] = [];
    const find = (path: string | undefined) => (path === undefined ? -1 : spec.args.findIndex((b) => b.path === path));
    this.args = spec.args.map((a, index): CompiledArg => {
      const dot = a.path.indexOf('.');
      const paramName = dot < 0 ? a.path : a.path.slice(0, dot);
      let param = paramNames.indexOf(paramName);
      if (param < 0) {
        param = paramNames.push(paramName) - 1;
        if (dot >= 0) objectParams.push({ param, name: paramName });
      }
      const kind = KIND_CODE[a.kind];
      const offset = find(a.offset);
      const table = find(a.below?.table);
      const where = `op table: ${spec.name} ${a.path}`;
      if (a.offset !== undefined && (offset < 0 || spec.args[offset].kind !== 'size')) throw new Error(`${where}: offset ${a.offset} is not a size argument`);
      if (a.below?.table !== undefined && (table < 0 || !isTensorKind(KIND_CODE[spec.args[table].kind]))) throw new Error(`${where}: ${a.below.table} is not a tensor`);
      if (a.fallback && dot >= 0) throw new Error(`${where}: only a parameter may have a fallback`);
      return {
        spec: a, path: a.path, index, kind, param, field: dot < 0 ? null : a.path.slice(dot + 1),
        slot: isTensorKind(kind) ? -1 : scalarSlot(lastPart(a.path)), offset, table,
        extent: a.extent ?? null, fallback: a.fallback ?? null, atLeast: a.atLeast?.value ?? null,
      };
    });
    if (paramNames.length > MAX_PARAMS) throw new Error(`op table: ${spec.name} has more than ${MAX_PARAMS} parameters`);
    this.params = paramNames.length;
    this.objectParams = objectParams;
    this.values = new Array<unknown>(this.args.length).fill(undefined);
    this.numbers = new Float64Array(this.args.length);
    this.scalarArgs = this.args.filter((a) => !isTensorKind(a.kind));
    this.boundedArgs = this.scalarArgs.filter((a) => a.atLeast);
    this.tensorArgs = this.args.filter((a) => isTensorKind(a.kind));
    this.indexArgs = this.tensorArgs.filter((a) => a.spec.below);
    this.held = Int32Array.from(new Set([...this.tensorArgs.map((a) => a.param), ...objectParams.map((o) => o.param)]));
  }

  /** Validates the call in argv (filling in omitted trailing sizes); throws before any kernel runs. */
  check(): void {
    const argv = this.argv, values = this.values, numbers = this.numbers, s = SCALARS;
    for (let i = 0; i < this.objectParams.length; i++) {
      const o = this.objectParams[i];
      const v = argv[o.param];
      if (typeof v !== 'object' || v === null) throw new TypeError(`${this.name}: ${o.name} must be an object, got ${show(v)}`);
    }
    for (let i = 0; i < this.scalarArgs.length; i++) {
      const a = this.scalarArgs[i];
      let v = this.read(a);
      if (v === undefined && a.fallback !== null) v = argv[a.param] = a.fallback(s);
      const x = this.scalar(a, v);
      s[a.slot] = x;
      numbers[a.index] = x;
    }
    for (let i = 0; i < this.boundedArgs.length; i++) {
      const a = this.boundedArgs[i];
      const min = a.atLeast!(s);
      if (s[a.slot] < min) throw new RangeError(`${this.name}: ${a.path} must be at least ${min} (${a.spec.atLeast!.what}), got ${s[a.slot]}`);
    }
    for (let i = 0; i < this.tensorArgs.length; i++) {
      const a = this.tensorArgs[i];
      const t = this.read(a);
      values[a.index] = t;
      if (t === null || t === undefined) {
        if (a.kind === OPTIONAL) continue;
        throw new TypeError(`${this.name}: ${a.path} is required, got ${show(t)}`);
      }
      if (a.kind === INTS ? !(t instanceof IntTensor) : !(t instanceof Tensor)) {
        throw new TypeError(`${this.name}: ${a.path} must be ${WANT[a.spec.kind]}, got ${show(t)}`);
      }
      const extent = a.extent;
      if (extent === null) continue;
      const size = (t as Tensor | IntTensor).size;
      const off = a.offset >= 0 ? numbers[a.offset] : 0;
      const end = off + extent(s);
      if (end > size) throw new RangeError(`${this.name}: ${a.path} needs elements [${off}, ${end}) of a tensor of ${size}`);
    }
    for (let i = 0; i < this.indexArgs.length; i++) {
      const a = this.indexArgs[i];
      if (values[a.index]) this.checkBelow(a);
    }
  }

  /**
   * Drops the call's references to tensors and options objects, which would otherwise stay
   * reachable until this op's next call (a freed model's weights, say).
   */
  release(): void {
    const argv = this.argv, values = this.values, held = this.held;
    for (let i = 0; i < held.length; i++) argv[held[i]] = undefined;
    for (let i = 0; i < this.tensorArgs.length; i++) values[this.tensorArgs[i].index] = undefined;
  }

  private read(a: CompiledArg): unknown {
    const v = this.argv[a.param];
    return a.field === null ? v : (v as Record<string, unknown>)[a.field];
  }

  /** The number a scalar argument stands for (bool 0/1, cell its code); small, so it inlines. */
  private scalar(a: CompiledArg, v: unknown): number {
    if (typeof v === 'number') {
      switch (a.kind) {
        case SIZE:
          if (v >= 0 && v <= Number.MAX_SAFE_INTEGER && Math.floor(v) === v) return v;
          break;
        case INT:
          if (Math.abs(v) <= Number.MAX_SAFE_INTEGER && Math.floor(v) === v) return v;
          break;
        case FLOAT:
          return v;
      }
    } else if (a.kind === BOOL && typeof v === 'boolean') {
      return v ? 1 : 0;
    } else if (a.kind === CELL) {
      const c = CELLS.indexOf(v as CellKind);
      if (c >= 0) return c;
    }
    return this.badScalar(a, v);
  }

  private badScalar(a: CompiledArg, v: unknown): never {
    if (a.kind === CELL) throw new TypeError(`${this.name}: ${a.path} must be one of ${CELLS.join(', ')}, got ${show(v)}`);
    // a number out of range is a RangeError; anything else is the wrong kind of value
    const Err = typeof v === 'number' && (a.kind === SIZE || a.kind === INT) ? RangeError : TypeError;
    throw new Err(`${this.name}: ${a.path} must be ${WANT[a.spec.kind]}, got ${show(v)}`);
  }

  /** Data-dependent, but an id past the table is an out-of-range access like any other. */
  private checkBelow(a: CompiledArg): void {
    const bound = a.spec.below!;
    const tableSize = a.table >= 0 ? (this.values[a.table] as Tensor).size : 0;
    const limit = bound.value(SCALARS, tableSize);
    const n = a.extent ? a.extent(SCALARS) : 0;
    const d = (this.values[a.index] as IntTensor).data;
    for (let i = 0; i < n; i++) {
      if (d[i] >= limit) {
        throw new RangeError(`${this.name}: ${a.spec.path}[${i}] = ${d[i]} is out of range (below ${limit}, ${bound.what}; negative to skip)`);
      }
    }
  }
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'object' && v !== null) return v.constructor?.name ?? 'an object';
  return String(v);
}

/** The compiled table, in table order (an op's index is its position). */
export const OPS: readonly CompiledOp[] = OP_SPECS.map((spec, i) => new CompiledOp(spec, i));

/** The scalars of the call being checked (one slot per argument name, see ops.ts). */
export const SCALARS: Scalars = new Float64Array(scalarSlots());

/**
 * A table sanity check, once at load: every size function must read only its own op's
 * scalars. With the others set to NaN, reading a foreign slot shows up as a NaN result.
 */
for (const op of OPS) {
  SCALARS.fill(NaN);
  for (const a of op.args) if (a.slot >= 0) SCALARS[a.slot] = a.kind === BOOL ? 1 : a.kind === CELL ? 0 : a.kind === FLOAT ? 0.5 : 3;
  const fns: [string, ((s: Scalars) => number) | undefined][] = op.args.flatMap((a) => [
    [`${a.spec.path} extent`, a.spec.extent], [`${a.spec.path} fallback`, a.spec.fallback],
    [`${a.spec.path} atLeast`, a.spec.atLeast?.value], [`${a.spec.path} below`, a.spec.below && ((s: Scalars) => a.spec.below!.value(s, 12))],
  ]);
  for (const d of op.spec.derived ?? []) fns.push([d.name, d.value]);
  for (const [what, f] of fns) {
    if (f && Number.isNaN(f(SCALARS))) throw new Error(`op table: ${op.name} ${what} reads a scalar that is not an argument of ${op.name}`);
  }
}
SCALARS.fill(0);
