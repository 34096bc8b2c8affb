import { processLogits } from '../processors/pipeline.js';
import { argmax } from '../processors/softmax.js';
import type { StepModel } from '../step-model.js';
import type { DecodeOptions, Generation } from './options.js';
import { decodeRows } from './rows.js';

/**
 * Greedy: the argmax of the processed distribution (lowest id on ties). Only the masks,
 * repetition penalty and typical filtering can change which token that is; temperature,
 * α, top-k/p and min-p keep the argmax.
 */
export function greedy(model: StepModel, o: DecodeOptions): Generation[] {
  return decodeRows(model, o, (raw, row) => argmax(processLogits(raw, o, row.history)));
}
