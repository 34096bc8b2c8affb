/**
 * The reference backend: plain TypeScript, float32 or float64. It is the specification
 * every faster backend is tested against, and (in float64) the subject of the
 * finite-difference gradient checks.
 */
import { ArrayStorage, IntTensor, Tensor, shapeSize, type DType, type FloatArray } from '../../tensor.js';
import type { AdamArgs, Backend, CrossEntropyResult, RecurrentBackwardArgs, RecurrentForwardArgs } from '../backend.js';
import { dropoutHash } from '../../util/rng.js';
import { gemm } from './gemm.js';
import { lstmBackward, lstmForward } from './lstm.js';
import { gruBackward, gruForward } from './gru.js';
import { rnnBackward, rnnForward } from './rnn.js';
import { crossEntropy, softmax } from './loss.js';
import { adam, sgd } from './optim.js';
import { embeddingBackward, embeddingForward, onehotBackward, onehotForward } from './embedding.js';

export class JsBackend implements Backend {
  readonly name = 'js' as const;
  readonly threads = 1;
  constructor(readonly dtype: DType = 'float32') {}

  describe(): string {
    return `js (reference TypeScript kernels, ${this.dtype}, 1 thread)`;
  }

  alloc(shape: readonly number[]): Tensor {
    const n = shapeSize(shape);
    const data: FloatArray = this.dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
    return new Tensor(shape, new ArrayStorage(data));
  }
  allocInt(size: number): IntTensor {
    return new IntTensor(size, new ArrayStorage(new Int32Array(size)));
  }
  free(): void {
    // garbage-collected
  }

  gemm(
    transA: boolean, transB: boolean, M: number, N: number, K: number,
    alpha: number, A: Tensor, aOff: number, B: Tensor, bOff: number,
    beta: number, C: Tensor, cOff: number,
  ): void {
    gemm(transA, transB, M, N, K, alpha, A.data, aOff, B.data, bOff, beta, C.data, cOff);
  }

  addBias(Y: Tensor, b: Tensor, rows: number, cols: number): void {
    const y = Y.data, bb = b.data;
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) y[r * cols + c] += bb[c];
  }
  sumRows(db: Tensor, dY: Tensor, rows: number, cols: number): void {
    const d = db.data, y = dY.data;
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) d[c] += y[r * cols + c];
  }

  embeddingForward(out: Tensor, ids: IntTensor, W: Tensor, n: number, E: number): void {
    embeddingForward(out.data, ids.data, W.data, n, E);
  }
  embeddingBackward(dW: Tensor, ids: IntTensor, dOut: Tensor, n: number, E: number): void {
    embeddingBackward(dW.data, ids.data, dOut.data, n, E);
  }
  onehotForward(out: Tensor, ids: IntTensor, W: Tensor, n: number, G: number, V: number): void {
    onehotForward(out.data, ids.data, W.data, n, G, V);
  }
  onehotBackward(dW: Tensor, ids: IntTensor, dOut: Tensor, n: number, G: number, V: number): void {
    onehotBackward(dW.data, ids.data, dOut.data, n, G, V);
  }

  recurrentForward(a: RecurrentForwardArgs): void {
    const { T, B, H } = a;
    const cache = a.cache ? a.cache.data : null;
    switch (a.cell) {
      case 'lstm':
        lstmForward(T, B, H, a.xw.data, a.whh.data, a.bhh.data, a.h0.data, a.c0?.data ?? null, a.hs.data, cache, a.cT?.data ?? null);
        break;
      case 'gru':
        gruForward(T, B, H, a.xw.data, a.whh.data, a.bhh.data, a.h0.data, a.hs.data, cache);
        break;
      case 'rnn_tanh':
      case 'rnn_relu':
        rnnForward(a.cell === 'rnn_relu', T, B, H, a.xw.data, a.whh.data, a.bhh.data, a.h0.data, a.hs.data);
        break;
    }
  }

  recurrentBackward(a: RecurrentBackwardArgs): void {
    const { T, B, H } = a;
    switch (a.cell) {
      case 'lstm':
        lstmBackward(T, B, H, a.whh.data, a.h0.data, a.c0?.data ?? null, a.hs.data, a.cache.data,
          a.dhs.data, a.dxw.data, a.dwhh.data, a.dbhh.data, a.dh0?.data ?? null, a.dc0?.data ?? null);
        break;
      case 'gru':
        gruBackward(T, B, H, a.whh.data, a.h0.data, a.hs.data, a.cache.data,
          a.dhs.data, a.dxw.data, a.dhw.data, a.dwhh.data, a.dbhh.data, a.dh0?.data ?? null);
        break;
      case 'rnn_tanh':
      case 'rnn_relu':
        rnnBackward(a.cell === 'rnn_relu', T, B, H, a.whh.data, a.h0.data, a.hs.data,
          a.dhs.data, a.dxw.data, a.dwhh.data, a.dbhh.data, a.dh0?.data ?? null);
        break;
    }
  }

  crossEntropy(
    logits: Tensor, targets: IntTensor, n: number, V: number, ignoreIndex: number,
    dlogits: Tensor | null, gradScale: number,
  ): CrossEntropyResult {
    return crossEntropy(logits.data, targets.data, n, V, ignoreIndex, dlogits ? dlogits.data : null, gradScale);
  }
  softmax(probs: Tensor, logits: Tensor, n: number, V: number, temperature: number): void {
    softmax(probs.data, logits.data, n, V, temperature);
  }

  dropoutForward(y: Tensor, x: Tensor, n: number, p: number, seed: number): void {
    dropout(y.data, x.data, n, p, seed);
  }
  dropoutBackward(dx: Tensor, dy: Tensor, n: number, p: number, seed: number): void {
    dropout(dx.data, dy.data, n, p, seed);
  }

  fill(t: Tensor, value: number, off: number, n: number): void {
    t.data.fill(value, off, off + n);
  }
  copy(dst: Tensor, dstOff: number, src: Tensor, srcOff: number, n: number): void {
    dst.data.set(src.data.subarray(srcOff, srcOff + n), dstOff);
  }
  scale(t: Tensor, alpha: number, n: number): void {
    const d = t.data;
    for (let i = 0; i < n; i++) d[i] *= alpha;
  }
  axpy(y: Tensor, alpha: number, x: Tensor, n: number): void {
    const yd = y.data, xd = x.data;
    for (let i = 0; i < n; i++) yd[i] += alpha * xd[i];
  }
  sumSquares(t: Tensor, n: number): number {
    const d = t.data;
    let s = 0;
    for (let i = 0; i < n; i++) s += d[i] * d[i];
    return s;
  }

  adam(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, n: number, a: AdamArgs): void {
    adam(param.data, grad.data, m.data, v.data, n, a);
  }
  sgd(param: Tensor, grad: Tensor, buf: Tensor | null, n: number, lr: number, momentum: number, weightDecay: number): void {
    sgd(param.data, grad.data, buf ? buf.data : null, n, lr, momentum, weightDecay);
  }
}

/** Inverted dropout; forward and backward are the same masked scaling. */
function dropout(y: FloatArray, x: FloatArray, n: number, p: number, seed: number): void {
  const threshold = p * 4294967296;
  const s = 1 / (1 - p);
  for (let i = 0; i < n; i++) y[i] = dropoutHash(seed, i) >= threshold ? x[i] * s : 0;
}
