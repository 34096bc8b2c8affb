/**
 * PyTorch's recurrent weights (rnnlab keeps them as saved: weight_ih [G,I], weight_hh [G,H],
 * bias_ih and bias_hh [G], gate blocks of H rows) in the layout of the ONNX LSTM/GRU/RNN
 * operators: W [dirs,G,I], R [dirs,G,H], B [dirs,2G] = [Wb | Rb], with the gate blocks
 * reordered — LSTM: PyTorch i,f,g,o → ONNX i,o,f,c; GRU: PyTorch r,z,n → ONNX z,r,h. An ONNX
 * GRU with linear_before_reset = 1 computes PyTorch's n = tanh(W_in·x + b_in + r ⊙ (W_hn·h + b_hn)).
 */
import type { CellKind } from '../../backend/backend.js';

/** For each ONNX gate block, the PyTorch block it comes from. */
const ORDER: Record<CellKind, readonly number[]> = {
  lstm: [0, 3, 1, 2],
  gru: [1, 0, 2],
  rnn_tanh: [0],
  rnn_relu: [0],
};

/** Rows of `m` ([G, width], gate blocks of H rows) in ONNX gate order. */
export function onnxGateOrder(cell: CellKind, m: ArrayLike<number>, H: number, width: number): Float32Array {
  const order = ORDER[cell], block = H * width, out = new Float32Array(order.length * block);
  if (m.length !== out.length) throw new Error(`${cell}: ${m.length} values, expected ${out.length}`);
  const src = m instanceof Float32Array ? m : Float32Array.from(m);
  order.forEach((from, to) => out.set(src.subarray(from * block, (from + 1) * block), to * block));
  return out;
}

export interface DirectionWeights {
  wih: ArrayLike<number>;
  whh: ArrayLike<number>;
  bih: ArrayLike<number>;
  bhh: ArrayLike<number>;
}

export interface OnnxRecurrentWeights {
  /** [dirs, G, I] */
  W: Float32Array;
  /** [dirs, G, H] */
  R: Float32Array;
  /** [dirs, 2G] */
  B: Float32Array;
}

/** One ONNX layer's W, R, B from its directions (forward, then reverse). */
export function onnxRecurrentWeights(cell: CellKind, dirs: readonly DirectionWeights[], I: number, H: number): OnnxRecurrentWeights {
  const G = ORDER[cell].length * H;
  const W = new Float32Array(dirs.length * G * I), R = new Float32Array(dirs.length * G * H), B = new Float32Array(dirs.length * 2 * G);
  dirs.forEach((d, k) => {
    W.set(onnxGateOrder(cell, d.wih, H, I), k * G * I);
    R.set(onnxGateOrder(cell, d.whh, H, H), k * G * H);
    B.set(onnxGateOrder(cell, d.bih, H, 1), k * 2 * G);
    B.set(onnxGateOrder(cell, d.bhh, H, 1), k * 2 * G + G);
  });
  return { W, R, B };
}
