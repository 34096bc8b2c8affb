/**
 * Pooling over time that sees only real tokens: each row's max or mean over its lengths[b]
 * positions, [T,B,C] → [1,B,C] (AdaptiveMaxPool1d(1) / a masked mean, made padding-proof).
 */
import type { Backend } from '../../backend/backend.js';
import type { Act, ForwardContext } from '../layer.js';
import { dense } from '../layer.js';
import { ParameterFreeLayer } from './parameter-free.js';

export type PoolKind = 'max' | 'mean';

export class TimePool extends ParameterFreeLayer {
  private last: Act | null = null;

  constructor(backend: Backend, readonly kind: PoolKind) {
    super(backend);
  }

  forward(x: Act, _ctx: ForwardContext): Act {
    const { T, B, C } = x, be = this.backend, src = dense(x, 'TimePool');
    const out = this.ws.get('out', B, C);
    if (this.kind === 'max') be.maxPoolTimeForward(out, this.ws.getInt('argmax', B * C), src, T, B, C, this.ws.lengths(x));
    else be.meanPoolTimeForward(out, src, T, B, C, this.ws.lengths(x));
    this.last = x;
    return { t: out, T: 1, B, C, lengths: null };
  }

  backward(dy: Act, needInput: boolean): Act | null {
    const x = this.last;
    if (!x) throw new Error('TimePool.backward needs a forward first');
    if (!needInput) return null;
    const { T, B, C } = x, be = this.backend, d = dense(dy, 'TimePool');
    const dx = this.ws.get('dx', T * B, C);
    if (this.kind === 'max') be.maxPoolTimeBackward(dx, d, this.ws.getInt('argmax', B * C), T, B, C);
    else be.meanPoolTimeBackward(dx, d, T, B, C, this.ws.lengths(x));
    return { t: dx, T, B, C, lengths: x.lengths };
  }
}
