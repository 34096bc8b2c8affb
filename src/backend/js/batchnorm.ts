/**
 * BatchNorm1d over the real positions of a time-major sequence x [T,B,F] (row b has lengths[b]
 * positions; the rest is padding). Per channel f, over the n counted positions:
 *
 *   train:  μ = Σx/n,  σ² = Σ(x − μ)²/n (biased),  invStd = 1/√(σ² + eps)
 *           runMean ← (1 − m)·runMean + m·μ,  runVar ← (1 − m)·runVar + m·σ²·n/(n − 1)  (n > 1)
 *   eval:   μ = runMean, invStd = 1/√(runVar + eps)
 *   y = γ·(x − μ)·invStd + β       (0 at padding positions)
 *
 *   backward, with x̂ = (x − μ)·invStd over the counted positions:
 *   dβ += Σ dy,  dγ += Σ dy·x̂
 *   train:  dx = γ·invStd/n · (n·dy − Σdy − x̂·Σ(dy·x̂))   (the statistics depend on x)
 *   eval:   dx = γ·invStd·dy
 * Sums run in float64. Counting only real positions is what makes a padded batch give each
 * document the statistics it would get with no padding around it.
 */
import type { FloatArray } from '../../tensor.js';

/** Whether position t of row b is real. */
function checkLengths(lengths: Int32Array, T: number, B: number): void {
  for (let b = 0; b < B; b++) {
    if (!(lengths[b] >= 0 && lengths[b] <= T)) throw new RangeError(`batchNorm: row ${b} has length ${lengths[b]}, outside [0, ${T}]`);
  }
}

export function batchNormForward(
  y: FloatArray, x: FloatArray, T: number, B: number, F: number, lengths: Int32Array, gamma: FloatArray, beta: FloatArray,
  runMean: FloatArray, runVar: FloatArray, mean: FloatArray, invStd: FloatArray, train: boolean, momentum: number, eps: number,
): void {
  checkLengths(lengths, T, B);
  if (train) {
    let n = 0;
    for (let b = 0; b < B; b++) n += lengths[b];
    if (n === 0) throw new RangeError('batchNorm: no real position in the batch');
    const sum = new Float64Array(F), sq = new Float64Array(F);
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        if (t >= lengths[b]) continue;
        const r = (t * B + b) * F;
        for (let f = 0; f < F; f++) sum[f] += x[r + f];
      }
    }
    for (let f = 0; f < F; f++) sum[f] /= n;
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        if (t >= lengths[b]) continue;
        const r = (t * B + b) * F;
        for (let f = 0; f < F; f++) {
          const d = x[r + f] - sum[f];
          sq[f] += d * d;
        }
      }
    }
    for (let f = 0; f < F; f++) {
      const v = sq[f] / n;
      mean[f] = sum[f];
      invStd[f] = 1 / Math.sqrt(v + eps);
      runMean[f] = (1 - momentum) * runMean[f] + momentum * sum[f];
      // PyTorch uses the unbiased variance for the running estimate. One real position has none
      // (PyTorch refuses such a batch; a last batch of one short document is one): the running
      // variance stays as it is rather than becoming NaN and spoiling the checkpoint.
      if (n > 1) runVar[f] = (1 - momentum) * runVar[f] + momentum * ((v * n) / (n - 1));
    }
  } else {
    for (let f = 0; f < F; f++) {
      mean[f] = runMean[f];
      invStd[f] = 1 / Math.sqrt(runVar[f] + eps);
    }
  }
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const r = (t * B + b) * F;
      if (t >= lengths[b]) {
        for (let f = 0; f < F; f++) y[r + f] = 0;
        continue;
      }
      for (let f = 0; f < F; f++) y[r + f] = gamma[f] * (x[r + f] - mean[f]) * invStd[f] + beta[f];
    }
  }
}

export function batchNormBackward(
  dx: FloatArray, dy: FloatArray, x: FloatArray, T: number, B: number, F: number, lengths: Int32Array, gamma: FloatArray,
  mean: FloatArray, invStd: FloatArray, dGamma: FloatArray, dBeta: FloatArray, train: boolean,
): void {
  checkLengths(lengths, T, B);
  let n = 0;
  for (let b = 0; b < B; b++) n += lengths[b];
  const sdy = new Float64Array(F), sdyx = new Float64Array(F);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      if (t >= lengths[b]) continue;
      const r = (t * B + b) * F;
      for (let f = 0; f < F; f++) {
        sdy[f] += dy[r + f];
        sdyx[f] += dy[r + f] * (x[r + f] - mean[f]) * invStd[f];
      }
    }
  }
  for (let f = 0; f < F; f++) {
    dGamma[f] += sdyx[f];
    dBeta[f] += sdy[f];
  }
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const r = (t * B + b) * F;
      if (t >= lengths[b]) {
        for (let f = 0; f < F; f++) dx[r + f] = 0;
        continue;
      }
      for (let f = 0; f < F; f++) {
        const g = gamma[f] * invStd[f];
        if (!train) dx[r + f] = g * dy[r + f];
        else {
          const xh = (x[r + f] - mean[f]) * invStd[f];
          dx[r + f] = (g / n) * (n * dy[r + f] - sdy[f] - xh * sdyx[f]);
        }
      }
    }
  }
}
