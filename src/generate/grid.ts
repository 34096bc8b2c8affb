import { RnnlabError } from '../errors.js';
import { STRATEGIES, type Strategy } from './decode.js';
import { SAMPLING_OPTION_KEYS, validateSamplingOptions, type SamplingOptions } from './processors/options.js';
import { checkStrategyOptions } from './strategy-check.js';

/** One row of a strategy comparison. */
export type StrategySpec = {
  name: string;
  strategy: Strategy;
  /** Beam strategies only: width W (default 5). */
  beams?: number;
  /** Beam strategies only: GNMT length-normalisation α (default 0). */
  lengthPenalty?: number;
  /**
   * Texts that may not be generated, each tokenized with the model's tokenizer into a banned
   * sequence (`CompareOptions.encodeText` does it; `rnnlab compare-strategies` passes the model's).
   */
  ban?: string[];
} & SamplingOptions;

/** What `compare` runs when no grid is given. */
export const DEFAULT_GRID: readonly StrategySpec[] = [
  { name: 'greedy', strategy: 'greedy' },
  { name: 'sample T=1.0', strategy: 'sample', temperature: 1 },
  { name: 'sample T=0.7', strategy: 'sample', temperature: 0.7 },
  { name: 'top-k 5', strategy: 'sample', topK: 5 },
  { name: 'top-k 40', strategy: 'sample', topK: 40 },
  { name: 'top-p 0.9', strategy: 'sample', topP: 0.9 },
  { name: 'top-p 0.95', strategy: 'sample', topP: 0.95 },
  { name: 'min-p 0.1', strategy: 'sample', minP: 0.1 },
  { name: 'typical 0.9', strategy: 'sample', typical: 0.9 },
  { name: 'power α=2', strategy: 'sample', alpha: 2 },
  { name: 'T=0.8 + top-k 40', strategy: 'sample', temperature: 0.8, topK: 40 },
  { name: 'T=0.7 + top-p 0.9', strategy: 'sample', temperature: 0.7, topP: 0.9 },
  { name: 'top-p 0.9 + repetition 1.2', strategy: 'sample', topP: 0.9, repetitionPenalty: 1.2 },
  { name: 'beam 5', strategy: 'beam', beams: 5 },
  { name: 'beam 5 + length penalty 1.0', strategy: 'beam', beams: 5, lengthPenalty: 1 },
  { name: 'beam-sample 5 T=0.8', strategy: 'beam-sample', beams: 5, temperature: 0.8 },
];

const KNOWN_KEYS = new Set(['name', 'strategy', 'beams', 'lengthPenalty', 'ban', ...SAMPLING_OPTION_KEYS]);

/** A grid from JSON text (e.g. a --grid file's contents), validated. */
export function parseGrid(json: string): StrategySpec[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (e) {
    throw new RnnlabError(`the strategy grid is not valid JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  return validateGrid(value);
}

/** Checks a grid entry by entry; errors name the entry (1-based position and name). */
export function validateGrid(value: unknown): StrategySpec[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new RnnlabError('the strategy grid must be a non-empty JSON array of {"name", "strategy", ...} objects');
  }
  const names = new Set<string>();
  return value.map((entry, i) => {
    const where = (name?: unknown) => `grid entry ${i + 1}${typeof name === 'string' ? ` ("${name}")` : ''}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new RnnlabError(`${where()} must be an object with "name" and "strategy"`);
    }
    const e = entry as Record<string, unknown>;
    if (typeof e.name !== 'string' || e.name.trim() === '') throw new RnnlabError(`${where()} needs a non-empty "name" string`);
    const at = where(e.name);
    if (names.has(e.name)) throw new RnnlabError(`${at}: the name is used twice`);
    names.add(e.name);
    for (const key of Object.keys(e)) {
      if (!KNOWN_KEYS.has(key)) throw new RnnlabError(`${at}: unknown option "${key}" (known: ${[...KNOWN_KEYS].join(', ')})`);
    }
    if (!STRATEGIES.includes(e.strategy as Strategy)) {
      throw new RnnlabError(`${at}: "strategy" must be one of ${STRATEGIES.join(', ')}, got ${JSON.stringify(e.strategy)}`);
    }
    if (e.ban !== undefined && (!Array.isArray(e.ban) || e.ban.some((t) => typeof t !== 'string' || t === ''))) {
      throw new RnnlabError(`${at}: "ban" must be an array of non-empty strings, got ${JSON.stringify(e.ban)}`);
    }
    try {
      for (const key of ['beams', 'lengthPenalty'] as const) {
        if (e[key] !== undefined && (typeof e[key] !== 'number' || !Number.isFinite(e[key]))) {
          throw new RnnlabError(`"${key}" must be a number, got ${JSON.stringify(e[key])}`);
        }
      }
      if (e.lengthPenalty !== undefined && (e.lengthPenalty as number) < 0) {
        throw new RnnlabError(`"lengthPenalty" must be ≥ 0, got ${JSON.stringify(e.lengthPenalty)}`);
      }
      validateSamplingOptions(e as unknown as SamplingOptions);
      // the same rules as `rnnlab sample` (greedy with top-p, beams out of range, …)
      checkStrategyOptions(e.strategy as Strategy, e as unknown as StrategySpec, (k) => `"${k}"`);
    } catch (err) {
      if (err instanceof RnnlabError) throw new RnnlabError(`${at}: ${err.message}`);
      throw err;
    }
    return { ...e } as unknown as StrategySpec;
  });
}
