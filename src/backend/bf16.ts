/**
 * bfloat16 rounding, the one definition every backend's bf16 mode follows (the wasm kernels'
 * roundBf16 in assembly/elementwise.ts and the native kernels do the same bit operation).
 *
 * bf16 is the top half of a float32: sign, the same 8-bit exponent, 7 mantissa bits. A float32
 * is rounded to the nearest bf16, ties to the one with an even last bit, by adding 0x7FFF plus
 * the bit that becomes the last one and dropping the low 16 bits; a carry out of the mantissa
 * steps the exponent (up to Inf past the largest finite bf16, as IEEE overflow does). NaN is
 * kept NaN (quieted): the same addition could carry a NaN's payload into the Inf pattern.
 * Denormals round like any other value (bf16 has the float32 denormal range).
 *
 * Values come in as JS numbers and are made float32 first, so a float64 tensor (the js
 * backend's float64 mode) rounds as its float32 would: bf16 mode is defined on float32 operands.
 */
import { RnnlabError } from '../errors.js';
import type { FloatArray } from '../tensor.js';
import type { Precision } from './backend.js';

export const PRECISIONS: readonly Precision[] = ['fp32', 'bf16'];

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The bits of x's float32 rounded to bf16, as a float32 bit pattern (low 16 bits zero). */
export function bf16Bits(x: number): number {
  f32[0] = x;
  const u = u32[0];
  if ((u & 0x7fffffff) > 0x7f800000) return ((u | 0x00400000) & 0xffff0000) >>> 0;
  return ((u + 0x7fff + ((u >>> 16) & 1)) & 0xffff0000) >>> 0;
}

/** x rounded to the nearest bfloat16 (ties to even), as a number. */
export function roundBf16(x: number): number {
  u32[0] = bf16Bits(x);
  return f32[0];
}

/** dst[dOff + i] = roundBf16(src[sOff + i]) for i < n (dst may be src). */
export function roundBf16Into(dst: FloatArray, dOff: number, src: FloatArray, sOff: number, n: number): void {
  for (let i = 0; i < n; i++) dst[dOff + i] = roundBf16(src[sOff + i]);
}

/** A --precision value, checked: one clear line naming the flag otherwise. */
export function checkPrecision(p: unknown): Precision {
  if (p === 'fp32' || p === 'bf16') return p;
  throw new RnnlabError(`--precision must be fp32 or bf16, got ${JSON.stringify(p)}`);
}
