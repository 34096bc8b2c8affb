/**
 * A stack of L recurrent layers (nn.LSTM / nn.GRU / nn.RNN with num_layers = L), with inverted
 * dropout between layers (not after the top one, as in PyTorch). Per layer l (input width
 * I_l = E, V for one-hot ids, or H):
 *
 *   xw_l  = X_l·W_ih_lᵀ + b_ih_l      one GEMM over all N = T·B positions (a column gather for ids)
 *   hs_l  = recurrent(xw_l, h0_l)     one backend call: the per-step h·W_hhᵀ loop
 *   X_l+1 = dropout(hs_l)
 *
 * Backward mirrors it: dW_ih_l = dxw_lᵀ·X_l and dX_l = dxw_l·W_ih_l are single GEMMs; dxw_l
 * reuses xw_l's memory (the forward no longer needs it once the cache holds the activations).
 * Memory per layer: xw N·G + hs N·H + cache N·cacheWidth (+ N·H with dropout, + N·G for GRU's
 * dhw), plus two N·H gradient buffers shared by all layers.
 *
 * Padded rows run through their padding like real tokens: a unidirectional layer is causal,
 * so what it computes at a row's real positions does not depend on the padding after them.
 *
 * Frozen weights: a frozen weight_ih / bias_ih costs no backward work; a frozen weight_hh /
 * bias_hh has no gradient tensor or optimizer state, but the fused backward (one op for the
 * whole layer) still forms their gradient, into a scratch buffer.
 */
import { cacheWidth, gates, type Backend, type CellKind } from '../../backend/backend.js';
import type { IntTensor, Tensor } from '../../tensor.js';
import type { Act, ForwardContext, Layer } from '../layer.js';
import { dense, like } from '../layer.js';
import { makeParam, type Buffer, type Param } from '../param.js';
import { Workspace } from '../workspace.js';

export interface RecurrentLayerParams {
  wih: Param;
  whh: Param;
  bih: Param;
  bhh: Param;
}

/** Layer l's weights under torch.nn.LSTM/GRU/RNN's names (suffix `_reverse`: a bidirectional layer's second direction). */
export function recurrentLayerParams(backend: Backend, prefix: string, l: number, suffix: '' | '_reverse', G: number, I: number, H: number): RecurrentLayerParams {
  return {
    wih: makeParam(backend, `${prefix}.weight_ih_l${l}${suffix}`, [G, I]),
    whh: makeParam(backend, `${prefix}.weight_hh_l${l}${suffix}`, [G, H]),
    bih: makeParam(backend, `${prefix}.bias_ih_l${l}${suffix}`, [G]),
    bhh: makeParam(backend, `${prefix}.bias_hh_l${l}${suffix}`, [G]),
  };
}

/** Recurrent state of B rows: h (and c for LSTM) per layer, [B,H] each. */
export interface RecurrentState {
  B: number;
  h: Tensor[];
  c: Tensor[] | null;
}

interface Last {
  T: number;
  B: number;
  state: RecurrentState;
  input: Act;
  seeds: number[];
}

export class Recurrent implements Layer {
  readonly layers: RecurrentLayerParams[] = [];
  readonly G: number;
  private readonly ws: Workspace;
  private zeros: RecurrentState | null = null;
  private last: Last | null = null;

  constructor(
    private readonly backend: Backend,
    readonly prefix: string,
    readonly cell: CellKind,
    /** Input width of layer 0 (E, or V when it reads one-hot ids). */
    readonly inputSize: number,
    readonly H: number,
    readonly L: number,
    readonly dropout: number,
  ) {
    this.G = gates(cell) * H;
    this.ws = new Workspace(backend);
    for (let l = 0; l < L; l++) {
      const I = l === 0 ? inputSize : H;
      this.layers.push(recurrentLayerParams(backend, prefix, l, '', this.G, I, H));
    }
  }

  params(): Param[] {
    return this.layers.flatMap((p) => [p.wih, p.whh, p.bih, p.bhh]);
  }

