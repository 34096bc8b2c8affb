/**
 * One recurrent layer (one direction or both) as one standard ONNX LSTM / GRU / RNN node.
 * Time-major in and out: X [T,B,I] → Y [T,dirs,B,H], Y_h (and Y_c) [dirs,B,H].
 */
import type { CellKind } from '../../backend/backend.js';
import { GraphBuilder, type Attr } from './graph.js';
import { onnxRecurrentWeights, type DirectionWeights } from './gates.js';

export interface RecurrentNode {
  Y: string;
  Yh: string;
  /** LSTM only. */
  Yc: string | null;
}

export interface RecurrentNodeOptions {
  /** Name stem of the weights (`rnn.l0` → rnn.l0.W, rnn.l0.R, rnn.l0.B). */
  prefix: string;
  /** int32 [B] real lengths (packed-sequence semantics: a reverse direction starts at each row's end). */
  seqLens?: string;
  /** [dirs,B,H] initial states; omitted: zeros. */
  h0?: string;
  c0?: string;
  /** Output names for Y_h / Y_c (else fresh ones). */
  names?: { Yh?: string; Yc?: string };
}

const OP: Record<CellKind, string> = { lstm: 'LSTM', gru: 'GRU', rnn_tanh: 'RNN', rnn_relu: 'RNN' };

export function recurrentNode(g: GraphBuilder, cell: CellKind, X: string, dirs: readonly DirectionWeights[], I: number, H: number, o: RecurrentNodeOptions): RecurrentNode {
  const { W, R, B } = onnxRecurrentWeights(cell, dirs, I, H);
  const D = dirs.length, G = W.length / (D * I);
  const w = g.floats(`${o.prefix}.W`, [D, G, I], W), r = g.floats(`${o.prefix}.R`, [D, G, H], R), b = g.floats(`${o.prefix}.B`, [D, 2 * G], B);
  const attrs: Record<string, Attr> = { hidden_size: H, direction: D === 2 ? 'bidirectional' : 'forward' };
  if (cell === 'gru') attrs.linear_before_reset = 1;
  if (cell === 'rnn_tanh' || cell === 'rnn_relu') attrs.activations = Array(D).fill(cell === 'rnn_relu' ? 'Relu' : 'Tanh');
  const inputs = [X, w, r, b, o.seqLens ?? '', o.h0 ?? ''];
  if (cell === 'lstm') inputs.push(o.c0 ?? '');
  while (inputs[inputs.length - 1] === '') inputs.pop();
  const Y = g.fresh(`${o.prefix}.Y`), Yh = o.names?.Yh ?? g.fresh(`${o.prefix}.Y_h`);
  const Yc = cell === 'lstm' ? o.names?.Yc ?? g.fresh(`${o.prefix}.Y_c`) : null;
  g.node(OP[cell], inputs, attrs, Yc ? [Y, Yh, Yc] : [Y, Yh]);
  return { Y, Yh, Yc };
}
