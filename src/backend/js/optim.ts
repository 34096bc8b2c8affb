/** Optimizer steps, written as PyTorch 1.13 computes them (torch/optim/_functional.py). */
import type { FloatArray } from '../../tensor.js';
import type { AdamArgs } from '../backend.js';

export function adam(p: FloatArray, g: FloatArray, m: FloatArray, v: FloatArray, n: number, a: AdamArgs): void {
  const bc1 = 1 - Math.pow(a.beta1, a.step);
  const bc2Sqrt = Math.sqrt(1 - Math.pow(a.beta2, a.step));
  const stepSize = a.lr / bc1;
  for (let i = 0; i < n; i++) {
    const gi = a.weightDecay !== 0 ? g[i] + a.weightDecay * p[i] : g[i];
    m[i] = a.beta1 * m[i] + (1 - a.beta1) * gi;
    v[i] = a.beta2 * v[i] + (1 - a.beta2) * gi * gi;
    p[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) / bc2Sqrt + a.eps);
  }
}

export function sgd(
  p: FloatArray, g: FloatArray, buf: FloatArray | null, n: number,
  lr: number, momentum: number, weightDecay: number,
): void {
  for (let i = 0; i < n; i++) {
    let d = weightDecay !== 0 ? g[i] + weightDecay * p[i] : g[i];
    if (momentum !== 0 && buf) {
      buf[i] = momentum * buf[i] + d;
      d = buf[i];
    }
    p[i] -= lr * d;
  }
}
