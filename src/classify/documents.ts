/**
 * Labelled documents as ids (browser-safe): encoding through a vocabulary with the cut at
 * --max-len, the seeded stratified split, and the fingerprint a resume checks.
 */
import { RnnlabError } from '../errors.js';
import { Vocab } from '../text/vocab.js';
import { Rng } from '../util/rng.js';
import { classIndex, type LabelScheme } from './labels.js';

export interface LabeledDoc {
  ids: Int32Array;
  label: number;
}

export interface RawDoc {
  tokens: string[];
  label: string | undefined;
  /** 1-based document number in its file, for messages. */
  row: number;
}

/**
 * Ids cut at maxLen tokens (0: no cut), unknown tokens as [UNK]; counts what was cut and unknown.
 * A vocabulary without [UNK] (an imported classifier's) reads any text whose tokens it holds, and
 * names the first document's unknown tokens otherwise.
 */
export function encodeLabeled(docs: readonly RawDoc[], vocab: Vocab, scheme: LabelScheme, maxLen: number, path: string): { docs: LabeledDoc[]; cut: number; oov: number; tokens: number } {
  let cut = 0, oov = 0, tokens = 0;
  const out = docs.map((d) => {
    const kept = maxLen > 0 && d.tokens.length > maxLen ? d.tokens.slice(0, maxLen) : d.tokens;
    if (kept.length < d.tokens.length) cut++;
    let r: { ids: Int32Array; oov: number };
    try {
      r = vocab.encode(kept, 'unk');
    } catch (e) {
      if (e instanceof RnnlabError) throw new RnnlabError(`${path} document ${d.row}: ${e.message}`);
      throw e;
    }
    oov += r.oov;
    tokens += kept.length;
    return { ids: r.ids, label: classIndex(scheme, d.label, `${path} document ${d.row}`) };
  });
  return { docs: out, cut, oov, tokens };
}

/** A seeded split that keeps every class's share: round(valFraction · n_c) of each class held out. */
export function stratifiedSplit(docs: readonly LabeledDoc[], valFraction: number, seed: number, classes: number): { train: LabeledDoc[]; val: LabeledDoc[] } {
  if (!(valFraction >= 0 && valFraction < 1)) throw new RnnlabError(`--val-fraction must be in [0, 1), got ${valFraction}`);
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  docs.forEach((d, i) => byClass[d.label].push(i));
  const rng = new Rng(seed);
  const valIdx = new Set<number>();
  for (const idx of byClass) {
    rng.shuffle(idx);
    for (const i of idx.slice(0, Math.round(valFraction * idx.length))) valIdx.add(i);
  }
  const train: LabeledDoc[] = [], val: LabeledDoc[] = [];
  docs.forEach((d, i) => (valIdx.has(i) ? val : train).push(d));
  return { train, val };
}

/** FNV-1a over the training documents and labels: a resume refuses other data. */
export function labeledFingerprint(docs: readonly LabeledDoc[]): string {
  let h = 0x811c9dc5;
  const mix = (v: number) => {
    h ^= v;
    h = Math.imul(h, 0x01000193) >>> 0;
  };
  mix(docs.length);
  for (const d of docs) {
    mix(d.label);
    mix(d.ids.length);
    for (const v of d.ids) mix(v);
  }
  return h.toString(16).padStart(8, '0');
}
