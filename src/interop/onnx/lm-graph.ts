/**
 * A language model as an ONNX graph:
 *
 *   input_ids [B,T] int64 → Transpose → [T,B] → Gather(embedding.weight)   (one-hot input: OneHot, depth V)
 *   → per layer one LSTM / GRU / RNN node from that layer's h0 (and c0) slice   (dropout: none, inference)
 *   → Transpose → [B,T,H] → Gemm(decoder.weight, decoder.bias, transB) → logits [B,T,V]
 *   h_n (and c_n) [L,B,H]: the layers' final states, concatenated.
 *
 * Initial states `h0` (and `c0`) [L,B,H] are expanded to the batch (Expand), so a [L,1,H] state
 * serves every row. Two spellings (see README, "ONNX"):
 *   default        they are graph inputs that are also zero initializers [L,1,H]: feeding only
 *                  input_ids works for any B; runtimes that override initializers (onnxruntime's
 *                  Python, C, C++, C#, Java APIs) accept fed states too.
 *   stateInputs    they are plain graph inputs the caller must feed (onnxruntime-node and -web
 *                  list only non-initializer inputs and drop other feeds, so carrying the state
 *                  across calls there needs this).
 */
import { cellKind } from '../../nn/config.js';
import type { LanguageModel } from '../../nn/language-model.js';
import { FLOAT, INT64, GraphBuilder } from './graph.js';
import { recurrentNode } from './recurrent.js';

export interface LmGraphOptions {
  /** h0/c0 as required inputs instead of zero-defaulted ones. */
  stateInputs: boolean;
}

export function languageModelGraph(g: GraphBuilder, m: LanguageModel, o: LmGraphOptions): void {
  const c = m.config, V = c.vocabSize, H = c.hidden, L = c.layers, cell = cellKind(c), lstm = cell === 'lstm';
  const ids = g.input('input_ids', INT64, ['batch', 'time']);
  const idsT = g.transpose(ids, [1, 0]);
  let emb: string | null = null;
  let x: string;
  if (m.embedding.weight) {
    emb = g.floats('embedding.weight', [V, c.embed], m.embedding.weight.value.data);
    x = g.op('Gather', [emb, idsT], { axis: 0 });
  } else {
    x = g.op('OneHot', [idsT, g.ints([V], true), g.floats('onehot.values', [2], [0, 1])], { axis: -1 });
  }

  const stateShape = g.op('Concat', [g.ints([L]), g.dim(ids, 0), g.ints([H])], { axis: 0 });
  const state = (name: string): string => {
    if (!o.stateInputs) g.floats(name, [L, 1, H], new Float32Array(L * H));
    g.input(name, FLOAT, [L, 'batch', H]);
    return g.op('Expand', [name, stateShape]);
  };
  const h0 = state('h0'), c0 = lstm ? state('c0') : null;
  const slice = (s: string, l: number) => g.op('Slice', [s, g.ints([l]), g.ints([l + 1]), g.ints([0])]);

  const hn: string[] = [], cn: string[] = [];
  for (let l = 0; l < L; l++) {
    const p = m.rnn.layers[l], I = l === 0 ? m.embedding.width : H;
    const dir = { wih: p.wih.value.data, whh: p.whh.value.data, bih: p.bih.value.data, bhh: p.bhh.value.data };
    const r = recurrentNode(g, cell, x, [dir], I, H, { prefix: `rnn.l${l}`, h0: slice(h0, l), c0: c0 ? slice(c0, l) : undefined });
    x = g.squeeze(r.Y, [1]);
    hn.push(r.Yh);
    if (r.Yc) cn.push(r.Yc);
  }
  g.op('Concat', hn, { axis: 0 }, 'h_n');
  if (lstm) g.op('Concat', cn, { axis: 0 }, 'c_n');

  const rows = g.op('Reshape', [g.transpose(x, [1, 0, 2]), g.ints([-1, H])]);
  const w = c.tieWeights && emb ? emb : g.floats('decoder.weight', [V, H], m.decoderWeight.value.data);
  const flat = g.op('Gemm', [rows, w, g.floats('decoder.bias', [V], m.decoderBias.value.data)], { transB: 1 });
  g.op('Reshape', [flat, g.op('Concat', [g.op('Shape', [ids]), g.ints([V])], { axis: 0 })], {}, 'logits');

  g.output('logits', FLOAT, ['batch', 'time', V]);
  g.output('h_n', FLOAT, [L, 'batch', H]);
  if (lstm) g.output('c_n', FLOAT, [L, 'batch', H]);
}
