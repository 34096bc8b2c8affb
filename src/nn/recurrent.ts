/**
 * A stack of L recurrent layers (nn.LSTM / nn.GRU / nn.RNN with num_layers = L), with inverted
 * dropout between layers. Per layer l (input width I_l = E, V for one-hot, or H):
 *
 *   xw_l  = X_l·W_ih_lᵀ + b_ih_l      one GEMM over all N = T·B positions
 *   hs_l  = recurrent(xw_l, h0_l)     one backend call: the per-step h·W_hhᵀ loop
 *   X_l+1 = dropout(hs_l)          (not after the top layer, as in nn.LSTM; the model drops
 *                                   the decoder input itself)
 *
 * Backward mirrors it: dW_ih_l = dxw_lᵀ·X_l and dX_l = dxw_l·W_ih_l are single GEMMs; dxw_l
 * reuses xw_l's memory (the forward no longer needs it once the cache holds the activations).
 * Memory per layer: xw N·G + hs N·H + cache N·cacheWidth (+ N·H with dropout).
 */
import { cacheWidth, gates, type Backend, type CellKind } from '../backend/backend.js';
import type { IntTensor, Tensor } from '../tensor.js';
import { makeParam, type Param } from './param.js';

export interface LayerParams {
  wih: Param;
  whh: Param;
  bih: Param;
  bhh: Param;
}

/** Recurrent state of B rows: h (and c for LSTM) per layer, [B,H] each. */
export interface RecurrentState {
  B: number;
  h: Tensor[];
  c: Tensor[] | null;
}

interface LayerBuffers {
  xw: Tensor; // [N,G]; holds dxw during backward
  hs: Tensor; // [N,H]
  cache: Tensor; // [N,cacheWidth]
  dhw: Tensor | null; // [N,G], GRU only
  drop: Tensor | null; // [N,H] dropout output, fed to the next layer / decoder
}

export class RecurrentStack {
  readonly layers: LayerParams[] = [];
  readonly G: number;
  private buf: LayerBuffers[] = [];
  private capacity = 0; // positions N the buffers hold
  private dh: Tensor | null = null; // [N,H] gradient w.r.t. a layer's output
  private dx: Tensor | null = null; // [N,H] gradient w.r.t. a layer's input (dropout applied in place)
  private seeds: number[] = [];
  private last: { T: number; B: number; state: RecurrentState; x: Tensor | null; ids: IntTensor | null; train: boolean } | null = null;

  constructor(
    private readonly backend: Backend,
    readonly cell: CellKind,
    readonly inputSize: number,
    readonly H: number,
    readonly L: number,
    readonly dropout: number,
    /** Layer 0 reads token ids one-hot (inputSize = V) instead of dense inputs. */
    readonly onehot: boolean,
  ) {
    this.G = gates(cell) * H;
    for (let l = 0; l < L; l++) {
      const I = l === 0 ? inputSize : H;
      this.layers.push({
        wih: makeParam(backend, `rnn.weight_ih_l${l}`, [this.G, I]),
        whh: makeParam(backend, `rnn.weight_hh_l${l}`, [this.G, H]),
        bih: makeParam(backend, `rnn.bias_ih_l${l}`, [this.G]),
        bhh: makeParam(backend, `rnn.bias_hh_l${l}`, [this.G]),
      });
    }
  }

  params(): Param[] {
    return this.layers.flatMap((p) => [p.wih, p.whh, p.bih, p.bhh]);
  }

  newState(B: number): RecurrentState {
    const be = this.backend;
    return {
      B,
      h: this.layers.map(() => be.alloc([B, this.H])),
      c: this.cell === 'lstm' ? this.layers.map(() => be.alloc([B, this.H])) : null,
    };
  }

  freeState(s: RecurrentState): void {
    for (const t of s.h) this.backend.free(t);
    for (const t of s.c ?? []) this.backend.free(t);
  }

  private ensure(N: number): void {
    if (N <= this.capacity) return;
    const be = this.backend;
    for (const b of this.buf) for (const t of [b.xw, b.hs, b.cache, b.dhw, b.drop]) if (t) be.free(t);
    if (this.dh) be.free(this.dh);
    if (this.dx) be.free(this.dx);
    const W = cacheWidth(this.cell, this.H);
    this.buf = this.layers.map((_, l) => ({
      xw: be.alloc([N, this.G]),
      hs: be.alloc([N, this.H]),
      cache: be.alloc([Math.max(1, N * W)]),
      dhw: this.cell === 'gru' ? be.alloc([N, this.G]) : null,
      drop: this.dropout > 0 && l < this.L - 1 ? be.alloc([N, this.H]) : null,
    }));
    this.dh = be.alloc([N, this.H]);
    this.dx = be.alloc([N, this.H]);
    this.capacity = N;
  }

