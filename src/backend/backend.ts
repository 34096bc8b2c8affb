/**
 * The compute interface. Ops are coarse and fused — a whole recurrent layer over a
 * sequence, a fused softmax cross-entropy, a fused Adam step — so a backend written in
 * WebAssembly or C++ pays one call per op, never one per scalar. Tensors are allocated
 * by the backend (so they live in its memory) and passed whole; offsets are in elements.
 *
 * Shape key: see src/tensor.ts (B, T, N = T·B, E, H, G, V). All matrices are row-major.
 * Gradient outputs whose doc says "accumulates" are added to (+=), like llm.c and
 * PyTorch's .grad; the others are overwritten.
 *
 * Every op is also described in src/backend/ops.ts (its arguments, and how many elements of
 * each tensor it touches). From that table every backend checks each call before a kernel
 * runs (an out-of-range call is the same RangeError everywhere), and an op a backend has no
 * kernel for runs the reference kernel on the tensors' typed-array views (base.ts).
 *
 * The js backend (backend/js/) is the specification: every other backend is tested
 * against it on random shapes (test/backend/conformance-suite.ts, run by js.test.ts,
 * wasm.test.ts and native.test.ts).
 */
import type { DType, IntTensor, Tensor } from '../tensor.js';

export type BackendName = 'js' | 'wasm' | 'native';

/** Recurrent cell kinds, named after PyTorch's modules (nn.RNN nonlinearity folded in). */
export type CellKind = 'lstm' | 'gru' | 'rnn_tanh' | 'rnn_relu';
export type Precision = 'fp32' | 'bf16';

/** Gates per cell: the G in the shape key is gates(cell)·H. PyTorch order: LSTM i,f,g,o; GRU r,z,n. */
export function gates(cell: CellKind): number {
  return cell === 'lstm' ? 4 : cell === 'gru' ? 3 : 1;
}

/**
 * Width of the per-position cache a recurrent forward keeps for its backward ([T, B, W]):
 *   lstm: 5H = activated gates i, f, g, o and the cell state c_t
 *   gru:  4H = activated r, z, n and hn = W_hn·h_{t-1} + b_hn (r multiplies it)
 *   rnn:  0  (the derivative of tanh/relu is read off the output h_t)
 */
export function cacheWidth(cell: CellKind, H: number): number {
  return cell === 'lstm' ? 5 * H : cell === 'gru' ? 4 * H : 0;
}

export interface RecurrentForwardArgs {
  cell: CellKind;
  T: number;
  B: number;
  H: number;
  /** [T,B,G] input projections x_t·W_ihᵀ + b_ih for every step, computed beforehand in one GEMM. */
  xw: Tensor;
  /** [G,H] weight_hh (PyTorch layout). */
  whh: Tensor;
  /** [G] bias_hh. */
  bhh: Tensor;
  /** [B,H] initial hidden state. */
  h0: Tensor;
  /** [B,H] initial cell state (LSTM only, else null). */
  c0: Tensor | null;
  /** out [T,B,H]: h_t for every step. */
  hs: Tensor;
  /** out [T,B,cacheWidth] activations for the backward pass; null when no backward follows (inference). */
  cache: Tensor | null;
  /** out [B,H] final cell state c_T (LSTM only, else null; may be the same tensor as c0). h_T is hs[T-1]. */
  cT: Tensor | null;
}

export interface RecurrentBackwardArgs {
  cell: CellKind;
  T: number;
  B: number;
  H: number;
  whh: Tensor;
  h0: Tensor;
  c0: Tensor | null;
  hs: Tensor;
  cache: Tensor;
  /** in [T,B,H] gradient of the loss w.r.t. each h_t from above (the state passed on is detached). */
  dhs: Tensor;
  /** out [T,B,G] gradient w.r.t. the input projections xw (so dW_ih = dxwᵀ·X, db_ih = Σ dxw, dX = dxw·W_ih). */
  dxw: Tensor;
  /** accumulates [G,H] gradient of weight_hh: Σ_t dhw_tᵀ·h_{t-1}, done as big GEMMs after the time loop. */
  dwhh: Tensor;
  /** accumulates [G] gradient of bias_hh. */
  dbhh: Tensor;
  /**
   * scratch [T,B,G]: gradient w.r.t. the hidden projections h_{t-1}·W_hhᵀ + b_hh. Equal to dxw for
   * LSTM/RNN (may be the same tensor); differs for GRU, where r scales the n-gate's hidden part.
   */
  dhw: Tensor;
  /** out [B,H] gradient w.r.t. h0 (null: not wanted). */
  dh0: Tensor | null;
  /** out [B,H] gradient w.r.t. c0 (LSTM; null: not wanted). */
  dc0: Tensor | null;
}

