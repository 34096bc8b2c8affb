/**
 * The model kinds rnnlab can save and load. Adding one: a class implementing Model and one
 * registerArchitecture call here; checkpoints, the training run and `eval`/`sample` dispatch
 * on the key.
 */
import type { Backend } from '../backend/backend.js';
import { RnnlabError } from '../errors.js';
import type { ModelConfig } from './config.js';
import { Classifier, type ClassifierConfig } from './classifier.js';
import { LanguageModel } from './language-model.js';
import { registerArchitecture } from './registry.js';

function objectConfig(config: unknown): Record<string, unknown> {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new RnnlabError('the model config is not an object');
  return config as Record<string, unknown>;
}

registerArchitecture({
  key: 'lm',
  description: 'language model',
  build: (backend: Backend, config: unknown) => new LanguageModel(backend, objectConfig(config) as unknown as ModelConfig),
});

registerArchitecture({
  key: 'classifier',
  description: 'text classifier',
  build: (backend: Backend, config: unknown) => new Classifier(backend, objectConfig(config) as unknown as ClassifierConfig),
});

export { architecture, architectureKeys, registerArchitecture, type Architecture } from './registry.js';
