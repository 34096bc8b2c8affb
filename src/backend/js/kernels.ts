/**
 * The reference kernels with the Backend op signatures, over each tensor's typed-array view
 * (`t.data`). They are the js backend, and the default of every other backend for an op it
 * has no kernel of its own for (base.ts): every storage exposes `data` — an ArrayBuffer of
 * the js backend, a view of the wasm memory re-created after growth, a native ArrayBuffer.
 *
 * Arguments arrive checked (checks.ts) with omitted trailing sizes filled in, so nothing
 * here re-validates sizes; data-dependent checks (cross-entropy targets) stay in the kernels.
 * Each `.data` is read once per call, never kept: a wasm view goes stale when memory grows.
 */
import type { OpMethods } from '../ops.js';
import type { FloatArray } from '../../tensor.js';
import { dropoutHash } from '../../util/rng.js';
import { gemm, gemmBf16, type GemmFn } from './gemm.js';
import type { Precision } from '../backend.js';
import { lstmBackward, lstmForward } from './lstm.js';
import { gruBackward, gruForward } from './gru.js';
import { rnnBackward, rnnForward } from './rnn.js';
import { crossEntropy } from './loss.js';
import { adam, sgd } from './optim.js';
import { embeddingBackward, embeddingForward, onehotBackward, onehotForward } from './embedding.js';
import { reluBackward, reluForward } from './relu.js';
import { batchNormBackward, batchNormForward } from './batchnorm.js';
import { maxPoolTimeBackward, maxPoolTimeForward, meanPoolTimeBackward, meanPoolTimeForward } from './pool.js';

/**
 * The reference kernels of a precision. They differ only in the matrix products (gemm, and
 * those inside the recurrent layers): bf16 mode runs them with gemmBf16.
 */
export function referenceKernelsFor(precision: Precision): OpMethods {
  const mm: GemmFn = precision === 'bf16' ? gemmBf16 : gemm;
  return { ...shared, ...products(mm) };
}

function products(mm: GemmFn): Pick<OpMethods, 'gemm' | 'recurrentForward' | 'recurrentBackward'> {
  return {
    gemm(transA, transB, M, N, K, alpha, A, aOff, B, bOff, beta, C, cOff, lda, ldb, ldc) {
      mm(transA, transB, M, N, K, alpha, A.data, aOff, B.data, bOff, beta, C.data, cOff, lda, ldb, ldc);
    },

    recurrentForward(a) {
      const { T, B, H } = a;
      const cache = a.cache ? a.cache.data : null;
      switch (a.cell) {
        case 'lstm':
          lstmForward(T, B, H, a.xw.data, a.whh.data, a.bhh.data, a.h0.data, a.c0?.data ?? null, a.hs.data, cache, a.cT?.data ?? null, mm);
          break;
        case 'gru':
          gruForward(T, B, H, a.xw.data, a.whh.data, a.bhh.data, a.h0.data, a.hs.data, cache, mm);
          break;
        case 'rnn_tanh':
        case 'rnn_relu':
          rnnForward(a.cell === 'rnn_relu', T, B, H, a.xw.data, a.whh.data, a.bhh.data, a.h0.data, a.hs.data, mm);
          break;
      }
    },

    recurrentBackward(a) {
      const { T, B, H } = a;
      switch (a.cell) {
        case 'lstm':
          lstmBackward(T, B, H, a.whh.data, a.h0.data, a.c0?.data ?? null, a.hs.data, a.cache.data,
            a.dhs.data, a.dxw.data, a.dwhh.data, a.dbhh.data, a.dh0?.data ?? null, a.dc0?.data ?? null, mm);
          break;
        case 'gru':
          gruBackward(T, B, H, a.whh.data, a.h0.data, a.hs.data, a.cache.data,
            a.dhs.data, a.dxw.data, a.dhw.data, a.dwhh.data, a.dbhh.data, a.dh0?.data ?? null, mm);
          break;
        case 'rnn_tanh':
        case 'rnn_relu':
          rnnBackward(a.cell === 'rnn_relu', T, B, H, a.whh.data, a.h0.data, a.hs.data,
            a.dhs.data, a.dxw.data, a.dwhh.data, a.dbhh.data, a.dh0?.data ?? null, mm);
          break;
      }
    },
  };
}