export interface AdamArgs {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** 1-based step count, for bias correction. */
  step: number;
  /** L2 penalty added to the gradient (PyTorch Adam's weight_decay). */
  weightDecay: number;
}

export interface CrossEntropyResult {
  /** Σ over counted positions of −log softmax(logits)[target] (natural log). */
  loss: number;
  /** Positions counted (targets ≠ ignoreIndex). */
  count: number;
}

export interface Backend {
  readonly name: BackendName;
  readonly dtype: DType;
  /** Threads the backend computes with (1 for js). */
  readonly threads: number;
  /**
   * fp32, or bf16 mixed precision: every matrix product (the gemm op and each product inside
   * recurrentForward/recurrentBackward) rounds both operands to bfloat16 (round to nearest
   * even) and accumulates in float32; everything else (biases, gate math, cell state,
   * softmax, reductions, the optimizer, the stored weights) stays float32. See bf16.ts.
   */
  readonly precision: Precision;
  /** One line for `rnnlab info`: SIMD level, threads, why. */
  describe(): string;

  /** Zero-filled float tensor in this backend's memory. */
  alloc(shape: readonly number[]): Tensor;
  /** Zero-filled int32 tensor in this backend's memory. */
  allocInt(size: number): IntTensor;
  /** Give the memory back; the tensor must not be used again. */
  free(t: Tensor | IntTensor): void;

  /**
   * C[M,N] = alpha·op(A)·op(B) + beta·C with op(X) = X or Xᵀ; A is [M,K] ([K,M] if transA),
   * B is [K,N] ([N,K] if transB). Offsets address sub-matrices (one timestep of a sequence).
   * beta = 0 ignores C's old contents (NaN included).
   *
   * lda, ldb, ldc are the row strides of A, B and C as stored (elements between the starts of
   * two rows), at least the stored row width. The defaults are the packed widths (lda = K, or M
   * if transA; ldb = N, or K if transB; ldc = N); a larger one addresses a column slice of a
   * wider matrix, e.g. one direction's half of a bidirectional layer's [N,2H] output
   * (cOff = H, ldc = 2H).
   */
  gemm(
    transA: boolean, transB: boolean, M: number, N: number, K: number,
    alpha: number, A: Tensor, aOff: number, B: Tensor, bOff: number,
    beta: number, C: Tensor, cOff: number,
    lda?: number, ldb?: number, ldc?: number,
  ): void;

  /** Y[r,:] += b for r < rows; Y is [rows, cols]. */
  addBias(Y: Tensor, b: Tensor, rows: number, cols: number): void;
  /** db += Σ_r dY[r,:]; accumulates. */
  sumRows(db: Tensor, dY: Tensor, rows: number, cols: number): void;

  /** out[i,:] = W[ids[i],:] for i < n; W is [V,E], out [n,E]. */
  embeddingForward(out: Tensor, ids: IntTensor, W: Tensor, n: number, E: number): void;
  /** dW[ids[i],:] += dOut[i,:]; accumulates. Rows with ids[i] < 0 are skipped. */
  embeddingBackward(dW: Tensor, ids: IntTensor, dOut: Tensor, n: number, E: number): void;
  /** One-hot input projection without the one-hot matrix: out[i,g] = W[g, ids[i]]; W is [G,V], out [n,G]. */
  onehotForward(out: Tensor, ids: IntTensor, W: Tensor, n: number, G: number, V: number): void;
  /** dW[g, ids[i]] += dOut[i,g]; accumulates. */
  onehotBackward(dW: Tensor, ids: IntTensor, dOut: Tensor, n: number, G: number, V: number): void;

  /** A whole recurrent layer over a sequence: the only per-step GEMM is h_{t-1}·W_hhᵀ. */
  recurrentForward(a: RecurrentForwardArgs): void;
  /**
   * Backpropagation through time for the layer run by recurrentForward. T = 0 accumulates
   * nothing into dwhh/dbhh and sets dh0/dc0 to 0.
   */
  recurrentBackward(a: RecurrentBackwardArgs): void;

  /**
   * Fused log-softmax + negative log-likelihood over rows of logits [n,V]. If dlogits is given
   * (it may be logits itself), writes gradScale·(softmax − onehot(target)) there, and zero rows
   * for ignored positions.
   */
  crossEntropy(
    logits: Tensor, targets: IntTensor, n: number, V: number, ignoreIndex: number,
    dlogits: Tensor | null, gradScale: number,
  ): CrossEntropyResult;

