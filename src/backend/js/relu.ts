/**
 * ReLU and its gradient. The backward reads the derivative off the forward's output (y > 0
 * exactly where x > 0), so nothing else is kept. NaN propagates forward (v < 0 is false).
 */
import type { FloatArray } from '../../tensor.js';

export function reluForward(y: FloatArray, x: FloatArray, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[i];
    y[i] = v < 0 ? 0 : v;
  }
}

export function reluBackward(dx: FloatArray, dy: FloatArray, y: FloatArray, n: number): void {
  for (let i = 0; i < n; i++) dx[i] = y[i] > 0 ? dy[i] : 0;
}
