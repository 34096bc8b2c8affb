/**
 * How much memory a run will need, estimated before anything is allocated, so a model too
 * large for the machine is refused with one line instead of a crash mid-allocation. Counted
 * in float32 elements (shape key in src/tensor.ts):
 *   parameters P: weights, gradients of the trained ones, optimizer state (Adam 2, SGD with
 *     momentum 1 per trained element);
 *   activations of one step with N = rows·T positions: embedding N·E, per layer xw N·G, hs N·H,
 *     cache N·cacheWidth (+ N·G for GRU's dhw, + N·H dropout), gradient buffers 3·N·H + N·E,
 *     logits N·V (the fused cross-entropy reuses them for the gradient), decoder input N·H.
 */
import { cacheWidth, gates, type CellKind } from '../backend/backend.js';

export interface MemoryEstimate {
  /** Bytes in all. */
  bytes: number;
  parameters: number;
  /** Bytes of weights, gradients and optimizer state. */
  parameterBytes: number;
  activationBytes: number;
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
  return {
    bytes: parameterBytes + activationBytes, parameters: P, parameterBytes, activationBytes,
    largestTensor: Math.max(...weights, N * V, N * G, N * cacheWidth(s.cell, H)),
  };
}

export function formatBytes(b: number): string {
  if (b >= 1e9) return `${(b / 1e9).toFixed(1)} GB`;
  if (b >= 1e6) return `${(b / 1e6).toFixed(0)} MB`;
  return `${Math.ceil(b / 1e3)} kB`;
}