  /** y[i] = max(x[i], 0) for i < n. y may be x. */
  reluForward(y: Tensor, x: Tensor, n: number): void;
  /** dx[i] = dy[i] where y[i] > 0, else 0 (y is the forward's output). dx may be dy. */
  reluBackward(dx: Tensor, dy: Tensor, y: Tensor, n: number): void;

  /**
   * BatchNorm1d over the positions of a time-major [T,B,F] sequence whose row b has lengths[b]
   * real positions: padding positions count in no statistic and get y = 0.
   *   train: the batch mean and biased variance of each channel over the counted positions are
   *          saved (mean, invStd = 1/√(var + eps)) for the backward pass, and the running
   *          statistics updated as PyTorch does: run = (1 − momentum)·run + momentum·stat, with
   *          the unbiased variance (n/(n − 1)) for runVar, which stays as it is when n = 1;
   *   eval:  the running statistics normalise, and are saved as mean and invStd.
   * y = gamma·(x − mean)·invStd + beta.
   */
  batchNormForward(
    y: Tensor, x: Tensor, T: number, B: number, F: number, lengths: IntTensor, gamma: Tensor, beta: Tensor,
    runMean: Tensor, runVar: Tensor, mean: Tensor, invStd: Tensor, train: boolean, momentum: number, eps: number,
  ): void;
  /**
   * Gradients of batchNormForward with its saved mean and invStd: dx (overwritten; 0 at padding),
   * dGamma and dBeta (accumulate). train: through the batch statistics; eval: dx = dy·gamma·invStd.
   */
  batchNormBackward(
    dx: Tensor, dy: Tensor, x: Tensor, T: number, B: number, F: number, lengths: IntTensor, gamma: Tensor,
    mean: Tensor, invStd: Tensor, dGamma: Tensor, dBeta: Tensor, train: boolean,
  ): void;

  /** out[b,c] = max over t < lengths[b] of x[t,b,c] (x [T,B,C], out [B,C]); argmax[b·C + c] = that t. */
  maxPoolTimeForward(out: Tensor, argmax: IntTensor, x: Tensor, T: number, B: number, C: number, lengths: IntTensor): void;
  /** dx[t,b,c] = dy[b,c] where t = argmax[b·C + c], else 0 (dx [T,B,C] overwritten). */
  maxPoolTimeBackward(dx: Tensor, dy: Tensor, argmax: IntTensor, T: number, B: number, C: number): void;
  /** out[b,c] = mean over t < lengths[b] of x[t,b,c]. */
  meanPoolTimeForward(out: Tensor, x: Tensor, T: number, B: number, C: number, lengths: IntTensor): void;
  /** dx[t,b,c] = dy[b,c]/lengths[b] for t < lengths[b], else 0 (dx overwritten). */
  meanPoolTimeBackward(dx: Tensor, dy: Tensor, T: number, B: number, C: number, lengths: IntTensor): void;

  /**
   * dst[dstOff + r·dstLd + c] = src[srcOff + r·srcLd + c] for r < rows, c < cols: a block of
   * columns moved between matrices of different widths (the two halves of a bidirectional
   * layer's [N,2H] output).
   */
  copyRows(dst: Tensor, dstOff: number, dstLd: number, src: Tensor, srcOff: number, srcLd: number, rows: number, cols: number): void;

  /** Inverted dropout: y = x·keep/(1−p), keep decided by dropoutHash(seed, i) (src/util/rng.ts) ≥ p·2³². */
  dropoutForward(y: Tensor, x: Tensor, n: number, p: number, seed: number): void;
  /** dx = dy·keep/(1−p) with the same mask (regenerated, not stored). dx may be dy. */
  dropoutBackward(dx: Tensor, dy: Tensor, n: number, p: number, seed: number): void;

  /** t[off + i] = value for i < n. */
  fill(t: Tensor, value: number, off: number, n: number): void;
  /** dst[dstOff + i] = src[srcOff + i] for i < n (the ranges may overlap: memmove). */
  copy(dst: Tensor, dstOff: number, src: Tensor, srcOff: number, n: number): void;
  /** t[i] ·= alpha for i < n. */
  scale(t: Tensor, alpha: number, n: number): void;
  /** Σ t[i]², for the global gradient norm (summed in float64). */
  sumSquares(t: Tensor, n: number): number;

  /** PyTorch's Adam (weight_decay as L2 on the gradient), in place on param, m, v. */
  adam(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, n: number, a: AdamArgs): void;
  /** PyTorch's SGD: buf = momentum·buf + g (when momentum > 0); param −= lr·(buf or g). */
  sgd(param: Tensor, grad: Tensor, buf: Tensor | null, n: number, lr: number, momentum: number, weightDecay: number): void;
}
