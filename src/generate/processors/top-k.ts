/**
 * Keeps exactly k tokens (or all of them if fewer have finite logits): those with the largest
 * logits, ties at the k-th value broken towards the lower id, so topK = 1 matches greedy.
 */
export function applyTopK(logits: Float64Array, k: number): void {
  let finite = 0;
  for (let i = 0; i < logits.length; i++) if (logits[i] > -Infinity) finite++;
  if (finite <= k) return;
  const kth = kthLargest(logits.slice(), k);
  let equalSlots = k;
  for (let i = 0; i < logits.length; i++) if (logits[i] > kth) equalSlots--;
  for (let i = 0; i < logits.length; i++) {
    const l = logits[i];
    if (l > kth) continue;
    if (l === kth && equalSlots > 0) {
      equalSlots--;
      continue;
    }
    logits[i] = -Infinity;
  }
}

/** Quickselect (expected O(n)); reorders `a`. */
export function kthLargest(a: Float64Array, k: number): number {
  const target = a.length - k; // k-th largest = (n−k)-th smallest
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return a[target];
  }
  return a[target];
}