  /**
   * Runs the stack over x [N,I] (time-major, N = T·B) or, when one-hot, over ids [N].
   * Returns the top layer's output hs [N,H] (no dropout on it). The final states
   * are written into `next` (which may be `state` itself only when no backward follows).
   * `rand` supplies the dropout seeds.
   */
  forward(
    T: number, state: RecurrentState, x: Tensor | null, ids: IntTensor | null,
    train: boolean, next: RecurrentState | null, rand: () => number,
  ): Tensor {
    const be = this.backend, B = state.B, N = T * B, H = this.H, G = this.G;
    this.ensure(N);
    this.seeds = [];
    let input = x;
    for (let l = 0; l < this.L; l++) {
      const p = this.layers[l], b = this.buf[l];
      if (l === 0 && this.onehot) be.onehotForward(b.xw, ids!, p.wih.value, N, G, this.inputSize);
      else be.gemm(false, true, N, G, l === 0 ? this.inputSize : H, 1, input!, 0, p.wih.value, 0, 0, b.xw, 0);
      be.addBias(b.xw, p.bih.value, N, G);
      const cT = next && next.c ? next.c[l] : null;
      be.recurrentForward({
        cell: this.cell, T, B, H, xw: b.xw, whh: p.whh.value, bhh: p.bhh.value,
        h0: state.h[l], c0: state.c ? state.c[l] : null, hs: b.hs, cache: train ? b.cache : null, cT,
      });
      if (next) be.copy(next.h[l], 0, b.hs, (T - 1) * B * H, B * H);
      input = b.hs;
      if (train && this.dropout > 0 && l < this.L - 1) {
        const seed = rand();
        this.seeds.push(seed);
        be.dropoutForward(b.drop!, b.hs, N * H, this.dropout, seed);
        input = b.drop;
      }
    }
    this.last = { T, B, state, x, ids, train };
    return input!;
  }

  /**
   * Back-propagates dOut [N,H] (gradient w.r.t. the tensor forward returned; consumed) through
   * every layer, accumulating parameter gradients. Writes the gradient w.r.t. the dense input
   * into dInput [N,I] when given. dState receives gradients w.r.t. the initial states.
   */
  backward(dOut: Tensor, dInput: Tensor | null, dState: RecurrentState | null): void {
    const last = this.last;
    if (!last || !last.train) throw new Error('RecurrentStack.backward needs a training forward first');
    const be = this.backend, { T, B, state } = last, N = T * B, H = this.H, G = this.G;
    let dh = dOut;
    for (let l = this.L - 1; l >= 0; l--) {
      const p = this.layers[l], b = this.buf[l];
      if (this.dropout > 0 && l < this.L - 1) be.dropoutBackward(dh, dh, N * H, this.dropout, this.seeds[l]);
      const dxw = b.xw;
      be.recurrentBackward({
        cell: this.cell, T, B, H, whh: p.whh.value, h0: state.h[l], c0: state.c ? state.c[l] : null,
        hs: b.hs, cache: b.cache, dhs: dh, dxw, dhw: b.dhw ?? dxw, dwhh: p.whh.grad, dbhh: p.bhh.grad,
        dh0: dState ? dState.h[l] : null, dc0: dState && dState.c ? dState.c[l] : null,
      });
      be.sumRows(p.bih.grad, dxw, N, G);
      if (l === 0) {
        if (this.onehot) be.onehotBackward(p.wih.grad, last.ids!, dxw, N, G, this.inputSize);
        else {
          be.gemm(true, false, G, this.inputSize, N, 1, dxw, 0, last.x!, 0, 1, p.wih.grad, 0);
          if (dInput) be.gemm(false, false, N, this.inputSize, G, 1, dxw, 0, p.wih.value, 0, 0, dInput, 0);
        }
      } else {
        const below = this.buf[l - 1];
        const xBelow = this.dropout > 0 ? below.drop! : below.hs;
        be.gemm(true, false, G, H, N, 1, dxw, 0, xBelow, 0, 1, p.wih.grad, 0);
        const dNext = dh === this.dh ? this.dx! : this.dh!;
        be.gemm(false, false, N, H, G, 1, dxw, 0, p.wih.value, 0, 0, dNext, 0);
        dh = dNext;
      }
    }
  }
}
