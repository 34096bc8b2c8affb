/**
 * Fused log-softmax + NLL over rows of logits [n,V]. The gradient may overwrite the logits
 * (dlogits === logits): each row is read completely (max, log-sum-exp) before it is written.
 */
import type { FloatArray } from '../../tensor.js';

export function crossEntropy(
  logits: FloatArray, targets: Int32Array, n: number, V: number, ignoreIndex: number,
  dlogits: FloatArray | null, gradScale: number,
): { loss: number; count: number } {
  let loss = 0;
  let count = 0;
  for (let r = 0; r < n; r++) {
    const o = r * V;
    const y = targets[r];
    if (y === ignoreIndex) {
      if (dlogits) dlogits.fill(0, o, o + V);
      continue;
    }
    if (y < 0 || y >= V) throw new RangeError(`target ${y} outside the vocabulary [0, ${V})`);
    let max = -Infinity;
    for (let j = 0; j < V; j++) if (logits[o + j] > max) max = logits[o + j];
    let sum = 0;
    for (let j = 0; j < V; j++) sum += Math.exp(logits[o + j] - max);
    const logZ = max + Math.log(sum);
    loss += logZ - logits[o + y];
    count++;
    if (dlogits) {
      for (let j = 0; j < V; j++) dlogits[o + j] = gradScale * Math.exp(logits[o + j] - logZ);
      dlogits[o + y] -= gradScale;
    }
  }
  return { loss, count };
}
