import type { CorpusData } from './corpus.js';

/** FNV-1a over the training ids: a resume refuses data that differs from the original run's. */
export function fingerprint(data: CorpusData): string {
  let h = 0x811c9dc5;
  const mix = (v: number) => {
    h ^= v;
    h = Math.imul(h, 0x01000193) >>> 0;
  };
  if (data.kind === 'stream') {
    mix(data.train.length);
    for (const v of data.train) mix(v);
  } else {
    mix(data.train.length);
    for (const d of data.train) for (const v of d) mix(v);
  }
  return h.toString(16).padStart(8, '0');
}
