import type { LanguageModel } from '../nn/language-model.js';
import { logProbAt } from '../generate/processors/softmax.js';

/**
 * The loss of every scored target of the model's last forward pass, one by one, for figures that
 * group targets (per document: notebook.ts). The standard figures come from the backend's fused
 * cross-entropy; this reads the logits once more in float64: −log softmax(row)[y] =
 * logsumexp(row) − row[y]. y is batch-major [B, T]; the logits are time-major (row t·B + b).
 */
export function forEachTargetNll(
  model: LanguageModel, y: Int32Array, B: number, T: number, ignoreIndex: number,
  visit: (b: number, t: number, nll: number) => void,
): void {
  const V = model.config.vocabSize, logits = model.logitsTensor().data;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const target = y[b * T + t];
      if (target === ignoreIndex) continue;
      const row = (t * B + b) * V;
      visit(b, t, -logProbAt(logits.subarray(row, row + V), target));
    }
  }
}
