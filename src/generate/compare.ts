import { RnnlabError } from '../errors.js';
import { generate } from './decode.js';
import type { Generation } from './decoders/options.js';
import { validateGrid, DEFAULT_GRID, type StrategySpec } from './grid.js';
import { generationMetrics, type GenerationMetrics } from './metrics.js';
import type { StepModel } from './step-model.js';

export { toCsv, toMarkdown } from './compare-format.js';

export interface CompareOptions {
  prime: Int32Array;
  /** Outputs per stochastic strategy (one batch). Deterministic ones run once. */
  samples: number;
  maxTokens: number;
  /** Every strategy gets the same seed, so they see the same randomness budget. */
  seed: number;
  eosId?: number;
  detokenize?: (ids: number[]) => string;
  stop?: string;
  /** Defaults to DEFAULT_GRID; validated like a JSON grid. */
  grid?: readonly StrategySpec[];
  /** Text → token ids with the model's tokenizer, for the grid's `ban` texts (required when an entry has one). */
  encodeText?: (text: string) => number[];
}

export interface CompareRow extends GenerationMetrics {
  name: string;
  strategy: StrategySpec['strategy'];
  /** Wall-clock ms of the decode call per token of the outputs it returned (prime pass included). */
  msPerToken: number;
  /** The first output, detokenized (or its ids joined by spaces). */
  example: string;
}

/**
 * Runs each strategy of the grid and measures its outputs (see metrics.ts). Greedy, beam and
 * temperature-0 sampling are deterministic, so they run with one row: their `samples`
 * outputs would be identical and the within-output metrics are the same. Beam strategies
 * contribute the best hypothesis of each search.
 */
export function compareStrategies(model: StepModel, opts: CompareOptions): CompareRow[] {
  const grid = validateGrid(opts.grid ?? DEFAULT_GRID);
  if (!Number.isInteger(opts.samples) || opts.samples < 1) {
    throw new RnnlabError(`samples must be an integer ≥ 1, got ${opts.samples}`);
  }
  return grid.map((spec) => {
    const { name, strategy, ban, ...options } = spec;
    const deterministic = strategy === 'greedy' || strategy === 'beam' || spec.temperature === 0;
    const started = performance.now();
    let outputs: Generation[];
    try {
      if (ban) {
        if (!opts.encodeText) throw new RnnlabError('"ban" needs a tokenizer (CompareOptions.encodeText)');
        options.banSequences = [...(options.banSequences ?? []), ...ban.map((t) => opts.encodeText!(t))];
      }
      outputs = generate(model, strategy, {
        ...options,
        prime: opts.prime,
        maxTokens: opts.maxTokens,
        seed: opts.seed,
        eosId: opts.eosId,
        detokenize: opts.detokenize,
        stop: opts.stop,
        numSamples: deterministic ? 1 : opts.samples,
      });
    } catch (err) {
      if (err instanceof RnnlabError) throw new RnnlabError(`strategy "${name}": ${err.message}`);
      throw err;
    }
    const elapsed = performance.now() - started;
    if (strategy === 'beam' || strategy === 'beam-sample') outputs = outputs.filter((g) => g.rank === 0);
    const tokens = outputs.reduce((a, g) => a + g.tokenLogProbs.length, 0);
    return {
      name,
      strategy,
      ...generationMetrics(outputs),
      msPerToken: tokens > 0 ? elapsed / tokens : NaN,
      example: exampleOf(outputs[0], opts.detokenize),
    };
  });
}

function exampleOf(g: Generation | undefined, detokenize?: (ids: number[]) => string): string {
  if (!g) return '';
  return g.text ?? (detokenize ? detokenize(g.ids) : g.ids.join(' '));
}
