/**
 * The op table: every Backend op described once, as data. Per op, its arguments in the order
 * of the Backend method's signature (an options object's fields as paths, `a.lr`), their kinds,
 * and for each tensor how many elements the op touches as a function of the other arguments,
 * which size argument is its element offset, and whether the op writes it.
 *
 * What is derived from it:
 *  - checks.ts: the one validator every backend runs before every op (base.ts), so an
 *    out-of-range call is the same RangeError on js, wasm and native, before any kernel runs;
 *  - base.ts: the op methods themselves, and the reference kernel as the default for an op a
 *    backend has no kernel for;
 *  - native/marshal.ts: the native argument block (one double per slot);
 *  - native/codegen.ts: native/src/ops.gen.h, the C++ side of that block, and the ABI version.
 *
 * The Backend interface (backend.ts) stays the typed, documented contract; base.ts checks at
 * compile time that the two name the same ops. Sizes use the shape key of src/tensor.ts.
 */
import { cacheWidth, gates, type Backend, type CellKind } from './backend.js';

/**
 * tensor / tensor?: a float tensor, required / or null. ints: an int32 tensor.
 * size: a non-negative integer (a size, an element offset, a leading dimension).
 * int: any integer (an ignore index, a seed). float: any number. bool. cell: a CellKind.
 */
export type ArgKind = 'tensor' | 'tensor?' | 'ints' | 'size' | 'int' | 'float' | 'bool' | 'cell';

/** The recurrent cells in the order of their codes (the native ABI passes a cell as its index here). */
export const CELLS: readonly CellKind[] = ['lstm', 'gru', 'rnn_tanh', 'rnn_relu'];

/**
 * The scalars of the call being checked, one slot per argument name (bool 0/1, a cell its
 * index in CELLS), read by the extents as `s[M]` with the slot constants below. A typed array
 * indexed by constants rather than a record keyed by name: an op call fills and reads it in a
 * few nanoseconds, without the dictionary-style lookups a name-keyed record costs.
 */
export type Scalars = Float64Array;
export type SizeFn = (s: Scalars) => number;

const slots = new Map<string, number>();
/** The slot of a scalar argument name; every op with an argument of that name shares it. */
export function scalarSlot(name: string): number {
  let i = slots.get(name);
  if (i === undefined) slots.set(name, (i = slots.size));
  return i;
}
/** Slots a Scalars array needs (checks.ts allocates it once the table is compiled). */
export function scalarSlots(): number {
  return slots.size;
}

export interface ArgSpec {
  /** The parameter's name, or `parameter.field` for a field of an options object. */
  readonly path: string;
  readonly kind: ArgKind;
  /** Tensors: elements the op touches from the offset on. Absent: rows picked by an index tensor (see `below`). */
  readonly extent?: SizeFn;
  /** Tensors: the size argument holding its element offset. */
  readonly offset?: string;
  /** Tensors: the op writes it (in place or accumulating included). */
  readonly out?: boolean;
  /** Sizes of a trailing optional parameter: the value used when it is omitted. */
  readonly fallback?: SizeFn;
  /** Sizes: the smallest valid value, and what that bound is (for the error message). */
  readonly atLeast?: { readonly value: SizeFn; readonly what: string };
  /**
   * Index tensors: every value must be below this bound (a negative id means "no row": zeros
   * forward, skipped backward). `table` names the tensor argument whose size `value` receives.
   */
  readonly below?: { readonly value: (s: Scalars, tableSize: number) => number; readonly table?: string; readonly what: string };
}

export interface OpSpec<Name extends string = string> {
  readonly name: Name;
  readonly doc: string;
  readonly args: readonly ArgSpec[];
  /**
   * Numbers computed in JS (float64, Math.pow) from the scalars once per call and handed to the
   * native kernel after the arguments, so that it sees the very bits the reference computes.
   */
  readonly derived?: readonly { readonly name: string; readonly value: SizeFn }[];
  /** The op's result: a number, or an object with these number fields. Absent: nothing. */
  readonly returns?: 'number' | readonly string[];
}

// ---- argument constructors -------------------------------------------------------------------

