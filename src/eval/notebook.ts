/**
 * The course notebooks' figure, so their old numbers can be compared with rnnlab's: the mean over
 * documents of 2^(the document's mean loss in nats per token). It is not a perplexity: 2^ of a
 * natural-log loss mixes bases (the perplexity of that loss is e^loss), and the mean over
 * documents weighs a ten-token document as much as a thousand-token one. rnnlab prints it beside
 * the standard figure and labels it as what it is.
 */

/** A document's summed loss (nats) over its scored targets, and how many there were. */
export interface DocumentLoss {
  nll: number;
  count: number;
}

/** mean over documents with at least one scored target of 2^(nll / count); NaN when there is none. */
export function notebookPerplexity(docs: Iterable<DocumentLoss>): number {
  let sum = 0, n = 0;
  for (const d of docs) {
    if (d.count === 0) continue;
    sum += 2 ** (d.nll / d.count);
    n++;
  }
  return n > 0 ? sum / n : NaN;
}

/** Per-document loss totals, filled target by target during an evaluation (perplexity.ts). */
export class DocumentLosses {
  private readonly nll: Float64Array;
  private readonly count: Float64Array;

  constructor(documents: number) {
    this.nll = new Float64Array(documents);
    this.count = new Float64Array(documents);
  }

  /** One scored target of document `doc`, its loss in nats. */
  add(doc: number, nll: number): void {
    this.nll[doc] += nll;
    this.count[doc]++;
  }

  get losses(): DocumentLoss[] {
    return Array.from(this.nll, (nll, i) => ({ nll, count: this.count[i] }));
  }

  /** Documents with at least one scored target. */
  get documents(): number {
    return this.count.reduce((n, c) => n + (c > 0 ? 1 : 0), 0);
  }

  get perplexity(): number {
    return notebookPerplexity(this.losses);
  }
}

/** The document a stream position belongs to: the last one starting at or before it (`starts` ascending, starts[0] = 0). */
export function documentAt(starts: readonly number[], position: number): number {
  let lo = 0, hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= position) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
