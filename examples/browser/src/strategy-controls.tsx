/**
 * The decoding controls: every strategy of the library's `generate` (greedy, sample, beam,
 * beam-sample) with the settings that mean something for it, the same ones `rnnlab sample`
 * takes as flags. An empty field is an unset option (the library's default).
 */
import type { Strategy } from './protocol';

export interface Field {
  key: string;
  label: string;
  /** The `rnnlab sample` flag, shown as a hint. */
  flag: string;
  step: string;
  placeholder: string;
  for: readonly Strategy[];
}

const SAMPLING: readonly Strategy[] = ['sample', 'beam-sample'];
const ALL: readonly Strategy[] = ['greedy', 'sample', 'beam', 'beam-sample'];
const BEAMS: readonly Strategy[] = ['beam', 'beam-sample'];

export const FIELDS: readonly Field[] = [
  { key: 'temperature', label: 'temperature', flag: '--temperature', step: '0.05', placeholder: '1', for: SAMPLING },
  { key: 'topK', label: 'top-k', flag: '--top-k', step: '1', placeholder: 'off', for: SAMPLING },
  { key: 'topP', label: 'top-p (nucleus)', flag: '--top-p', step: '0.05', placeholder: 'off', for: SAMPLING },
  { key: 'minP', label: 'min-p', flag: '--min-p', step: '0.01', placeholder: 'off', for: SAMPLING },
  { key: 'typical', label: 'typical', flag: '--typical', step: '0.05', placeholder: 'off', for: SAMPLING },
  { key: 'epsilonCutoff', label: 'epsilon cutoff', flag: '--epsilon-cutoff', step: '0.0001', placeholder: 'off', for: SAMPLING },
  { key: 'etaCutoff', label: 'eta cutoff', flag: '--eta-cutoff', step: '0.0001', placeholder: 'off', for: SAMPLING },
  { key: 'alpha', label: 'power α (p^α)', flag: '--alpha', step: '0.1', placeholder: 'off', for: SAMPLING },
  { key: 'minTokensToKeep', label: 'min tokens to keep', flag: '--min-tokens-to-keep', step: '1', placeholder: '1', for: SAMPLING },
  { key: 'repetitionPenalty', label: 'repetition penalty', flag: '--repetition-penalty', step: '0.05', placeholder: 'off', for: ALL },
  { key: 'noRepeatNgram', label: 'no-repeat n-gram', flag: '--no-repeat-ngram', step: '1', placeholder: 'off', for: ALL },
  { key: 'beams', label: 'beams', flag: '--beams', step: '1', placeholder: '5', for: BEAMS },
  { key: 'lengthPenalty', label: 'length penalty α', flag: '--length-penalty', step: '0.1', placeholder: '0', for: BEAMS },
];

export const STRATEGY_NOTES: Record<Strategy, string> = {
  greedy: 'the most likely character every time',
  sample: 'draw each character from the (filtered) distribution',
  beam: 'beam search: the most likely continuations',
  'beam-sample': 'beam search that samples its candidates',
};

export function StrategyFields({ strategy, values, onInput }: {
  strategy: Strategy;
  values: Record<string, string>;
  onInput: (key: string, value: string) => void;
}) {
  return (
    <div class="fields">
      {FIELDS.filter((f) => f.for.includes(strategy)).map((f) => (
        <label key={f.key} title={`rnnlab sample ${f.flag}`}>
          {f.label}
          <input
            type="number" name={f.key} step={f.step} placeholder={f.placeholder} value={values[f.key] ?? ''}
            onInput={(e) => onInput(f.key, (e.currentTarget as HTMLInputElement).value)}
          />
        </label>
      ))}
    </div>
  );
}

/** The options object for the worker: the fields shown for this strategy that hold a number. */
export function optionsOf(strategy: Strategy, values: Record<string, string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of FIELDS) {
    const v = values[f.key]?.trim();
    if (!f.for.includes(strategy) || !v) continue;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`${f.label} must be a number, got "${v}"`);
    out[f.key] = n;
  }
  return out;
}
