/**
 * A classifier as an ONNX graph, mirroring rnnlab's masking exactly (src/nn/classifier.ts):
 *
 *   inputs  input_ids [B,T] int64, lengths [B] int64 (row b is real for its first lengths[b] tokens)
 *   cnn     Gather(embedding.weight) → [B,E,T]; per block: zero the positions past each row's
 *           length (rnnlab's conv reads zeros there), Conv(pad 1) → BatchNormalization (running
 *           statistics) → Relu, lengths ← ⌊(len + 2·pad − K)/stride⌋ + 1; pool over real positions
 *   rnn/gru/lstm (bidirectional or not)
 *           Gather → [T,B,E] → per layer one LSTM/GRU/RNN node with sequence_lens = lengths
 *           (packed sequences: a reverse direction starts at each row's last real token);
 *           pool last = the top layer's Y_h (forward at the row's end, reverse at position 0),
 *           max / mean over real positions
 *   then    Gemm(fc.weight, fc.bias) → logits [B,C]; probabilities = Softmax(logits)
 *
 * A row rnnlab refuses (length < 1 or > T, or too short for the conv kernels) gets NaN logits
 * (onnxruntime already refuses such lengths for the recurrent operators).
 */
import type { Classifier } from '../../nn/classifier.js';
import { BatchNorm1d } from '../../nn/layers/batchnorm.js';
import { BidirectionalRecurrent } from '../../nn/layers/bidirectional.js';
import { Conv1d } from '../../nn/layers/conv1d.js';
import { Recurrent } from '../../nn/layers/recurrent.js';
import { Sequential } from '../../nn/layers/sequential.js';
import type { DirectionWeights } from './gates.js';
import { FLOAT, INT32, INT64, GraphBuilder, float } from './graph.js';
import { recurrentNode } from './recurrent.js';

const data = (p: { value: { data: ArrayLike<number> } }) => p.value.data;

/** bool [B, T_x] (axis 2 of a [B,C,T] x, or axis 0 of a [T,B,C] x): position < length. */
function positionMask(g: GraphBuilder, x: string, timeAxis: number, lengths: string): string {
  const T = g.squeeze(g.dim(x, timeAxis), [0]);
  const t = g.op('Range', [g.ints([0], true), T, g.ints([1], true)]);
  return timeAxis === 0
    ? g.op('Less', [g.unsqueeze(t, [1]), g.unsqueeze(lengths, [0])]) // [T,B]
    : g.op('Less', [g.unsqueeze(t, [0]), g.unsqueeze(lengths, [1])]); // [B,T]
}

/** max or mean of x over `timeAxis`, real positions only; `mask` broadcasts against x. */
function pool(g: GraphBuilder, kind: 'max' | 'mean', x: string, timeAxis: number, mask: string, lengths: string): string {
  if (kind === 'max') return g.reduce('ReduceMax', g.op('Where', [mask, x, g.scalar(-Infinity, 'minus_inf')]), [timeAxis], false);
  const sum = g.reduce('ReduceSum', g.op('Mul', [x, g.op('Cast', [mask], { to: FLOAT })]), [timeAxis], false);
  return g.op('Div', [sum, g.unsqueeze(g.op('Cast', [lengths], { to: FLOAT }), [1])]);
}

