/**
 * Architecture keys → constructors, so a checkpoint names what it holds (`arch` metadata) and
 * loading one needs no knowledge of the model kinds. A new kind of model registers itself in
 * architectures.ts; the checkpoint code never changes for it.
 */
import type { Backend } from '../backend/backend.js';
import { RnnlabError } from '../errors.js';
import type { Model } from './model.js';

export interface Architecture<M extends Model = Model> {
  readonly key: string;
  /** What it is, for messages ("language model"). */
  readonly description: string;
  /** A model from a checkpoint's config (validated: a bad config is a RnnlabError). */
  build(backend: Backend, config: unknown): M;
}

const registry = new Map<string, Architecture>();

export function registerArchitecture(a: Architecture): void {
  if (registry.has(a.key)) throw new Error(`architecture ${a.key} is registered twice`);
  registry.set(a.key, a);
}

export function architecture(key: string, file = 'the checkpoint'): Architecture {
  const a = registry.get(key);
  if (!a) throw new RnnlabError(`${file} holds a model of kind "${key}", which this version of rnnlab does not know (known: ${[...registry.keys()].join(', ')})`);
  return a;
}

export function architectureKeys(): string[] {
  return [...registry.keys()];
}
