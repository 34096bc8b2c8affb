/**
 * A few samples of a language model for its report: top-k sampling at temperature 0.8 from the
 * model's usual start (a newline, [SOS] or [EOS]), seeded, one batch. The options are those
 * `rnnlab sample --temperature 0.8 --top-k 40 --length N --num-samples K --seed S` builds, so
 * the report's command line reproduces its samples exactly.
 */
import { generate } from '../generate/decode.js';
import { LmStepModel } from '../generate/lm-step-model.js';
import { bannedIds, encodePrime, renderTokens } from '../generate/model-text.js';
import type { LanguageModel } from '../nn/language-model.js';
import type { LoadedModel } from '../train/checkpoint-format.js';

export interface ReportSampling {
  count: number;
  tokens: number;
  temperature: number;
  topK: number;
  seed: number;
}

export const REPORT_SAMPLING: ReportSampling = { count: 3, tokens: 200, temperature: 0.8, topK: 40, seed: 1 };

/** The `rnnlab sample` flags that give the same samples. */
export function samplingFlags(s: ReportSampling): string {
  return `--temperature ${s.temperature} --top-k ${s.topK} --length ${s.tokens} --num-samples ${s.count} --seed ${s.seed}`;
}

export function reportSamples(m: LoadedModel<LanguageModel>, s: ReportSampling = REPORT_SAMPLING): string[] {
  const prime = encodePrime(m, undefined, false);
  const gens = generate(new LmStepModel(m.model), 'sample', {
    prime: prime.ids, maxTokens: s.tokens, eosId: m.vocab.eos, numSamples: s.count, seed: s.seed,
    temperature: s.temperature, topK: s.topK, bannedIds: bannedIds(m.vocab),
  });
  return gens.map((g) => renderTokens(m, [...prime.tokens, ...m.vocab.decode(g.ids)], false).trim());
}