type TensorOptions = Pick<ArgSpec, 'offset' | 'below'>;
const input = (path: string, extent?: SizeFn, o: TensorOptions = {}): ArgSpec => ({ path, kind: 'tensor', extent, ...o });
const output = (path: string, extent?: SizeFn, o: TensorOptions = {}): ArgSpec => ({ path, kind: 'tensor', extent, out: true, ...o });
const optionalInput = (path: string, extent: SizeFn): ArgSpec => ({ path, kind: 'tensor?', extent });
const optionalOutput = (path: string, extent: SizeFn): ArgSpec => ({ path, kind: 'tensor?', extent, out: true });
const ints = (path: string, extent: SizeFn, below?: ArgSpec['below']): ArgSpec => ({ path, kind: 'ints', extent, below });
const size = (path: string, o: Pick<ArgSpec, 'fallback' | 'atLeast'> = {}): ArgSpec => ({ path, kind: 'size', ...o });
const int = (path: string): ArgSpec => ({ path, kind: 'int' });
const float = (path: string): ArgSpec => ({ path, kind: 'float' });
const bool = (path: string): ArgSpec => ({ path, kind: 'bool' });
const cellKind = (path: string): ArgSpec => ({ path, kind: 'cell' });

function op<Name extends string>(name: Name, doc: string, args: ArgSpec[], extra: Pick<OpSpec, 'derived' | 'returns'> = {}): OpSpec<Name> {
  return { name, doc, args, ...extra };
}

/** Elements of a rows × cols matrix stored with row stride ld: its last row ends at its last column. */
export function matrixExtent(rows: number, cols: number, ld: number): number {
  return rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols;
}

// Slots of the scalar arguments the extents read (the shape-key letters and the op-specific names).
const [transA, transB, M, N, K, lda, ldb, ldc] = ['transA', 'transB', 'M', 'N', 'K', 'lda', 'ldb', 'ldc'].map(scalarSlot);
const [rows, cols, n, E, G, V] = ['rows', 'cols', 'n', 'E', 'G', 'V'].map(scalarSlot);
const [cell, T, B, H] = ['cell', 'T', 'B', 'H'].map(scalarSlot);
const [lr, beta1, beta2, step] = ['lr', 'beta1', 'beta2', 'step'].map(scalarSlot);

// gemm: op(A) is [M,K], stored as A [M,K] or, transposed, [K,M]; likewise B.
const rowsA = (s: Scalars) => (s[transA] ? s[K] : s[M]);
const colsA = (s: Scalars) => (s[transA] ? s[M] : s[K]);
const rowsB = (s: Scalars) => (s[transB] ? s[N] : s[K]);
const colsB = (s: Scalars) => (s[transB] ? s[K] : s[N]);

// recurrent layers: gates·H rows of W_hh (the G of the shape key), the cache width; c0, cT,
// dc0 exist for LSTM only, dhw is used by GRU only.
const LSTM = CELLS.indexOf('lstm');
const GRU = CELLS.indexOf('gru');
// per cell code, precomputed: extents run on every call
const GATES = CELLS.map(gates);
const CACHE_PER_UNIT = CELLS.map((c) => cacheWidth(c, 1));
const gateRows = (s: Scalars) => GATES[s[cell]] * s[H];
const TBG = (s: Scalars) => s[T] * s[B] * gateRows(s);
const TBH = (s: Scalars) => s[T] * s[B] * s[H];
const BH = (s: Scalars) => s[B] * s[H];
const GH = (s: Scalars) => gateRows(s) * s[H];
const TBW = (s: Scalars) => s[T] * s[B] * CACHE_PER_UNIT[s[cell]] * s[H];
const lstmBH = (s: Scalars) => (s[cell] === LSTM ? s[B] * s[H] : 0);
const gruTBG = (s: Scalars) => (s[cell] === GRU ? TBG(s) : 0);

const count = (s: Scalars) => s[n];
// sequences with channels: [T,B,F] or [T,B,C], pooled [B,C], per-channel vectors [F]
const [F, C, dstLd, srcLd] = ['F', 'C', 'dstLd', 'srcLd'].map(scalarSlot);
const TBF = (s: Scalars) => s[T] * s[B] * s[F];
const channels = (s: Scalars) => s[F];
const TBC = (s: Scalars) => s[T] * s[B] * s[C];
const BC = (s: Scalars) => s[B] * s[C];
/** Rows of an embedding table [V,E] (its size over E; any id is fine when rows are empty). */
const tableRows = (table: string) => ({
  table,
  value: (s: Scalars, size: number) => (s[E] > 0 ? Math.floor(size / s[E]) : Infinity),
  what: `the rows of ${table}`,
});

/**
 * The table. Any change to an op's name, arguments or their order is a new native ABI
 * (native/abi.ts): regenerate native/src/ops.gen.h (scripts/gen-native-ops.mjs) and rebuild.
 */