/** The ops whose numerics do not depend on the precision. */
const shared: Omit<OpMethods, 'gemm' | 'recurrentForward' | 'recurrentBackward'> = {

  addBias(Y, b, rows, cols) {
    const y = Y.data, bb = b.data;
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) y[r * cols + c] += bb[c];
  },
  sumRows(db, dY, rows, cols) {
    const d = db.data, y = dY.data;
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) d[c] += y[r * cols + c];
  },

  embeddingForward(out, ids, W, n, E) {
    embeddingForward(out.data, ids.data, W.data, n, E);
  },
  embeddingBackward(dW, ids, dOut, n, E) {
    embeddingBackward(dW.data, ids.data, dOut.data, n, E);
  },
  onehotForward(out, ids, W, n, G, V) {
    onehotForward(out.data, ids.data, W.data, n, G, V);
  },
  onehotBackward(dW, ids, dOut, n, G, V) {
    onehotBackward(dW.data, ids.data, dOut.data, n, G, V);
  },

  crossEntropy(logits, targets, n, V, ignoreIndex, dlogits, gradScale) {
    return crossEntropy(logits.data, targets.data, n, V, ignoreIndex, dlogits ? dlogits.data : null, gradScale);
  },

  batchNormForward(y, x, T, B, F, lengths, gamma, beta, runMean, runVar, mean, invStd, train, momentum, eps) {
    batchNormForward(y.data, x.data, T, B, F, lengths.data, gamma.data, beta.data, runMean.data, runVar.data, mean.data, invStd.data, train, momentum, eps);
  },
  batchNormBackward(dx, dy, x, T, B, F, lengths, gamma, mean, invStd, dGamma, dBeta, train) {
    batchNormBackward(dx.data, dy.data, x.data, T, B, F, lengths.data, gamma.data, mean.data, invStd.data, dGamma.data, dBeta.data, train);
  },
  maxPoolTimeForward(out, argmax, x, T, B, C, lengths) {
    maxPoolTimeForward(out.data, argmax.data, x.data, T, B, C, lengths.data);
  },
  maxPoolTimeBackward(dx, dy, argmax, T, B, C) {
    maxPoolTimeBackward(dx.data, dy.data, argmax.data, T, B, C);
  },
  meanPoolTimeForward(out, x, T, B, C, lengths) {
    meanPoolTimeForward(out.data, x.data, T, B, C, lengths.data);
  },
  meanPoolTimeBackward(dx, dy, T, B, C, lengths) {
    meanPoolTimeBackward(dx.data, dy.data, T, B, C, lengths.data);
  },
  copyRows(dst, dstOff, dstLd, src, srcOff, srcLd, rows, cols) {
    const d = dst.data, s = src.data;
    for (let r = 0; r < rows; r++) d.set(s.subarray(srcOff + r * srcLd, srcOff + r * srcLd + cols), dstOff + r * dstLd);
  },

  reluForward(y, x, n) {
    reluForward(y.data, x.data, n);
  },
  reluBackward(dx, dy, y, n) {
    reluBackward(dx.data, dy.data, y.data, n);
  },

  dropoutForward(y, x, n, p, seed) {
    dropout(y.data, x.data, n, p, seed);
  },
  dropoutBackward(dx, dy, n, p, seed) {
    dropout(dx.data, dy.data, n, p, seed);
  },

  fill(t, value, off, n) {
    t.data.fill(value, off, off + n);
  },
  copy(dst, dstOff, src, srcOff, n) {
    dst.data.set(src.data.subarray(srcOff, srcOff + n), dstOff);
  },
  scale(t, alpha, n) {
    const d = t.data;
    for (let i = 0; i < n; i++) d[i] *= alpha;
  },
  sumSquares(t, n) {
    const d = t.data;
    let s = 0;
    for (let i = 0; i < n; i++) s += d[i] * d[i];
    return s;
  },

  adam(param, grad, m, v, n, a) {
    adam(param.data, grad.data, m.data, v.data, n, a);
  },
  sgd(param, grad, buf, n, lr, momentum, weightDecay) {
    sgd(param.data, grad.data, buf ? buf.data : null, n, lr, momentum, weightDecay);
  },
};

/** The fp32 reference kernels: the js backend's, and every backend's for an op it has no kernel of its own for. */
export const referenceKernels: OpMethods = referenceKernelsFor('fp32');

/** Inverted dropout; forward and backward are the same masked scaling. */
function dropout(y: FloatArray, x: FloatArray, n: number, p: number, seed: number): void {
  const threshold = p * 4294967296;
  const s = 1 / (1 - p);
  for (let i = 0; i < n; i++) y[i] = dropoutHash(seed, i) >= threshold ? x[i] * s : 0;
}
