/**
 * Weighted selection for the mass-based filters (top-p, typical): given a key per token
 * (lower = kept first) and its probability, find τ, the key of the last token of the
 * shortest key-ordered prefix whose mass reaches `need`. Keeping every token with key ≤ τ
 * is that prefix plus the tokens tied with its last member. A quickselect that recurses
 * into one side by mass runs in expected O(V), where sorting the vocabulary would cost
 * O(V log V) every step.
 */
export function massThreshold(keys: Float64Array, weights: Float64Array, need: number): number {
  let idx: Int32Array = Int32Array.from(indicesWithMass(weights));
  for (;;) {
    if (idx.length === 1 || need <= 0) return minKey(keys, idx);
    const pivot = keys[idx[idx.length >> 1]];
    let below = 0;
    let above = 0;
    let massBelow = 0;
    let massEqual = 0;
    for (const i of idx) {
      const k = keys[i];
      if (k < pivot) (below++, (massBelow += weights[i]));
      else if (k > pivot) above++;
      else massEqual += weights[i];
    }
    if (massBelow >= need) {
      idx = pick(idx, keys, (k) => k < pivot, below);
      continue;
    }
    if (massBelow + massEqual >= need || above === 0) return pivot; // above = 0: rounding left the total just short of need
    need -= massBelow + massEqual;
    idx = pick(idx, keys, (k) => k > pivot, above);
  }
}

function indicesWithMass(weights: Float64Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < weights.length; i++) if (weights[i] > 0) out.push(i);
  return out;
}

function pick(idx: Int32Array, keys: Float64Array, keep: (k: number) => boolean, count: number): Int32Array {
  const out = new Int32Array(count);
  let j = 0;
  for (const i of idx) if (keep(keys[i])) out[j++] = i;
  return out;
}

function minKey(keys: Float64Array, idx: Int32Array): number {
  let m = Infinity;
  for (const i of idx) if (keys[i] < m) m = keys[i];
  return m;
}
