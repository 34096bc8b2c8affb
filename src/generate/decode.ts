import { RnnlabError } from '../errors.js';
import { beamSample } from './decoders/beam-sample.js';
import { beamSearch } from './decoders/beam.js';
import { greedy } from './decoders/greedy.js';
import type { BeamOptions, Generation } from './decoders/options.js';
import { sample } from './decoders/sample.js';
import type { StepModel } from './step-model.js';

export type Strategy = 'greedy' | 'sample' | 'beam' | 'beam-sample';
export const STRATEGIES: readonly Strategy[] = ['greedy', 'sample', 'beam', 'beam-sample'];

/** One entry point for every strategy (beam options are ignored by greedy and sample). */
export function generate(model: StepModel, strategy: Strategy, o: BeamOptions): Generation[] {
  switch (strategy) {
    case 'greedy':
      return greedy(model, o);
    case 'sample':
      return sample(model, o);
    case 'beam':
      return beamSearch(model, o);
    case 'beam-sample':
      return beamSample(model, o);
    default:
      throw new RnnlabError(`unknown decoding strategy "${String(strategy)}" (expected one of ${STRATEGIES.join(', ')})`);
  }
}
