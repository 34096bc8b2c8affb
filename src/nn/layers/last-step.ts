/**
 * Each row's last real position: [T,B,C] → [1,B,C], reading position lengths[b] − 1 of row b
 * (T − 1 when the batch is not padded). A classifier reads its recurrent layer's state here,
 * after the row's last real token, not after the padding. For a bidirectional layer's output
 * [forward H | reverse H], the reverse half is read at position 0, where the reverse direction
 * ends: together, PyTorch's h_n of a packed sequence.
 *
 *   backward: dx is zero except at those positions, which get dy.
 */
import type { Backend } from '../../backend/backend.js';
import { RnnlabError } from '../../errors.js';
import type { Act, ForwardContext } from '../layer.js';
import { dense } from '../layer.js';
import { ParameterFreeLayer } from './parameter-free.js';

export class LastStep extends ParameterFreeLayer {
  private last: Act | null = null;

  /** `reverseFrom`: the first column of a bidirectional output's reverse half (none: unidirectional). */
  constructor(backend: Backend, readonly reverseFrom: number | null = null) {
    super(backend);
  }

  /** (column block start, width, position) reads of row b. */
  private reads(x: Act, b: number): [number, number, number][] {
    const last = this.position(x, b), C = x.C, r = this.reverseFrom;
    return r === null ? [[0, C, last]] : [[0, r, last], [r, C - r, 0]];
  }

  private position(x: Act, b: number): number {
    const n = x.lengths ? x.lengths[b] : x.T;
    if (!(n >= 1 && n <= x.T)) throw new RnnlabError(`row ${b} has length ${n}; lengths must be in [1, ${x.T}]`);
    return n - 1;
  }

  forward(x: Act, _ctx: ForwardContext): Act {
    const { B, C } = x, src = dense(x, 'LastStep');
    const y = this.ws.get('y', B, C);
    for (let b = 0; b < B; b++) {
      for (const [c0, w, t] of this.reads(x, b)) this.backend.copy(y, b * C + c0, src, (t * B + b) * C + c0, w);
    }
    this.last = x;
    return { t: y, T: 1, B, C, lengths: null };
  }

  backward(dy: Act, needInput: boolean): Act | null {
    const x = this.last;
    if (!x) throw new Error('LastStep.backward needs a forward first');
    if (!needInput) return null;
    const { T, B, C } = x, d = dense(dy, 'LastStep');
    const dx = this.ws.get('dx', T * B, C);
    this.backend.fill(dx, 0, 0, T * B * C);
    for (let b = 0; b < B; b++) {
      for (const [c0, w, t] of this.reads(x, b)) this.backend.copy(dx, (t * B + b) * C + c0, d, b * C + c0, w);
    }
    return { t: dx, T, B, C, lengths: x.lengths };
  }
}