export const OP_SPECS = [
  op('gemm', 'C[M,N] = alpha·op(A)·op(B) + beta·C; row strides lda/ldb/ldc default to the packed widths.', [
    bool('transA'), bool('transB'), size('M'), size('N'), size('K'), float('alpha'),
    input('A', (s) => matrixExtent(rowsA(s), colsA(s), s[lda]), { offset: 'aOff' }), size('aOff'),
    input('B', (s) => matrixExtent(rowsB(s), colsB(s), s[ldb]), { offset: 'bOff' }), size('bOff'),
    float('beta'),
    output('C', (s) => matrixExtent(s[M], s[N], s[ldc]), { offset: 'cOff' }), size('cOff'),
    size('lda', { fallback: colsA, atLeast: { value: colsA, what: 'the row width of A as stored' } }),
    size('ldb', { fallback: colsB, atLeast: { value: colsB, what: 'the row width of B as stored' } }),
    size('ldc', { fallback: (s) => s[N], atLeast: { value: (s) => s[N], what: 'N' } }),
  ]),
  op('addBias', 'Y[r,:] += b for r < rows; Y is [rows, cols].', [
    output('Y', (s) => s[rows] * s[cols]), input('b', (s) => s[cols]), size('rows'), size('cols'),
  ]),
  op('sumRows', 'db += Σ_r dY[r,:] (accumulates).', [
    output('db', (s) => s[cols]), input('dY', (s) => s[rows] * s[cols]), size('rows'), size('cols'),
  ]),
  op('embeddingForward', 'out[i,:] = W[ids[i],:]; W is [V,E], out [n,E]; ids < 0 give zero rows.', [
    output('out', (s) => s[n] * s[E]), ints('ids', count, tableRows('W')), input('W'), size('n'), size('E'),
  ]),
  op('embeddingBackward', 'dW[ids[i],:] += dOut[i,:] (accumulates); ids < 0 are skipped.', [
    output('dW'), ints('ids', count, tableRows('dW')), input('dOut', (s) => s[n] * s[E]), size('n'), size('E'),
  ]),
  op('onehotForward', 'out[i,g] = W[g, ids[i]]; W is [G,V], out [n,G].', [
    output('out', (s) => s[n] * s[G]), ints('ids', count, { value: (s) => s[V], what: 'V' }), input('W', (s) => s[G] * s[V]),
    size('n'), size('G'), size('V'),
  ]),
  op('onehotBackward', 'dW[g, ids[i]] += dOut[i,g] (accumulates).', [
    output('dW', (s) => s[G] * s[V]), ints('ids', count, { value: (s) => s[V], what: 'V' }), input('dOut', (s) => s[n] * s[G]),
    size('n'), size('G'), size('V'),
  ]),
  op('recurrentForward', 'A whole recurrent layer over a sequence (xw [T,B,G] precomputed).', [
    cellKind('a.cell'), size('a.T'), size('a.B'), size('a.H'),
    input('a.xw', TBG), input('a.whh', GH), input('a.bhh', gateRows), input('a.h0', BH), optionalInput('a.c0', lstmBH),
    output('a.hs', TBH), optionalOutput('a.cache', TBW), optionalOutput('a.cT', lstmBH),
  ]),
  op('recurrentBackward', 'Backpropagation through time for the layer run by recurrentForward.', [
    cellKind('a.cell'), size('a.T'), size('a.B'), size('a.H'),
    input('a.whh', GH), input('a.h0', BH), optionalInput('a.c0', lstmBH), input('a.hs', TBH), input('a.cache', TBW),
    input('a.dhs', TBH), output('a.dxw', TBG), output('a.dwhh', GH), output('a.dbhh', gateRows),
    output('a.dhw', gruTBG), optionalOutput('a.dh0', BH), optionalOutput('a.dc0', lstmBH),
  ]),
  op('crossEntropy', 'Fused log-softmax + NLL over rows of logits [n,V]; optional gradient.', [
    input('logits', (s) => s[n] * s[V]), ints('targets', count), size('n'), size('V'), int('ignoreIndex'),
    optionalOutput('dlogits', (s) => s[n] * s[V]), float('gradScale'),
  ], { returns: ['loss', 'count'] }),
  op('reluForward', 'y = max(x, 0); y may be x.', [output('y', count), input('x', count), size('n')]),
  op('reluBackward', 'dx = dy where y > 0, else 0; dx may be dy.', [
    output('dx', count), input('dy', count), input('y', count), size('n'),
  ]),
  op('batchNormForward', 'BatchNorm1d over the real positions of [T,B,F] (train: batch statistics, running ones updated; eval: running).', [
    output('y', TBF), input('x', TBF), size('T'), size('B'), size('F'), ints('lengths', (s) => s[B]),
    input('gamma', channels), input('beta', channels), output('runMean', channels), output('runVar', channels),
    output('mean', channels), output('invStd', channels), bool('train'), float('momentum'), float('eps'),
  ]),
  op('batchNormBackward', 'Gradients of batchNormForward (dx overwritten, dGamma/dBeta accumulate).', [
    output('dx', TBF), input('dy', TBF), input('x', TBF), size('T'), size('B'), size('F'), ints('lengths', (s) => s[B]),
    input('gamma', channels), input('mean', channels), input('invStd', channels), output('dGamma', channels), output('dBeta', channels),
    bool('train'),
  ]),
  op('maxPoolTimeForward', 'out[b,c] = max over the real positions of x[·,b,c]; argmax kept.', [
    output('out', BC), ints('argmax', BC), input('x', TBC), size('T'), size('B'), size('C'), ints('lengths', (s) => s[B]),
  ]),
  op('maxPoolTimeBackward', 'dx = dy routed to the argmax positions (dx overwritten).', [
    output('dx', TBC), input('dy', BC), ints('argmax', BC), size('T'), size('B'), size('C'),
  ]),
  op('meanPoolTimeForward', 'out[b,c] = mean over the real positions of x[·,b,c].', [
    output('out', BC), input('x', TBC), size('T'), size('B'), size('C'), ints('lengths', (s) => s[B]),
  ]),
  op('meanPoolTimeBackward', 'dx[t,b,c] = dy[b,c]/lengths[b] at real positions, else 0 (dx overwritten).', [
    output('dx', TBC), input('dy', BC), size('T'), size('B'), size('C'), ints('lengths', (s) => s[B]),
  ]),
  op('copyRows', 'A block of cols columns copied row by row between matrices with row strides srcLd, dstLd.', [
    output('dst', (s) => matrixExtent(s[rows], s[cols], s[dstLd]), { offset: 'dstOff' }), size('dstOff'), size('dstLd', { atLeast: { value: (s) => s[cols], what: 'cols' } }),
    input('src', (s) => matrixExtent(s[rows], s[cols], s[srcLd]), { offset: 'srcOff' }), size('srcOff'), size('srcLd', { atLeast: { value: (s) => s[cols], what: 'cols' } }),
    size('rows'), size('cols'),
  ]),
  op('dropoutForward', 'Inverted dropout with the mask of dropoutHash(seed, i).', [
    output('y', count), input('x', count), size('n'), float('p'), int('seed'),
  ]),
  op('dropoutBackward', 'dx = dy·keep/(1−p) with the regenerated mask; dx may be dy.', [
    output('dx', count), input('dy', count), size('n'), float('p'), int('seed'),
  ]),
  op('fill', 't[off + i] = value for i < n.', [output('t', count, { offset: 'off' }), float('value'), size('off'), size('n')]),
  op('copy', 'dst[dstOff + i] = src[srcOff + i] for i < n (memmove).', [
    output('dst', count, { offset: 'dstOff' }), size('dstOff'), input('src', count, { offset: 'srcOff' }), size('srcOff'), size('n'),
  ]),
  op('scale', 't[i] ·= alpha for i < n.', [output('t', count), float('alpha'), size('n')]),
  op('sumSquares', 'Σ t[i]² (float64).', [input('t', count), size('n')], { returns: 'number' }),
  op('adam', "PyTorch's Adam in place on param, m, v.", [
    output('param', count), input('grad', count), output('m', count), output('v', count), size('n'),
    float('a.lr'), float('a.beta1'), float('a.beta2'), float('a.eps'), size('a.step'), float('a.weightDecay'),
  ], {
    derived: [
      { name: 'stepSize', value: (s) => s[lr] / (1 - Math.pow(s[beta1], s[step])) },
      { name: 'bc2Sqrt', value: (s) => Math.sqrt(1 - Math.pow(s[beta2], s[step])) },
    ],
  }),
  op('sgd', "PyTorch's SGD (momentum buffer optional).", [
    output('param', count), input('grad', count), optionalOutput('buf', count), size('n'),
    float('lr'), float('momentum'), float('weightDecay'),
  ]),
];

export type OpName = (typeof OP_SPECS)[number]['name'];

/** The op methods of the Backend interface: what a kernel for an op implements. */
export type OpMethods = Pick<Backend, OpName>;
