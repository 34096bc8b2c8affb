/** Embedding gather / scatter-add, and the one-hot input projection done as a column gather. */
import type { FloatArray } from '../../tensor.js';

export function embeddingForward(out: FloatArray, ids: Int32Array, W: FloatArray, n: number, E: number): void {
  for (let i = 0; i < n; i++) {
    const id = ids[i];
    if (id < 0) out.fill(0, i * E, (i + 1) * E);
    else for (let e = 0; e < E; e++) out[i * E + e] = W[id * E + e];
  }
}

export function embeddingBackward(dW: FloatArray, ids: Int32Array, dOut: FloatArray, n: number, E: number): void {
  for (let i = 0; i < n; i++) {
    const id = ids[i];
    if (id < 0) continue;
    for (let e = 0; e < E; e++) dW[id * E + e] += dOut[i * E + e];
  }
}

/** x_t one-hot ⇒ x_t·Wᵀ is column ids[i] of W [G,V]: no [n,V] one-hot matrix, no GEMM. */
export function onehotForward(out: FloatArray, ids: Int32Array, W: FloatArray, n: number, G: number, V: number): void {
  for (let i = 0; i < n; i++) {
    const id = ids[i];
    if (id < 0) out.fill(0, i * G, (i + 1) * G);
    else for (let g = 0; g < G; g++) out[i * G + g] = W[g * V + id];
  }
}

export function onehotBackward(dW: FloatArray, ids: Int32Array, dOut: FloatArray, n: number, G: number, V: number): void {
  for (let i = 0; i < n; i++) {
    const id = ids[i];
    if (id < 0) continue;
    for (let g = 0; g < G; g++) dW[g * V + id] += dOut[i * G + g];
  }
}
