/**
 * `rnnlab eval`'s terminal output: one corpus as the lines eval has always printed (perplexity,
 * bits per token, the token count, then what was asked for), several as one table with a row per
 * corpus (and an "untrained" row under each with --untrained). Pure.
 */
import { textTable } from '../util/text-table.js';
import type { CorpusScore, OutOfVocabulary } from './score-corpus.js';

export interface CorpusReport {
  /** The file, as given. */
  name: string;
  score: CorpusScore;
  oov: OutOfVocabulary;
  /** The same corpus scored by the untrained model (--untrained). */
  untrained?: CorpusScore;
}

/** 'char' for char models (bits per char), 'token' otherwise. */
export type Unit = 'char' | 'token';

/** What the notebook figure is, wherever it is printed. */
export function notebookLabel(unit: Unit): string {
  return `notebook perplexity: mean over documents of 2^(nats per ${unit}), not a perplexity`;
}

function untrainedNote(seed: number): string {
  return `untrained: the same architecture freshly initialised (seed ${seed}); about the vocabulary size`;
}

/** The distinct unseen tokens, quoted, at most `max` of them. */
function quoted(tokens: readonly string[], max = 10): string {
  const shown = tokens.slice(0, max).map((t) => JSON.stringify(t)).join(', ');
  return tokens.length > max ? `${shown}, … (${tokens.length} distinct)` : shown;
}

/** The tokens outside the vocabulary: skipped (a vocabulary without [UNK]: every char one, an imported word one) or scored as [UNK]. */
function oovText(o: OutOfVocabulary, unit: Unit): string {
  if (o.count === 0) return '0';
  const what = o.dropped ? `skipped ${o.count} of ${o.total} ${unit}s` : `${o.count} of ${o.total} ${unit}s scored as [UNK]`;
  return `${what} (${(100 * o.rate).toFixed(2)}%): ${quoted(o.distinct)}`;
}

/** Out-of-vocabulary shares above this are warned about on stderr: the figures then describe a different text. */
export const OOV_WARN_RATE = 0.03;

/** The stderr warning for a corpus with many tokens outside the vocabulary (null below OOV_WARN_RATE). */
export function oovWarning(name: string, o: OutOfVocabulary, unit: Unit): string | null {
  if (o.rate <= OOV_WARN_RATE) return null;
  const share = `${o.count.toLocaleString('en-US')} of ${o.total.toLocaleString('en-US')} ${unit}s (${(100 * o.rate).toFixed(2)}%)`;
  const consequence = o.dropped
    ? `were skipped (${unit === 'char' ? 'a character vocabulary' : 'the vocabulary'} has no [UNK]): the perplexity is over the rest of the text only`
    : 'were scored as [UNK], which makes the perplexity look better than the model is on this text';
  return `warning: ${name}: ${share} are not in the model's vocabulary and ${consequence}`;
}

/** One corpus: the lines of a single-file eval. */
export function formatCorpusLines(r: CorpusReport, unit: Unit, seed: number): string {
  const s = r.score;
  const lines = [`perplexity ${s.perplexity.toFixed(4)}`, `bits per ${unit} ${s.bitsPerToken.toFixed(4)}`, `${unit}s ${s.tokens}`];
  if (s.notebook) lines.push(`notebook perplexity ${s.notebook.perplexity.toFixed(4)} (mean over ${s.notebook.documents} document${s.notebook.documents === 1 ? '' : 's'} of 2^(nats per ${unit}), not a perplexity)`);
  const u = r.untrained;
  if (u) {
    const nb = u.notebook ? ` · notebook ${u.notebook.perplexity.toFixed(4)}` : '';
    lines.push(`untrained perplexity ${u.perplexity.toFixed(4)} · bits per ${unit} ${u.bitsPerToken.toFixed(4)}${nb} (the same architecture freshly initialised, seed ${seed})`);
  }
  lines.push(`out of vocabulary ${oovText(r.oov, unit)}`);
  return lines.join('\n') + '\n';
}

/** Several corpora: one table, and a note under it for each figure that needs one. */
export function formatCorpusTable(reports: readonly CorpusReport[], unit: Unit, seed: number): string {
  const notebook = reports.some((r) => r.score.notebook);
  const head = ['corpus', `${unit}s`, 'perplexity', `bits/${unit}`, ...(notebook ? ['notebook¹'] : []), 'out of vocabulary'];
  const row = (name: string, s: CorpusScore, oov: string) => [
    name, String(s.tokens), s.perplexity.toFixed(4), s.bitsPerToken.toFixed(4),
    ...(notebook ? [s.notebook ? s.notebook.perplexity.toFixed(4) : ''] : []), oov,
  ];
  const rows = [head];
  for (const r of reports) {
    rows.push(row(r.name, r.score, oovText(r.oov, unit)));
    if (r.untrained) rows.push(row('  untrained', r.untrained, ''));
  }
  const notes = [
    ...(notebook ? [`¹ ${notebookLabel(unit)}`] : []),
    ...(reports.some((r) => r.untrained) ? [untrainedNote(seed)] : []),
  ];
  return textTable(rows, head.map((_, c) => c > 0 && c < head.length - 1)) + notes.map((n) => n + '\n').join('');
}
