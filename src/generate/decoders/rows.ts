import { RnnlabError } from '../../errors.js';
import type { Rng } from '../../util/rng.js';
import { TokenHistory } from '../processors/history.js';
import { firstNaN, logProbAt } from '../processors/softmax.js';
import type { StepModel } from '../step-model.js';
import { rowRng } from './draw.js';
import { validateDecodeOptions, type DecodeOptions, type FinishReason, type Generation } from './options.js';
import { StopMatcher } from './stop.js';

/** What a chooser may use to pick the next token of one row. */
export interface RowContext {
  readonly history: TokenHistory;
  readonly rng: Rng;
}

/** Picks the next token from a row's raw logits (a view into the batch; do not modify). */
export type Chooser = (raw: Float32Array, row: RowContext) => number;

interface Run extends RowContext {
  sample: number;
  ids: number[];
  lps: number[];
  done?: { by: FinishReason; cut?: string };
}

/**
 * The engine of the one-token-per-row strategies (greedy, sampling). All rows are one batch:
 * prime once, then one `step` per generated token; rows that finish are dropped from the
 * batch with `reorder`, so the model never computes for a finished row.
 */
export function decodeRows(model: StepModel, o: DecodeOptions, choose: Chooser): Generation[] {
  const { prime, maxTokens, eosId, numSamples, seed } = validateDecodeOptions(model, o);
  const v = model.vocabSize;
  const stop = new StopMatcher(o.stop, o.detokenize, o.minLength ?? 0);
  const runs: Run[] = [];
  for (let r = 0; r < numSamples; r++) {
    runs.push({ sample: r, ids: [], lps: [], history: new TokenHistory(prime, o.noRepeatNgram ?? 0), rng: rowRng(seed, r) });
  }
  if (maxTokens === 0) for (const run of runs) run.done = { by: 'length' };

  let state = model.initState(numSamples);
  try {
    let active = runs.filter((r) => !r.done);
    let logits = active.length > 0 ? checked(model.prime(state, prime), numSamples, v) : new Float32Array(0);
    while (active.length > 0) {
      const tokens = new Int32Array(active.length);
      for (let i = 0; i < active.length; i++) {
        const run = active[i];
        const raw = logits.subarray(i * v, (i + 1) * v);
        refuseNaN(raw, run.sample, run.ids.length, numSamples);
        const t = choose(raw, run);
        tokens[i] = t;
        const lp = logProbAt(raw, t);
        run.lps.push(lp);
        if (t === eosId) {
          run.done = { by: 'eos' };
          continue;
        }
        run.ids.push(t);
        run.history.push(t);
        const cut = stop.check(run.ids);
        if (cut !== null) {
          run.ids.pop();
          run.lps.pop();
          run.done = { by: 'stop', cut };
          continue;
        }
        o.onToken?.(run.sample, t);
        if (run.ids.length >= maxTokens) run.done = { by: 'length' };
      }
      const keep: number[] = [];
      for (let i = 0; i < active.length; i++) if (!active[i].done) keep.push(i);
      if (keep.length === 0) break;
      if (keep.length < active.length) {
        state = model.reorder(state, Int32Array.from(keep));
        active = keep.map((i) => active[i]);
      }
      logits = checked(model.step(state, Int32Array.from(keep, (i) => tokens[i])), active.length, v);
    }
  } finally {
    // also when a processor or onToken throws: the wasm heap is not garbage-collected
    model.release?.(state);
  }

  return runs.map((run) => {
    const by = run.done!.by;
    const logProb = run.lps.reduce((a, b) => a + b, 0);
    const text = stop.text(run.ids, by, run.done!.cut);
    return { sample: run.sample, ids: run.ids, ...(text !== undefined && { text }), tokenLogProbs: run.lps, logProb, finishedBy: by };
  });
}

/**
 * A NaN logit means the model is broken (corrupt weights, a diverged run): nothing can be
 * drawn from it, so decoding stops, saying where. `generated`: tokens generated before this one.
 */
export function refuseNaN(raw: ArrayLike<number>, sample: number, generated: number, samples: number): void {
  const i = firstNaN(raw);
  if (i < 0) return;
  const which = samples > 1 ? ` of sample ${sample + 1}` : '';
  throw new RnnlabError(`the model produced NaN logits for generated token ${generated + 1}${which} (${generated === 0 ? 'right after the prime' : `after ${generated} generated`}; token id ${i} is NaN): its weights are broken, e.g. a diverged training run`);
}

/** Guards the decoders against a model returning the wrong shape (an engine bug, reported plainly). */
export function checked(logits: Float32Array, batch: number, v: number): Float32Array {
  if (logits.length !== batch * v) {
    throw new RnnlabError(`the model returned ${logits.length} logits for a batch of ${batch} (expected ${batch}×${v})`);
  }
  return logits;
}
