/** Numerically stable softmax helpers over one row; −∞ entries get probability 0. */

export function maxOf(x: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < x.length; i++) if (x[i] > m) m = x[i];
  return m;
}

export function logSumExp(x: ArrayLike<number>): number {
  const m = maxOf(x);
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.exp(x[i] - m);
  return m + Math.log(s);
}

export function softmax(x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(x.length);
  const m = maxOf(x);
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const e = Math.exp(x[i] - m);
    out[i] = e;
    s += e;
  }
  for (let i = 0; i < out.length; i++) out[i] /= s;
  return out;
}

export function logSoftmax(x: ArrayLike<number>): Float64Array {
  const lse = logSumExp(x);
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] - lse;
  return out;
}

/** Index of the largest entry; ties go to the lowest index so greedy choices are stable. −1 if all are −∞. */
export function argmax(x: ArrayLike<number>): number {
  let best = -1;
  let m = -Infinity;
  for (let i = 0; i < x.length; i++) {
    if (x[i] > m) {
      m = x[i];
      best = i;
    }
  }
  return best;
}
