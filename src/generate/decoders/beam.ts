import type { StepModel } from '../step-model.js';
import { decodeBeams, type BeamDist } from './beam-engine.js';
import type { BeamOptions, Generation } from './options.js';

/**
 * Beam search. Each beam proposes its 2W most likely tokens under the processed distribution
 * (ties towards the lower id), enough for W live beams even if `[EOS]` ranks among them.
 * Scores use the processed distribution; with no sampling options that is the raw one.
 * Returns each search's n-best, best first (all searches are identical: it is deterministic).
 */
export function beamSearch(model: StepModel, o: BeamOptions): Generation[] {
  return decodeBeams(model, o, (dist, w) => topIndices(dist, 2 * w));
}

/** The k tokens with the highest finite log-probability, descending, lower id first on ties. */
export function topIndices({ logp }: BeamDist, k: number): number[] {
  const best: number[] = [];
  for (let i = 0; i < logp.length; i++) {
    const l = logp[i];
    if (l === -Infinity || (best.length === k && l <= logp[best[k - 1]])) continue;
    let j = best.length < k ? best.length : k - 1;
    while (j > 0 && logp[best[j - 1]] < l) {
      best[j] = best[j - 1];
      j--;
    }
    best[j] = i;
  }
  return best;
}
