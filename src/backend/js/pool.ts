/**
 * Pooling over time that ignores padding: x [T,B,C] time-major, row b real for t < lengths[b]
 * (lengths ≥ 1), out [B,C].
 *   max:  out[b,c] = max_t x[t,b,c], the first t of a tie; the gradient goes to that t only.
 *   mean: out[b,c] = Σ_t x[t,b,c] / lengths[b]; the gradient spreads evenly over the real t.
 */
import type { FloatArray } from '../../tensor.js';

function checkLengths(what: string, lengths: Int32Array, T: number, B: number): void {
  for (let b = 0; b < B; b++) {
    if (!(lengths[b] >= 1 && lengths[b] <= T)) throw new RangeError(`${what}: row ${b} has length ${lengths[b]}, outside [1, ${T}]`);
  }
}

export function maxPoolTimeForward(out: FloatArray, argmax: Int32Array, x: FloatArray, T: number, B: number, C: number, lengths: Int32Array): void {
  checkLengths('maxPoolTime', lengths, T, B);
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      let best = x[b * C + c], at = 0;
      for (let t = 1; t < lengths[b]; t++) {
        const v = x[(t * B + b) * C + c];
        if (v > best || Number.isNaN(v)) {
          best = v;
          at = t;
          if (Number.isNaN(v)) break; // NaN wins, as in PyTorch
        }
      }
      out[b * C + c] = best;
      argmax[b * C + c] = at;
    }
  }
}

export function maxPoolTimeBackward(dx: FloatArray, dy: FloatArray, argmax: Int32Array, T: number, B: number, C: number): void {
  dx.fill(0, 0, T * B * C);
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      const t = argmax[b * C + c];
      if (!(t >= 0 && t < T)) throw new RangeError(`maxPoolTimeBackward: argmax ${t} outside [0, ${T})`);
      dx[(t * B + b) * C + c] = dy[b * C + c];
    }
  }
}

export function meanPoolTimeForward(out: FloatArray, x: FloatArray, T: number, B: number, C: number, lengths: Int32Array): void {
  checkLengths('meanPoolTime', lengths, T, B);
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      let s = 0;
      for (let t = 0; t < lengths[b]; t++) s += x[(t * B + b) * C + c];
      out[b * C + c] = s / lengths[b];
    }
  }
}

export function meanPoolTimeBackward(dx: FloatArray, dy: FloatArray, T: number, B: number, C: number, lengths: Int32Array): void {
  checkLengths('meanPoolTime', lengths, T, B);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const r = (t * B + b) * C, real = t < lengths[b];
      for (let c = 0; c < C; c++) dx[r + c] = real ? dy[b * C + c] / lengths[b] : 0;
    }
  }
}
