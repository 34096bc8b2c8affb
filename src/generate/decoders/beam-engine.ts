import { RnnlabError } from '../../errors.js';
import type { Rng } from '../../util/rng.js';
import { TokenHistory } from '../processors/history.js';
import { applyPipeline } from '../processors/pipeline.js';
import { logProbAt, logSoftmax, logSumExp, softmax } from '../processors/softmax.js';
import type { StepModel } from '../step-model.js';
import { rowRng } from './draw.js';
import { validateBeamOptions, type BeamOptions, type FinishReason, type Generation } from './options.js';
import { checked, refuseNaN } from './rows.js';
import { StopMatcher } from './stop.js';

/** A beam's processed distribution, as probabilities and as log-probabilities (−∞ = excluded). */
export interface BeamDist {
  probs: Float64Array;
  logp: Float64Array;
}

/** Which tokens a live beam proposes as expansions this step. */
export type Expander = (dist: BeamDist, width: number, rng: Rng) => number[];

interface Hyp {
  ids: number[];
  lps: number[];
  /** Σ processed log p: what beams are ranked by. */
  proc: number;
  history: TokenHistory;
  /** Batch row of this beam's recurrent state. */
  row: number;
}

interface Done {
  ids: number[];
  lps: number[];
  proc: number;
  by: FinishReason;
  cut?: string;
}

interface Search {
  sample: number;
  live: Hyp[];
  finished: Done[];
  rng: Rng;
}

/** GNMT length normalisation (Wu et al., 2016): lp(len) = ((5 + len)/6)^α; α = 0 leaves the sum. */
export function lengthNormalised(logProbSum: number, len: number, alpha: number): number {
  return alpha === 0 ? logProbSum : logProbSum / Math.pow((5 + len) / 6, alpha);
}

/**
 * Shared engine of beam search and stochastic beam search. Every live beam of every search is
 * one batch row; after each step the surviving beams' states are gathered with `reorder`
 * (rows may repeat when one beam has several children) and fed their new token.
 *
 * Per step and search: each live beam proposes expansions (`expand`); all of them are
 * ranked by Σ processed log p (equal lengths, so normalisation would not change the order);
 * walking that ranking, `[EOS]` or a completed stop string finishes a hypothesis if it ranks
 * within the top W, any other token becomes a live beam until W are live. A search ends
 * when it holds W finished hypotheses, has no live beam, or reaches maxTokens (its live beams
 * then finish by 'length'); its n-best are the finished hypotheses by normalised score.
 */
export function decodeBeams(model: StepModel, o: BeamOptions, expand: Expander): Generation[] {
  const { prime, maxTokens, eosId, numSamples, seed, beams: w, lengthPenalty, nBest } = validateBeamOptions(model, o);
  const v = model.vocabSize;
  const stop = new StopMatcher(o.stop, o.detokenize, o.minLength ?? 0);
  const ngram = o.noRepeatNgram ?? 0;
  const searches: Search[] = [];
  for (let s = 0; s < numSamples; s++) {
    const root: Hyp = { ids: [], lps: [], proc: 0, history: new TokenHistory(prime, ngram), row: s };
    searches.push({ sample: s, live: maxTokens > 0 ? [root] : [], finished: [], rng: rowRng(seed, s) });
    if (maxTokens === 0) searches[s].finished.push({ ids: [], lps: [], proc: 0, by: 'length' });
  }

  let state = model.initState(numSamples);
  let logits: Float32Array = new Float32Array(0); // read by advance() below
  try {
    if (maxTokens > 0) logits = checked(model.prime(state, prime), numSamples, v);
    for (;;) {
      const parents: number[] = [];
      const tokens: number[] = [];
      for (const s of searches) {
        if (s.live.length === 0) continue;
        const next = advance(s);
        if (s.finished.length >= w) continue;
        if (next.length > 0 && next[0].ids.length >= maxTokens) {
          for (const h of next) s.finished.push({ ids: h.ids, lps: h.lps, proc: h.proc, by: 'length' });
          continue;
        }
        for (const h of next) {
          parents.push(h.row);
          tokens.push(h.ids[h.ids.length - 1]);
          h.row = parents.length - 1;
        }
        s.live = next;
      }
      if (parents.length === 0) break;
      if (!isIdentity(parents, state.batch)) state = model.reorder(state, Int32Array.from(parents));
      logits = checked(model.step(state, Int32Array.from(tokens)), parents.length, v);
    }
  } finally {
    model.release?.(state); // also on a throw: the wasm heap is not garbage-collected
  }

  /** One step of search `s`: its live beams are consumed, finished ones recorded; returns the new live beams. */
  function advance(s: Search): Hyp[] {
    interface Cand { h: Hyp; t: number; proc: number; lp: number }
    const cands: Cand[] = [];
    for (const h of s.live) {
      const raw = logits.subarray(h.row * v, (h.row + 1) * v);
      refuseNaN(raw, s.sample, h.ids.length, numSamples);
      const work = Float64Array.from(raw);
      if (!applyPipeline(work, o, h.history)) continue; // a dead end: nothing may follow this beam
      const dist = { probs: softmax(work), logp: logSoftmax(work) };
      const lse = logSumExp(raw);
      for (const t of expand(dist, w, s.rng)) cands.push({ h, t, proc: h.proc + dist.logp[t], lp: logProbAt(raw, t, lse) });
    }
    s.live = [];
    cands.sort((a, b) => b.proc - a.proc); // stable: ties keep beam order, then proposal order
    const next: Hyp[] = [];
    const stoppedParents = new Set<Hyp>();
    for (let rank = 0; rank < cands.length && next.length < w; rank++) {
      const { h, t, proc, lp } = cands[rank];
      if (t === eosId) {
        if (rank < w) s.finished.push({ ids: h.ids, lps: [...h.lps, lp], proc, by: 'eos' });
        continue;
      }
      const ids = [...h.ids, t];
      const cut = stop.check(ids);
      if (cut !== null) {
        // The output ends before the completing token, so it is the parent's, scored as such.
        if (rank < w && !stoppedParents.has(h)) {
          stoppedParents.add(h);
          s.finished.push({ ids: h.ids, lps: h.lps, proc: h.proc, by: 'stop', cut });
        }
        continue;
      }
      const history = h.history.clone();
      history.push(t);
      next.push({ ids, lps: [...h.lps, lp], proc, history, row: h.row });
    }
    return next;
  }

  const out: Generation[] = [];
  for (const s of searches) {
    if (s.finished.length === 0) {
      throw new RnnlabError('beam search found no hypothesis: the bans, the no-repeat-n-gram rule and the minimum length exclude every continuation');
    }
    const scored = s.finished.map((d) => ({ d, score: lengthNormalised(d.proc, d.ids.length + (d.by === 'eos' ? 1 : 0), lengthPenalty) }));
    scored.sort((a, b) => b.score - a.score);
    scored.slice(0, nBest).forEach(({ d, score }, rank) => {
      const text = stop.text(d.ids, d.by, d.cut);
      out.push({
        sample: s.sample,
        ids: d.ids,
        ...(text !== undefined && { text }),
        tokenLogProbs: d.lps,
        logProb: d.lps.reduce((a, b) => a + b, 0),
        score,
        rank,
        finishedBy: d.by,
      });
    });
  }
  return out;
}

function isIdentity(parents: number[], batch: number): boolean {
  if (parents.length !== batch) return false;
  for (let i = 0; i < parents.length; i++) if (parents[i] !== i) return false;
  return true;
}
