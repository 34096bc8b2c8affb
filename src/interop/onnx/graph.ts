/**
 * A small ONNX graph builder: nodes, initializers, inputs and outputs as plain objects in the
 * shape of onnx.proto3's GraphProto (field names as protobufjs spells them), with unique value
 * names and the few opset-dependent spellings (ReduceMax's axes) in one place.
 */
import { endianness } from 'node:os';

/** TensorProto.DataType values used here. */
export const FLOAT = 1;
export const INT32 = 6;
export const INT64 = 7;
export const BOOL = 9;

/** AttributeProto.AttributeType values. */
const ATTR = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

/** An attribute value: a number is an INT; use `float()` for a FLOAT. */
export type Attr = number | string | number[] | string[] | { float: number } | { floats: number[] };
export const float = (v: number): Attr => ({ float: v });
export const floats = (v: number[]): Attr => ({ floats: v });

export type Dim = number | string;

type Obj = Record<string, unknown>;

function attribute(name: string, v: Attr): Obj {
  if (typeof v === 'number') return { name, type: ATTR.INT, i: v };
  if (typeof v === 'string') return { name, type: ATTR.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === 'number')) return { name, type: ATTR.INTS, ints: v };
    return { name, type: ATTR.STRINGS, strings: (v as string[]).map((s) => new TextEncoder().encode(s)) };
  }
  if ('float' in v) return { name, type: ATTR.FLOAT, f: v.float };
  return { name, type: ATTR.FLOATS, floats: v.floats };
}

function valueInfo(name: string, elemType: number, dims: readonly Dim[]): Obj {
  const dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}

/** Little-endian bytes of float32 values, as TensorProto.raw_data requires. */
function float32Bytes(data: ArrayLike<number>): Uint8Array {
  const f = data instanceof Float32Array ? data : Float32Array.from(data);
  if (endianness() === 'LE') return new Uint8Array(f.buffer.slice(f.byteOffset, f.byteOffset + f.byteLength));
  const out = new Uint8Array(f.length * 4), view = new DataView(out.buffer);
  for (let i = 0; i < f.length; i++) view.setFloat32(i * 4, f[i], true);
  return out;
}

export class GraphBuilder {
  private readonly nodes: Obj[] = [];
  private readonly initializers: Obj[] = [];
  private readonly inputs: Obj[] = [];
  private readonly outputs: Obj[] = [];
  private readonly used = new Set<string>();
  private readonly intConsts = new Map<string, string>();

  constructor(readonly opset: number) {}

  /** A fresh value name based on `base`. */
  fresh(base: string): string {
    let name = base, k = 1;
    while (this.used.has(name)) name = `${base}_${k++}`;
    this.used.add(name);
    return name;
  }

  /** Adds a node; returns its output names (`outputs` given: exactly those, '' for an omitted output). */
  node(op: string, inputs: readonly string[], attrs: Record<string, Attr> = {}, outputs: number | readonly string[] = 1): string[] {
    const outs = typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.fresh(op.toLowerCase())) : [...outputs];
    for (const o of outs) if (o) this.used.add(o);
    this.nodes.push({
      name: this.fresh(`${op}_node`), opType: op, input: [...inputs], output: outs,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return outs;
  }

  /** A one-output node. */
  op(op: string, inputs: readonly string[], attrs: Record<string, Attr> = {}, output?: string): string {
    return this.node(op, inputs, attrs, output ? [output] : 1)[0];
  }

  /** A float32 initializer (weights, constants). */
  floats(name: string, dims: readonly number[], data: ArrayLike<number>): string {
    const n = dims.reduce((a, b) => a * b, 1);
    if (data.length !== n) throw new Error(`initializer ${name}: ${data.length} values for shape [${dims}]`);
    if (this.used.has(name)) throw new Error(`initializer ${name} is defined twice`);
    this.used.add(name);
    return this.addFloats(name, dims, data);
  }

  private addFloats(name: string, dims: readonly number[], data: ArrayLike<number>): string {
    this.initializers.push({ name, dims: [...dims], dataType: FLOAT, rawData: float32Bytes(data) });
    return name;
  }

  /** An int64 constant vector (shapes, axes, indices); equal ones are shared. */
  ints(values: readonly number[], scalar = false): string {
    const key = `${scalar ? 's' : 'v'}${values.join(',')}`;
    const have = this.intConsts.get(key);
    if (have) return have;
    const name = this.fresh(scalar ? `const_${values[0]}` : `const_${values.join('_')}`);
    this.initializers.push({ name, dims: scalar ? [] : [values.length], dataType: INT64, int64Data: [...values] });
    this.intConsts.set(key, name);
    return name;
  }

  /** A float32 scalar constant. */
  scalar(value: number, base = 'const_f'): string {
    return this.addFloats(this.fresh(base), [], [value]);
  }

  input(name: string, elemType: number, dims: readonly Dim[]): string {
    this.used.add(name);
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  output(name: string, elemType: number, dims: readonly Dim[]): void {
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  unsqueeze(x: string, axes: number[]): string {
    return this.op('Unsqueeze', [x, this.ints(axes)]);
  }

  squeeze(x: string, axes: number[]): string {
    return this.op('Squeeze', [x, this.ints(axes)]);
  }

  transpose(x: string, perm: number[], output?: string): string {
    return this.op('Transpose', [x], { perm }, output);
  }

  /** Dimension `axis` of x's shape as a one-element int64 vector. */
  dim(x: string, axis: number): string {
    return this.op('Slice', [this.op('Shape', [x]), this.ints([axis]), this.ints([axis + 1])]);
  }

  /** ReduceSum / ReduceMax over `axes` (axes moved from attribute to input: ReduceSum at 13, ReduceMax at 18). */
  reduce(op: 'ReduceSum' | 'ReduceMax', x: string, axes: number[], keepdims: boolean): string {
    const asInput = op === 'ReduceSum' || this.opset >= 18;
    return asInput
      ? this.op(op, [x, this.ints(axes)], { keepdims: keepdims ? 1 : 0 })
      : this.op(op, [x], { axes, keepdims: keepdims ? 1 : 0 });
  }

  graph(name: string, doc: string): Obj {
    return { name, docString: doc, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs };
  }
}
