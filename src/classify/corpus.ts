/**
 * Labelled documents from a file (Node): read (CSV with label and text columns, JSON with label
 * and text fields), cleaned of news corpora's escapes, tokenized. documents.ts turns them into
 * ids and splits them.
 */
import { RnnlabError } from '../errors.js';
import { cleanNewsEscapes } from '../text/sources/clean.js';
import { readDocuments, type SourceOptions, type SourceStats } from '../text/sources/index.js';
import type { Tokenizer } from '../text/tokenizers/tokenizer.js';
import type { RawDoc } from './documents.js';

export { encodeLabeled, labeledFingerprint, stratifiedSplit, type LabeledDoc, type RawDoc } from './documents.js';

/** Reads and tokenizes a labelled file; an empty text or label is an error naming its row. */
export async function readLabeled(path: string, source: SourceOptions, tokenizer: Tokenizer, maxDocs: number, clean: boolean): Promise<{ docs: RawDoc[]; stats: SourceStats }> {
  const stats: SourceStats = { documents: 0, characters: 0 };
  const docs: RawDoc[] = [];
  for await (const d of readDocuments(path, source, stats)) {
    const tokens = tokenizer.tokenize(clean ? cleanNewsEscapes(d.text) : d.text);
    if (tokens.length === 0) throw new RnnlabError(`${path}: document ${docs.length + 1} has an empty text`);
    if (d.label !== undefined && String(d.label).trim() === '') throw new RnnlabError(`${path}: document ${docs.length + 1} has an empty label`);
    docs.push({ tokens, label: d.label, row: docs.length + 1 });
    if (maxDocs > 0 && docs.length >= maxDocs) break;
  }
  return { docs, stats };
}

