/**
 * The native argument block, derived from the op table: which slot of the Float64Array each
 * argument of each op goes to, and the ABI version that names this layout.
 *
 * Block: slot 0 the kernel set (0 scalar, 1 avx2, 2 avx512), slot 1 the thread count, slot 2 the
 * precision (0 fp32, 1 bf16: GEMM operands rounded to bf16), then the op's arguments in table
 * order, one double each — except element offsets, which are folded into their tensor's
 * address (a tensor slot holds the address of its element `offset`, 0 when absent) — then the
 * op's derived numbers. Results are written back from slot 3 (FIRST_SLOT) on.
 *
 * The ABI version is the FNV-1a hash of a signature string listing the op names, their slot
 * kinds in order, derived numbers, results and the cell codes. codegen.ts writes the same
 * string into native/src/ops.gen.h, where the C++ compiler hashes it again (and checks that it
 * gets this number); the addon reports it and loader.ts refuses any other.
 */
import { CELLS, OP_SPECS, type ArgKind, type ArgSpec, type OpSpec } from '../ops.js';

export const ISA_SLOT = 0;
export const THREADS_SLOT = 1;
export const PRECISION_SLOT = 2;
export const FIRST_SLOT = 3;
/** Doubles in the block (the addon's setArgs requires at least 32). */
export const BLOCK_SLOTS = 64;

export interface Slot {
  /** Field name on both sides (the argument path's last part, or the derived number's name). */
  readonly name: string;
  /** The argument this slot carries (its index in spec.args), or -1 for a derived number. */
  readonly arg: number;
  readonly kind: ArgKind | 'derived';
  readonly spec: ArgSpec | null;
}

const lastPart = (path: string) => path.slice(path.lastIndexOf('.') + 1);

/** The slots of one op, from FIRST_SLOT on. */
export function slotsOf(op: OpSpec): Slot[] {
  const offsets = new Set(op.args.filter((a) => a.offset !== undefined).map((a) => a.offset));
  const slots: Slot[] = [];
  op.args.forEach((a, i) => {
    if (!offsets.has(a.path)) slots.push({ name: lastPart(a.path), arg: i, kind: a.kind, spec: a });
  });
  for (const d of op.derived ?? []) slots.push({ name: d.name, arg: -1, kind: 'derived', spec: null });
  if (FIRST_SLOT + slots.length > BLOCK_SLOTS) throw new Error(`op table: ${op.name} needs more than ${BLOCK_SLOTS} slots`);
  return slots;
}

/** Result field names of an op (written back from FIRST_SLOT on). */
export function resultsOf(op: OpSpec): readonly string[] {
  return op.returns === undefined ? [] : op.returns === 'number' ? ['value'] : op.returns;
}

/** Everything the layout depends on, as one ASCII line. */
export function abiSignature(): string {
  const ops = OP_SPECS.map((op) => {
    const slots = slotsOf(op).map((s) => s.kind).join(',');
    const results = resultsOf(op).length;
    return `${op.name}(${slots})${results ? `->${results}` : ''}`;
  });
  return `rnnlab-native isa@${ISA_SLOT} threads@${THREADS_SLOT} precision@${PRECISION_SLOT} slots@${FIRST_SLOT} cells=${CELLS.join(',')}; ${ops.join('; ')}`;
}

/** 32-bit FNV-1a of an ASCII string (the C++ side runs the same loop at compile time). */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) throw new Error('fnv1a: ASCII only');
    h = Math.imul(h ^ c, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export const ABI_VERSION = fnv1a(abiSignature());