  buffers(): Buffer[] {
    return [];
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

  /** The Layer contract: every sequence starts from a zero state, the final state is dropped. */
  forward(x: Act, ctx: ForwardContext): Act {
    if (!this.zeros || this.zeros.B !== x.B) {
      if (this.zeros) this.freeState(this.zeros);
      this.zeros = this.newState(x.B);
    }
    return this.run(x, ctx, this.zeros, null);
  }

  /**
   * Runs the stack over x ([T,B,I] dense, or ids read one-hot) from `state`. Returns the top
   * layer's hs [T,B,H] (no dropout on it). The final states go into `next`, which may be
   * `state` itself only when no backward follows (inference).
   */
  run(x: Act, ctx: ForwardContext, state: RecurrentState, next: RecurrentState | null): Act {
    const be = this.backend, { T, B } = x, N = T * B, H = this.H, G = this.G, train = ctx.train;
    if (state.B !== B) throw new Error(`state has ${state.B} rows, batch has ${B}`);
    const seeds: number[] = [];
    let input: Tensor | null = x.t;
    for (let l = 0; l < this.L; l++) {
      const p = this.layers[l];
      const xw = this.ws.get(`xw${l}`, N, G), hs = this.ws.get(`hs${l}`, N, H);
      if (l === 0 && !input) be.onehotForward(xw, x.ids as IntTensor, p.wih.value, N, G, this.inputSize);
      else be.gemm(false, true, N, G, l === 0 ? this.inputSize : H, 1, input as Tensor, 0, p.wih.value, 0, 0, xw, 0);
      be.addBias(xw, p.bih.value, N, G);
      const cache = train ? this.ws.get(`cache${l}`, 1, N * cacheWidth(this.cell, H)) : null;
      be.recurrentForward({
        cell: this.cell, T, B, H, xw, whh: p.whh.value, bhh: p.bhh.value,
        h0: state.h[l], c0: state.c ? state.c[l] : null, hs, cache, cT: next && next.c ? next.c[l] : null,
      });
      if (next) be.copy(next.h[l], 0, hs, (T - 1) * B * H, B * H);
      input = hs;
      if (train && this.dropout > 0 && l < this.L - 1) {
        const seed = ctx.rng ? ctx.rng.nextU32() : 0;
        seeds.push(seed);
        const drop = this.ws.get(`drop${l}`, N, H);
        be.dropoutForward(drop, hs, N * H, this.dropout, seed);
        input = drop;
      }
    }
    this.last = train ? { T, B, state, input: x, seeds } : null;
    return like(x, input as Tensor, H);
  }

  backward(dy: Act, needInput: boolean): Act | null {
    return this.backwardFrom(dy, needInput, null);
  }

  /**
   * Back-propagates dy [T,B,H] (the gradient w.r.t. what run returned; consumed) through every
   * layer, accumulating parameter gradients. Returns the gradient w.r.t. a dense input when
   * needInput; dState (when given) receives the gradients w.r.t. the initial states.
   */
  backwardFrom(dy: Act, needInput: boolean, dState: RecurrentState | null): Act | null {
    const last = this.last;
    if (!last) throw new Error(`${this.prefix}: backward needs a training forward first`);
    const be = this.backend, { T, B, state } = last, N = T * B, H = this.H, G = this.G;
    const dhA = this.ws.get('dh', N, H), dhB = this.ws.get('dx', N, H);
    let dh = dense(dy, this.prefix);
    let dInput: Act | null = null;
    for (let l = this.L - 1; l >= 0; l--) {
      const p = this.layers[l];
      if (this.dropout > 0 && l < this.L - 1) be.dropoutBackward(dh, dh, N * H, this.dropout, last.seeds[l]);
      const dxw = this.ws.get(`xw${l}`, N, G);
      const dhw = this.cell === 'gru' ? this.ws.get(`dhw${l}`, N, G) : dxw;
      be.recurrentBackward({
        cell: this.cell, T, B, H, whh: p.whh.value, h0: state.h[l], c0: state.c ? state.c[l] : null,
        hs: this.ws.get(`hs${l}`, N, H), cache: this.ws.get(`cache${l}`, 1, N * cacheWidth(this.cell, H)), dhs: dh, dxw, dhw,
        dwhh: this.gradOrScratch(p.whh), dbhh: this.gradOrScratch(p.bhh),
        dh0: dState ? dState.h[l] : null, dc0: dState && dState.c ? dState.c[l] : null,
      });
      if (!p.bih.frozen) be.sumRows(p.bih.grad, dxw, N, G);
      if (l === 0) {
        const x = last.input;
        if (!x.t) {
          if (!p.wih.frozen) be.onehotBackward(p.wih.grad, x.ids as IntTensor, dxw, N, G, this.inputSize);
        } else {
          if (!p.wih.frozen) be.gemm(true, false, G, this.inputSize, N, 1, dxw, 0, x.t, 0, 1, p.wih.grad, 0);
          if (needInput) {
            const dx = this.ws.get('dInput', N, this.inputSize);
            be.gemm(false, false, N, this.inputSize, G, 1, dxw, 0, p.wih.value, 0, 0, dx, 0);
            dInput = like(x, dx, this.inputSize);
          }
        }
      } else {
        const below = this.dropout > 0 ? this.ws.get(`drop${l - 1}`, N, H) : this.ws.get(`hs${l - 1}`, N, H);
        if (!p.wih.frozen) be.gemm(true, false, G, H, N, 1, dxw, 0, below, 0, 1, p.wih.grad, 0);
        const dNext = dh === dhA ? dhB : dhA;
        be.gemm(false, false, N, H, G, 1, dxw, 0, p.wih.value, 0, 0, dNext, 0);
        dh = dNext;
      }
    }
    return dInput;
  }

  /** recurrentBackward always accumulates dW_hh and db_hh; a frozen one gets a scratch target. */
  private gradOrScratch(p: Param): Tensor {
    return p.frozen ? this.ws.get(`scratch:${p.name}`, 1, p.value.size) : p.grad;
  }
}
