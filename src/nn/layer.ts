/**
 * The layer contract: explicit forward/backward pairs over backend ops, no autograd.
 *
 * Activations are time-major (shape key in src/tensor.ts): a sequence is [T,B,C] with the B
 * rows of one timestep contiguous, so N = T·B positions are the rows of one GEMM operand.
 * A layer that pools over time returns T = 1. Padded batches carry each row's real length;
 * layers that look across time (pooling, last-token selection, the reverse direction of a
 * bidirectional layer) must respect it, position-wise layers ignore it.
 *
 * Token ids travel as an activation too (`ids`, with C = the vocabulary size): an Embedding
 * reads them, and a one-hot input is just ids handed to the next layer, which multiplies by
 * the one-hot matrix without building it (a column gather of its weight).
 *
 * Memory: a layer owns its output and gradient buffers (grown on demand, reused across
 * steps), so the tensor a forward returns is valid until that layer's next forward; backward
 * may overwrite the gradient it was given (callers pass ownership of `dy`).
 */
import type { IntTensor, Tensor } from '../tensor.js';
import type { Rng } from '../util/rng.js';
import type { Buffer, Param } from './param.js';

export interface Act {
  /** [T,B,C] values, or null when the activation is token ids (then `ids` is set). */
  t: Tensor | null;
  /** [T·B] token ids, time-major (an Embedding's input, or a one-hot activation). */
  ids?: IntTensor;
  T: number;
  B: number;
  /** Width of one position: features, or the vocabulary size for ids. */
  C: number;
  /** Real length of each of the B rows (padded batches); null when every row has T. */
  lengths: Int32Array | null;
}

export interface ForwardContext {
  /** Training mode: dropout is active, batch statistics are used, backward may follow. */
  train: boolean;
  /** Seeds for dropout masks (drawn in layer order, so a seeded run is reproducible). */
  rng: Rng | null;
}

export interface Layer {
  /** PyTorch module path of this layer's tensors ('rnn', 'decoder', 'features.0', …; '' for a container). */
  readonly prefix: string;
  /** Every parameter, trained or frozen, in state_dict order. */
  params(): Param[];
  /** Saved untrained state, in state_dict order. */
  buffers(): Buffer[];
  /** Keeps what backward needs when ctx.train. */
  forward(x: Act, ctx: ForwardContext): Act;
  /**
   * Accumulates parameter gradients from dy (the gradient w.r.t. the last training forward's
   * output, which backward may overwrite) and returns the gradient w.r.t. its input, or null
   * when `needInput` is false (nothing below wants it, so it is not computed) or the input
   * was token ids.
   */
  backward(dy: Act, needInput: boolean): Act | null;
  /**
   * state_dict entries when they are not just params() then buffers(): a layer that uses a
   * tied (shared) weight lists it under its own name as well, as PyTorch does.
   */
  state?(): [string, Param | Buffer][];
}

/** A layer's state_dict entries, in PyTorch order. */
export function stateEntries(layer: Layer): [string, Param | Buffer][] {
  if (layer.state) return layer.state();
  return [...layer.params().map((p): [string, Param] => [p.name, p]), ...layer.buffers().map((b): [string, Buffer] => [b.name, b])];
}

/** An activation of the same layout with another tensor (and width). */
export function like(x: Act, t: Tensor, C: number): Act {
  return { t, T: x.T, B: x.B, C, lengths: x.lengths };
}

/** The tensor of an activation that must be dense (a layer that cannot read ids). */
export function dense(x: Act, who: string): Tensor {
  if (!x.t) throw new Error(`${who} needs dense input, got token ids`);
  return x.t;
}

/** True when any of the layers trains something (so the layers after them must pass gradients down). */
export function hasTrainable(layers: readonly Layer[]): boolean {
  return layers.some((l) => l.params().some((p) => !p.frozen));
}
