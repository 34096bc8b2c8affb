/**
 * The checks that tie settings to a decoding strategy (which options mean something with
 * which strategy, how wide a beam may be), shared by `rnnlab sample` and strategy grids so
 * that a grid entry is held to exactly what the command line is. `nameOf` names a setting the
 * way the user wrote it: a CLI flag (`--top-p`) or a grid key (`"topP"`).
 */
import { RnnlabError } from '../errors.js';
import type { Strategy } from './decode.js';
import type { SamplingOptions } from './processors/options.js';

/** Widest beam either accepts: each beam is a batch row, and the search ranks 2·W candidates per beam. */
export const MAX_BEAMS = 1000;

/** Options that only change which token is drawn, not which one is most likely: meaningless for greedy. */
const SAMPLING_ONLY = ['topK', 'topP', 'minP', 'typical', 'epsilonCutoff', 'etaCutoff', 'minTokensToKeep', 'alpha'] as const;

export type StrategyOptions = SamplingOptions & { beams?: number; lengthPenalty?: number };

export function checkStrategyOptions(strategy: Strategy, o: StrategyOptions, nameOf: (key: string) => string): void {
  const beamish = strategy === 'beam' || strategy === 'beam-sample';
  if (!beamish) {
    const given = (['beams', 'lengthPenalty'] as const).filter((k) => o[k] !== undefined);
    if (given.length > 0) throw new RnnlabError(`${given.map(nameOf).join(' and ')} ${given.length > 1 ? 'apply' : 'applies'} only to the beam and beam-sample strategies`);
  }
  if (o.beams !== undefined && (!Number.isInteger(o.beams) || o.beams < 1 || o.beams > MAX_BEAMS)) {
    throw new RnnlabError(`${nameOf('beams')} must be an integer from 1 to ${MAX_BEAMS}, got ${o.beams}`);
  }
  if (strategy === 'greedy') {
    const given = SAMPLING_ONLY.filter((k) => o[k] !== undefined);
    if (o.temperature !== undefined && o.temperature !== 0 && o.temperature !== 1) given.unshift('temperature' as never);
    if (given.length > 0) {
      throw new RnnlabError(`${given.map(nameOf).join(', ')} ${given.length > 1 ? 'have' : 'has'} no effect with the greedy strategy (use sample)`);
    }
  }
  if (strategy === 'beam-sample' && o.temperature === 0) {
    throw new RnnlabError(`${nameOf('temperature')} 0 means greedy; beam-sample needs a temperature > 0`);
  }
}

/** camelCase option key → its CLI flag (`topP` → `--top-p`); a few flags are named otherwise. */
export function flagName(key: string): string {
  const special: Record<string, string> = { banSequences: '--ban', numSamples: '--num-samples' };
  return special[key] ?? '--' + key.replace(/[A-Z]/g, (m) => '-' + m.toLowerCase());
}
