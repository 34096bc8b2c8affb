/**
 * How much memory a run will need, estimated before anything is allocated, so a model too
 * large for the machine is refused with one line instead of a crash mid-allocation. Counted
 * in float32 elements (shape key in src/tensor.ts):
 *   parameters P: weights, gradients of the trained ones, optimizer state (Adam 2, SGD with
 *     momentum 1 per trained element);
 *   activations of one step with N = rows·T positions: embedding N·E, per layer xw N·G, hs N·H,
 *     cache N·cacheWidth (+ N·G for GRU's dhw, + N·H dropout), gradient buffers 3·N·H + N·E,
 *     logits N·V (the fused cross-entropy reuses them for the gradient), decoder input N·H;
 *   a checkpoint being written: one more copy of the weights and optimizer state (the file's bytes).
 */
import { cacheWidth, gates, type CellKind } from '../backend/backend.js';
import { RnnlabError } from '../errors.js';
import type { CorpusData } from '../train/corpus.js';

export interface MemoryEstimate {
  /** Bytes in all. */
  bytes: number;
  parameters: number;
  /** Bytes of weights, gradients and optimizer state. */
  parameterBytes: number;
  activationBytes: number;
  /** Bytes of last.safetensors while it is encoded. */
  checkpointBytes: number;
  /** Elements of the largest single tensor. */
  largestTensor: number;
}

export interface LmShape {
  vocab: number;
  embed: number;
  hidden: number;
  layers: number;
  cell: CellKind;
  dropout: number;
  tieWeights: boolean;
  optimizer: 'adam' | 'sgd';
  momentum: number;
  /** Rows and timesteps of the largest batch. */
  rows: number;
  steps: number;
}

export function estimateLmMemory(s: LmShape): MemoryEstimate {
  const { vocab: V, embed: E, hidden: H, layers: L } = s, G = gates(s.cell) * H, I0 = E > 0 ? E : V;
  const weights: number[] = [];
  if (E > 0) weights.push(V * E);
  for (let l = 0; l < L; l++) weights.push(G * (l === 0 ? I0 : H), G * H, G, G);
  if (!s.tieWeights) weights.push(V * H);
  weights.push(V);
  const P = weights.reduce((a, b) => a + b, 0);
  const stateCopies = s.optimizer === 'adam' ? 2 : s.momentum > 0 ? 1 : 0;
  const N = s.rows * s.steps;
  const perLayer = N * (G + H + cacheWidth(s.cell, H) + (s.cell === 'gru' ? G : 0) + (s.dropout > 0 ? H : 0));
  const activations = N * E * 2 + L * perLayer + 3 * N * H + N * V + N * H;
  const parameterBytes = 4 * P * (2 + stateCopies);
  const activationBytes = 4 * activations;
  const checkpointBytes = 4 * P * (1 + stateCopies);
  return {
    bytes: parameterBytes + activationBytes + checkpointBytes, parameters: P, parameterBytes, activationBytes, checkpointBytes,
    largestTensor: Math.max(...weights, N * V, N * G, N * cacheWidth(s.cell, H)),
  };
}

export function formatBytes(b: number): string {
  if (b >= 1e9) return `${(b / 1e9).toFixed(1)} GB`;
  if (b >= 1e6) return `${(b / 1e6).toFixed(0)} MB`;
  return `${Math.ceil(b / 1e3)} kB`;
}

/** The rows × timesteps of the largest batch a run will see. */
export function largestBatch(c: { batch: number; seq: number; maxLen: number }, data: CorpusData): { rows: number; steps: number } {
  if (data.kind === 'stream') return { rows: c.batch, steps: c.seq };
  let longest = 0;
  for (const d of data.train) longest = Math.max(longest, d.length - 1);
  for (const d of data.val) longest = Math.max(longest, d.length - 1);
  return { rows: c.batch, steps: c.maxLen > 0 ? Math.min(longest, c.maxLen - 1) : longest };
}

/**
 * Refuses a run whose estimate does not fit in `available` bytes (where: what that limit is),
 * or that needs a tensor longer than a typed array can be; one line that says what to shrink.
 */
export function refuseOversized(est: MemoryEstimate, shape: { rows: number; steps: number }, available: number, where: string): void {
  const what = `${est.parameters.toLocaleString('en-US')} parameters with their gradients and optimizer state take ${formatBytes(est.parameterBytes)}, one batch of ${shape.rows} × ${shape.steps} takes ${formatBytes(est.activationBytes)}, writing a checkpoint ${formatBytes(est.checkpointBytes)}`;
  if (est.bytes > available) {
    throw new RnnlabError(`the model needs about ${formatBytes(est.bytes)} (${what}) but ${where} ${formatBytes(available)}: use a smaller --hidden, --layers, --embed, --batch or --seq`);
  }
  if (est.largestTensor > 2 ** 32 - 1) {
    throw new RnnlabError(`the model needs a tensor of ${est.largestTensor.toLocaleString('en-US')} numbers, over the 4,294,967,295 a typed array can hold: use a smaller --hidden, --batch or --seq`);
  }
}
