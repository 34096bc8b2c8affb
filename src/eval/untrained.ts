import { LanguageModel } from '../nn/language-model.js';
import { Rng } from '../util/rng.js';

/**
 * The untrained baseline of a model: the same architecture initialised afresh from `seed`, as a
 * new run with that seed starts (before any pretrained vectors are loaded). It should score about
 * the vocabulary size; a trained model far from that, or an untrained one far from it, says
 * something is off.
 */
export function untrainedTwin(model: LanguageModel, seed: number): LanguageModel {
  const twin = new LanguageModel(model.backend, model.config);
  twin.initialize(new Rng(seed));
  return twin;
}
