/**
 * The model side of decoding. Decoders only see this interface, so every strategy runs on
 * any recurrent model (the engine implements it for LSTM/GRU/RNN) and on the table-driven
 * toy models the tests use. The contract is incremental: the recurrent state is carried per
 * row, so a prefix is fed exactly once (by `prime`, then one `step` per generated token).
 */

/** Opaque per-row recurrent state of a batch of sequences being decoded. */
export interface DecodeState { readonly batch: number }
export interface StepModel {
  readonly vocabSize: number;
  /** Fresh (zero) state for `batch` parallel rows. */
  initState(batch: number): DecodeState;
  /** Feed one token per row (tokens.length === state.batch); advances the state in place and returns the next-token logits, [batch*V] row-major (a fresh array the caller may modify). */
  step(state: DecodeState, tokens: Int32Array): Float32Array;
  /** Feed a prime of several tokens to every row (one call: the model runs the sequence with its fast path); returns the logits after the last prime token, [batch*V]. */
  prime(state: DecodeState, tokens: Int32Array): Float32Array;
  /** A new state whose row i is a copy of row indices[i] of `state` (beam reordering; indices may repeat). */
  reorder(state: DecodeState, indices: Int32Array): DecodeState;
  /** The decoder is done with `state` (a backend with its own heap, like wasm, frees it here). */
  release?(state: DecodeState): void;
}