function cnnFeatures(g: GraphBuilder, m: Classifier, body: Sequential, ids: string, lengths: string, valid: string[]): string {
  const emb = g.floats('embedding.weight', [m.config.vocabSize, m.config.embed], data(m.embedding.weight!));
  let x = g.transpose(g.op('Gather', [emb, ids], { axis: 0 }), [0, 2, 1]); // [B,E,T]
  let len = lengths;
  for (const layer of body.layers) {
    if (layer instanceof Conv1d) {
      const keep = g.op('Cast', [g.unsqueeze(positionMask(g, x, 2, len), [1])], { to: FLOAT }); // [B,1,T]
      x = g.op('Conv', [
        g.op('Mul', [x, keep]),
        g.floats(`${layer.prefix}.weight`, [layer.outChannels, layer.inChannels, layer.kernel], data(layer.weight)),
        g.floats(`${layer.prefix}.bias`, [layer.outChannels], data(layer.bias)),
      ], { kernel_shape: [layer.kernel], strides: [layer.stride], pads: [layer.padding, layer.padding] });
      const span = g.op('Add', [len, g.ints([2 * layer.padding - layer.kernel], true)]);
      valid.push(g.op('GreaterOrEqual', [span, g.ints([0], true)]));
      len = g.op('Add', [g.op('Div', [span, g.ints([layer.stride], true)]), g.ints([1], true)]);
    } else if (layer instanceof BatchNorm1d) {
      const F = layer.features, p = layer.prefix;
      x = g.op('BatchNormalization', [
        x, g.floats(`${p}.weight`, [F], data(layer.weight)), g.floats(`${p}.bias`, [F], data(layer.bias)),
        g.floats(`${p}.running_mean`, [F], data(layer.runningMean)), g.floats(`${p}.running_var`, [F], data(layer.runningVar)),
      ], { epsilon: float(layer.eps) });
    } else {
      x = g.op('Relu', [x]);
    }
  }
  if (m.config.pool === 'last') throw new Error('a CNN pools with max or mean');
  return pool(g, m.config.pool, x, 2, g.unsqueeze(positionMask(g, x, 2, len), [1]), len);
}

function recurrentFeatures(g: GraphBuilder, m: Classifier, ids: string, lengths: string): string {
  const c = m.config, H = c.hidden;
  const emb = g.floats('embedding.weight', [c.vocabSize, c.embed], data(m.embedding.weight!));
  let x = g.op('Gather', [emb, g.transpose(ids, [1, 0])], { axis: 0 }); // [T,B,E]
  const seqLens = g.op('Cast', [lengths], { to: INT32 });
  const body = m.body;
  const layers: DirectionWeights[][] = body instanceof BidirectionalRecurrent
    ? body.layers.map((dirs) => dirs.map((d) => ({ wih: data(d.wih), whh: data(d.whh), bih: data(d.bih), bhh: data(d.bhh) })))
    : (body as Recurrent).layers.map((d) => [{ wih: data(d.wih), whh: data(d.whh), bih: data(d.bih), bhh: data(d.bhh) }]);
  const cell = (body as Recurrent | BidirectionalRecurrent).cell, D = c.bidirectional ? 2 : 1;
  let yh = '';
  layers.forEach((dirs, l) => {
    const r = recurrentNode(g, cell, x, dirs, l === 0 ? c.embed : D * H, H, { prefix: `rnn.l${l}`, seqLens });
    // Y [T,D,B,H] → [T,B,D·H] (forward | reverse, as rnnlab and PyTorch lay them out)
    x = D === 1 ? g.squeeze(r.Y, [1]) : g.op('Reshape', [g.transpose(r.Y, [0, 2, 1, 3]), g.ints([0, 0, -1])]);
    yh = r.Yh;
  });
  if (c.pool === 'last') return D === 1 ? g.squeeze(yh, [0]) : g.op('Reshape', [g.transpose(yh, [1, 0, 2]), g.ints([0, -1])]);
  return pool(g, c.pool, x, 0, g.unsqueeze(positionMask(g, x, 0, lengths), [2]), lengths);
}

export function classifierGraph(g: GraphBuilder, m: Classifier): void {
  const c = m.config;
  const ids = g.input('input_ids', INT64, ['batch', 'time']);
  const lengths = g.input('lengths', INT64, ['batch']);
  const valid = [
    g.op('GreaterOrEqual', [lengths, g.ints([1], true)]),
    g.op('LessOrEqual', [lengths, g.squeeze(g.dim(ids, 1), [0])]),
  ];
  const features = m.body instanceof Sequential ? cnnFeatures(g, m, m.body, ids, lengths, valid) : recurrentFeatures(g, m, ids, lengths);
  const fc = g.op('Gemm', [
    features, g.floats('fc.weight', [c.classes, m.fc.inFeatures], data(m.fc.weight)), g.floats('fc.bias', [c.classes], data(m.fc.bias!)),
  ], { transB: 1 });
  const ok = valid.reduce((a, b) => g.op('And', [a, b]));
  g.op('Where', [g.unsqueeze(ok, [1]), fc, g.scalar(NaN, 'nan')], {}, 'logits');
  g.op('Softmax', ['logits'], { axis: -1 }, 'probabilities');
  g.output('logits', FLOAT, ['batch', c.classes]);
  g.output('probabilities', FLOAT, ['batch', c.classes]);
}
