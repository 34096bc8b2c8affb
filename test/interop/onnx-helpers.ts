/**
 * Helpers for the ONNX export tests: run exported bytes with onnxruntime-node and compare with
 * rnnlab's own forward pass (reference backend).
 */
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { Rng } from '../../src/util/rng.js';

export { ort };

// The default export's state inputs are overridable initializers, which onnxruntime notes with a
// warning at every session creation (see README, "ONNX"); the tests keep their output clean.
ort.env.logLevel = 'error';

/** Tolerance of the issue: |logit difference| ≤ 1e-4. */
export const TOL = 1e-4;

export async function runOnnx(bytes: Uint8Array, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const s = await ort.InferenceSession.create(bytes);
  try {
    return (await s.run(feeds)) as Record<string, ort.Tensor>;
  } finally {
    await s.release();
  }
}

export function int64(values: ArrayLike<number>, dims: number[]): ort.Tensor {
  return new ort.Tensor('int64', BigInt64Array.from(Array.from(values, (v) => BigInt(v))), dims);
}

export function float32(values: Float32Array, dims: number[]): ort.Tensor {
  return new ort.Tensor('float32', values, dims);
}

/** max |a − b|, asserting equal lengths and finite values. */
export function maxAbsDiff(what: string, got: ArrayLike<number>, want: ArrayLike<number>): number {
  assert.equal(got.length, want.length, `${what}: ${got.length} values, expected ${want.length}`);
  let m = 0;
  for (let i = 0; i < got.length; i++) {
    assert.ok(Number.isFinite(got[i]), `${what}[${i}] = ${got[i]}`);
    m = Math.max(m, Math.abs(got[i] - want[i]));
  }
  return m;
}

export function assertWithin(what: string, got: ArrayLike<number>, want: ArrayLike<number>, tol = TOL): number {
  const d = maxAbsDiff(what, got, want);
  assert.ok(d <= tol, `${what}: max |difference| ${d.toExponential(2)} > ${tol}`);
  return d;
}

/** Token ids in [0, V). */
export function randomIds(rng: Rng, n: number, V: number): Int32Array {
  return Int32Array.from({ length: n }, () => Math.floor(rng.next() * V));
}

export function randomFloats(rng: Rng, n: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale);
}
