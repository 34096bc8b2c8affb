/**
 * Numerically stable softmax helpers over one row. −∞ entries get probability 0. +∞ entries
 * share the whole mass equally (the limit of softmax as their logits grow together), so a row
 * holding +∞ never turns into NaN. NaN entries are the callers' to refuse (pipeline.ts).
 */

export function maxOf(x: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < x.length; i++) if (x[i] > m) m = x[i];
  return m;
}

function countInfinite(x: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < x.length; i++) if (x[i] === Infinity) n++;
  return n;
}

/** ln Σ exp(x); +∞ when an entry is +∞. */
export function logSumExp(x: ArrayLike<number>): number {
  const m = maxOf(x);
  if (m === -Infinity || m === Infinity) return m;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.exp(x[i] - m);
  return m + Math.log(s);
}

/** log softmax(x)[i], given lse = logSumExp(x). */
export function logProbAt(x: ArrayLike<number>, i: number, lse = logSumExp(x)): number {
  if (lse === Infinity) return x[i] === Infinity ? -Math.log(countInfinite(x)) : -Infinity;
  return x[i] - lse;
}

export function softmax(x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(x.length);
  const m = maxOf(x);
  if (m === Infinity) {
    const share = 1 / countInfinite(x);
    for (let i = 0; i < x.length; i++) out[i] = x[i] === Infinity ? share : 0;
    return out;
  }
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
  if (lse === Infinity) {
    const share = -Math.log(countInfinite(x));
    for (let i = 0; i < x.length; i++) out[i] = x[i] === Infinity ? share : -Infinity;
    return out;
  }
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

/** The first NaN entry's index, or −1. */
export function firstNaN(x: ArrayLike<number>): number {
  for (let i = 0; i < x.length; i++) if (Number.isNaN(x[i])) return i;
  return -1;
}
