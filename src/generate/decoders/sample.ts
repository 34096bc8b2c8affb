import { processedDistribution } from '../processors/pipeline.js';
import type { StepModel } from '../step-model.js';
import { drawIndex } from './draw.js';
import type { DecodeOptions, Generation } from './options.js';
import { decodeRows } from './rows.js';

/** Ancestral sampling: each token drawn from the processed distribution by inverse CDF (one rng.next() per token). */
export function sample(model: StepModel, o: DecodeOptions): Generation[] {
  return decodeRows(model, o, (raw, row) => drawIndex(processedDistribution(raw, o, row.history), row.rng.next()));
}
