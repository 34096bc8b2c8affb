/**
 * Each row's last real position: [T,B,C] → [1,B,C], reading position lengths[b] − 1 of row b
 * (T − 1 when the batch is not padded). A classifier reads its recurrent layer's state here,
 * after the row's last real token, not after the padding.
 *
 *   backward: dx is zero except at those positions, which get dy.
 */
import { RnnlabError } from '../../errors.js';
import type { Act, ForwardContext } from '../layer.js';
import { dense } from '../layer.js';
import { ParameterFreeLayer } from './parameter-free.js';

export class LastStep extends ParameterFreeLayer {
  private last: Act | null = null;

  private position(x: Act, b: number): number {
    const n = x.lengths ? x.lengths[b] : x.T;
    if (!(n >= 1 && n <= x.T)) throw new RnnlabError(`row ${b} has length ${n}; lengths must be in [1, ${x.T}]`);
    return n - 1;
  }

  forward(x: Act, _ctx: ForwardContext): Act {
    const { B, C } = x, src = dense(x, 'LastStep');
    const y = this.ws.get('y', B, C);
    for (let b = 0; b < B; b++) this.backend.copy(y, b * C, src, (this.position(x, b) * B + b) * C, C);
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
    for (let b = 0; b < B; b++) this.backend.copy(dx, (this.position(x, b) * B + b) * C, d, b * C, C);
    return { t: dx, T, B, C, lengths: x.lengths };
  }
}
