/**
 * Every setting of `rnnlab sample`, described once: its option key, flag, help line, the values
 * it takes and its default. The CLI builds its flags from this table, and the dashboard's
 * HTTP API checks a JSON request against it, so both accept the same names, defaults and limits.
 * The checks that tie settings to a strategy (strategy-check.ts) and the size limits
 * (limits.ts) come after, in the sample command's decodeOptions, for both.
 */
import { RnnlabError } from '../errors.js';
import { acceptsValue, describeValue, type ValueSpec } from '../run/options.js';
import { MAX_BEAMS } from './strategy-check.js';

export interface SampleSetting {
  key: string;
  flag: string;
  /** Placeholder in the help ('<n>'); absent for switches. */
  arg?: string;
  help: string;
  value: ValueSpec;
  default?: unknown;
  /** 'decoding': shared with strategy grids; 'output': what is generated and how it is shown. */
  group: 'output' | 'decoding';
}

const int = (min: number, max?: number): ValueSpec => ({ kind: 'int', min, max });
const num = (min: number, max: number, exclusiveMin = false, exclusiveMax = false): ValueSpec => ({ kind: 'num', min, max, exclusiveMin, exclusiveMax });

export const SAMPLE_OUTPUT_SETTINGS: readonly SampleSetting[] = [
  { key: 'prime', flag: '--prime', arg: '<text>', help: 'text the model reads first (default: a newline for char models, [SOS] for word models)', value: { kind: 'text' }, group: 'output' },
  { key: 'length', flag: '--length', arg: '<n>', help: 'tokens to generate per output', value: int(0, 1_000_000), default: 200, group: 'output' },
  { key: 'strictVocab', flag: '--strict-vocab', help: 'word/bpe: fail on prime words outside the vocabulary instead of using [UNK]', value: { kind: 'flag' }, default: false, group: 'output' },
  { key: 'raw', flag: '--raw', help: 'word/bpe: print tokens as they are, space-separated (no prettify)', value: { kind: 'flag' }, default: false, group: 'output' },
];

export const SAMPLE_DECODING_SETTINGS: readonly SampleSetting[] = [
  { key: 'strategy', flag: '--strategy', arg: '<s>', help: 'greedy, sample, beam or beam-sample', value: { kind: 'choice', values: ['greedy', 'sample', 'beam', 'beam-sample'] }, default: 'sample', group: 'decoding' },
  { key: 'temperature', flag: '--temperature', arg: '<f>', help: 'softmax temperature (0: greedy)', value: num(0, Infinity), default: 1, group: 'decoding' },
  { key: 'topK', flag: '--top-k', arg: '<n>', help: 'keep the k most likely tokens', value: int(1), group: 'decoding' },
  { key: 'topP', flag: '--top-p', arg: '<f>', help: 'nucleus: keep the smallest set with probability mass ≥ p, p in (0, 1]', value: num(0, 1, true), group: 'decoding' },
  { key: 'minP', flag: '--min-p', arg: '<f>', help: 'keep tokens with p ≥ min-p · p_max, in (0, 1]', value: num(0, 1, true), group: 'decoding' },
  { key: 'typical', flag: '--typical', arg: '<f>', help: 'typical sampling mass, in (0, 1]', value: num(0, 1, true), group: 'decoding' },
  { key: 'epsilonCutoff', flag: '--epsilon-cutoff', arg: '<f>', help: 'epsilon sampling: drop tokens with p < ε, ε in (0, 1)', value: num(0, 1, true, true), group: 'decoding' },
  { key: 'etaCutoff', flag: '--eta-cutoff', arg: '<f>', help: 'eta sampling: drop tokens with p < min(η, √η·exp(−entropy)), η in (0, 1)', value: num(0, 1, true, true), group: 'decoding' },
  { key: 'minTokensToKeep', flag: '--min-tokens-to-keep', arg: '<n>', help: 'top-k/top-p/min-p/typical/epsilon/eta never keep fewer tokens (default: 1)', value: int(1), group: 'decoding' },
  { key: 'alpha', flag: '--alpha', arg: '<f>', help: 'power sampling: p^α renormalised (α > 1 sharpens)', value: num(0, Infinity, true), group: 'decoding' },
  { key: 'repetitionPenalty', flag: '--repetition-penalty', arg: '<f>', help: 'CTRL-style penalty for tokens already present (> 1 discourages)', value: num(0, Infinity, true), group: 'decoding' },
  { key: 'noRepeatNgram', flag: '--no-repeat-ngram', arg: '<n>', help: 'never repeat an n-gram of n tokens (the prime included)', value: int(1), group: 'decoding' },
  { key: 'ban', flag: '--ban', arg: '<text>', help: 'never generate this text (tokenized with the model\'s tokenizer; repeatable)', value: { kind: 'texts' }, group: 'decoding' },
  { key: 'minLength', flag: '--min-length', arg: '<n>', help: 'no [EOS] and no --stop before this many generated tokens', value: int(0), group: 'decoding' },
  { key: 'beams', flag: '--beams', arg: '<n>', help: `beam width (beam, beam-sample; default 5, at most ${MAX_BEAMS})`, value: int(1, MAX_BEAMS), group: 'decoding' },
  { key: 'lengthPenalty', flag: '--length-penalty', arg: '<f>', help: 'beam length normalisation α (GNMT: score / ((5+len)/6)^α)', value: num(0, Infinity), group: 'decoding' },
  { key: 'numSamples', flag: '--num-samples', arg: '<n>', help: 'outputs: sampled together as one batch, or the n best hypotheses of one beam search (n ≤ --beams)', value: int(1, 10000), default: 1, group: 'decoding' },
  { key: 'stop', flag: '--stop', arg: '<text>', help: 'stop once the output contains this text (cut before it)', value: { kind: 'text' }, group: 'decoding' },
  { key: 'seed', flag: '--seed', arg: '<n>', help: 'random seed', value: int(0, 2 ** 32 - 1), default: 0, group: 'decoding' },
];

export const SAMPLE_SETTINGS: readonly SampleSetting[] = [...SAMPLE_OUTPUT_SETTINGS, ...SAMPLE_DECODING_SETTINGS];

/**
 * A JSON request's settings → the options object the sample command's parser would give
 * (defaults filled in). Unknown keys and bad values are refused with one line naming the key
 * and its CLI flag. `extra` keys (the request's own: `model`) are passed over.
 */
export function sampleSettingsFromJson(body: Record<string, unknown>, extra: readonly string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of SAMPLE_SETTINGS) if (s.default !== undefined) out[s.key] = s.default;
  for (const [key, value] of Object.entries(body)) {
    if (extra.includes(key) || value === undefined || value === null) continue;
    const s = SAMPLE_SETTINGS.find((o) => o.key === key);
    if (!s) throw new RnnlabError(`unknown setting "${key}" (known: ${SAMPLE_SETTINGS.map((o) => o.key).join(', ')})`);
    if (!acceptsValue(s.value, value)) throw new RnnlabError(`${key} (${s.flag}) must be ${describeValue(s.value)}, got ${JSON.stringify(value)}`);
    out[key] = value;
  }
  return out;
}
