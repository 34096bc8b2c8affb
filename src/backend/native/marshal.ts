/**
 * Writes a checked op call into the native argument block and reads its result back, for
 * every op alike, from the slot layout of abi.ts. It runs right after checks.ts and reads the
 * values the check resolved (sizes as numbers, booleans as 0/1, a cell as its code), so it
 * validates nothing itself; what it adds is addresses, which only the native side needs.
 * No allocation, except the result object of an op that returns one.
 */
import type { IntTensor, Tensor } from '../../tensor.js';
import { SCALARS, type CompiledOp } from '../checks.js';
import type { SizeFn } from '../ops.js';
import { FIRST_SLOT, resultsOf, slotsOf } from './abi.js';

const TENSOR = 0, NUMBER = 1, DERIVED = 2;

interface SlotPlan {
  readonly kind: typeof TENSOR | typeof NUMBER | typeof DERIVED;
  /** The argument's index in the op (values / numbers), or -1. */
  readonly arg: number;
  /** Tensors: index of the offset argument, or -1. */
  readonly offset: number;
  readonly derived: SizeFn | null;
  /** For error messages: the argument's path. */
  readonly path: string;
}

/** Address of element `off` of a tensor (the backend knows its storages); `path` names it in errors. */
export type AddressOf = (t: Tensor | IntTensor, off: number, op: string, path: string) => number;

export class OpMarshal {
  private readonly plan: SlotPlan[];
  private readonly results: readonly string[];

  constructor(readonly op: CompiledOp) {
    const derived = op.spec.derived ?? [];
    this.plan = slotsOf(op.spec).map((s): SlotPlan => {
      if (s.arg < 0) return { kind: DERIVED, arg: -1, offset: -1, derived: derived.find((d) => d.name === s.name)!.value, path: s.name };
      const a = op.args[s.arg];
      const tensor = s.kind === 'tensor' || s.kind === 'tensor?' || s.kind === 'ints';
      return { kind: tensor ? TENSOR : NUMBER, arg: s.arg, offset: a.offset, derived: null, path: a.spec.path };
    });
    this.results = resultsOf(op.spec);
  }

  /** Fills the op's slots (slots 0 and 1, kernel set and threads, are the backend's). */
  write(block: Float64Array, addressOf: AddressOf): void {
    const { values, numbers, name } = this.op;
    let k = FIRST_SLOT;
    for (const p of this.plan) {
      if (p.kind === NUMBER) block[k++] = numbers[p.arg];
      else if (p.kind === TENSOR) {
        const t = values[p.arg] as Tensor | IntTensor | null | undefined;
        block[k++] = t ? addressOf(t, p.offset >= 0 ? numbers[p.offset] : 0, name, p.path) : 0;
      } else block[k++] = p.derived!(SCALARS);
    }
  }

  /** The op's result from the block after the call: undefined, a number, or an object of numbers. */
  read(block: Float64Array): unknown {
    const r = this.results;
    if (r.length === 0) return undefined;
    if (this.op.spec.returns === 'number') return block[FIRST_SLOT];
    const out: Record<string, number> = {};
    for (let i = 0; i < r.length; i++) out[r[i]] = block[FIRST_SLOT + i];
    return out;
  }
}
