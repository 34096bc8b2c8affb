import type { StepModel } from '../step-model.js';
import { decodeBeams } from './beam-engine.js';
import { drawWithoutReplacement } from './draw.js';
import type { BeamOptions, Generation } from './options.js';

/**
 * Stochastic beam search: each beam draws W expansions without replacement from its processed
 * distribution (successive inverse-CDF draws, renormalised over what is left), then the top
 * W of all of them by Σ processed log p survive. Search r uses `rowRng(seed, r)`; with W = 1
 * it makes the same draws as `sample` and returns the same output.
 */
export function beamSample(model: StepModel, o: BeamOptions): Generation[] {
  return decodeBeams(model, o, (dist, w, rng) => drawWithoutReplacement(dist.probs, w, rng));
}
