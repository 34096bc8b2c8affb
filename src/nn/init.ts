/**
 * Initialisation. `pytorch` reproduces PyTorch's defaults (in distribution, not bit for bit:
 * the random streams differ): nn.Embedding N(0,1); nn.LSTM/GRU/RNN every weight and bias
 * U(−1/√H, 1/√H); nn.Linear weight and bias U(−1/√fan_in, 1/√fan_in).
 * `xavier-orthogonal`: Xavier-uniform input weights, orthogonal recurrent weights (one
 * orthogonal H×H block per gate), zero biases — the usual fix for long-range gradients.
 * `uniform:A`: everything U(−A, A), the published PTB recipes' init.
 */
import { RnnlabError } from '../errors.js';
import type { Rng } from '../util/rng.js';
import type { FloatArray } from '../tensor.js';

/** `uniform:A`: every weight, bias and embedding row U(−A, A), as Zaremba et al. (2014) initialise (A = 0.1 or 0.05). */
export type InitScheme = 'pytorch' | 'xavier-orthogonal' | `uniform:${string}`;

/** The bound A of `uniform:A`, or null for the other schemes; a malformed one is an error. */
export function uniformInitBound(init: string): number | null {
  if (!init.startsWith('uniform:')) return null;
  const a = Number(init.slice('uniform:'.length));
  if (!(Number.isFinite(a) && a > 0)) throw new RnnlabError(`--init uniform:A needs a positive bound A, got ${JSON.stringify(init)}`);
  return a;
}

/** Checks an init scheme's name (it may come from a checkpoint file). */
export function validateInit(init: unknown): InitScheme {
  if (init === 'pytorch' || init === 'xavier-orthogonal') return init;
  if (typeof init === 'string' && uniformInitBound(init) !== null) return init as InitScheme;
  throw new RnnlabError(`init must be pytorch, xavier-orthogonal or uniform:A, got ${JSON.stringify(init)}`);
}

export function uniform(a: FloatArray, rng: Rng, bound: number): void {
  for (let i = 0; i < a.length; i++) a[i] = rng.uniform(-bound, bound);
}

export function normal(a: FloatArray, rng: Rng, std: number): void {
  for (let i = 0; i < a.length; i++) a[i] = rng.normal() * std;
}

/** Xavier/Glorot uniform for a [fanOut, fanIn] matrix. */
export function xavierUniform(a: FloatArray, rng: Rng, fanOut: number, fanIn: number): void {
  uniform(a, rng, Math.sqrt(6 / (fanIn + fanOut)));
}

/**
 * Fill rows [row0, row0+n) of a [·, n] matrix with a random orthogonal n×n block: Gram–Schmidt
 * (twice, for float stability) on Gaussian rows.
 */
export function orthogonalBlock(a: FloatArray, rng: Rng, row0: number, n: number): void {
  const m = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) m[i] = rng.normal();
  for (let i = 0; i < n; i++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let j = 0; j < i; j++) {
        let d = 0;
        for (let k = 0; k < n; k++) d += m[i * n + k] * m[j * n + k];
        for (let k = 0; k < n; k++) m[i * n + k] -= d * m[j * n + k];
      }
    }
    let norm = 0;
    for (let k = 0; k < n; k++) norm += m[i * n + k] * m[i * n + k];
    norm = Math.sqrt(norm);
    for (let k = 0; k < n; k++) m[i * n + k] /= norm;
  }
  for (let i = 0; i < n * n; i++) a[row0 * n + i] = m[i];
}
