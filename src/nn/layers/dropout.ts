/**
 * Inverted dropout (nn.Dropout): in training y = x·keep/(1−p) with a mask drawn from one seed
 * per call (ctx.rng), regenerated in backward instead of stored; in evaluation the identity.
 */
import type { Backend } from '../../backend/backend.js';
import type { Act, ForwardContext } from '../layer.js';
import { dense, like } from '../layer.js';
import { ParameterFreeLayer } from './parameter-free.js';

export class Dropout extends ParameterFreeLayer {
  private seed = 0;
  private applied = false;

  constructor(backend: Backend, readonly p: number) {
    super(backend);
    if (!(p >= 0 && p < 1)) throw new RangeError(`dropout must be in [0, 1), got ${p}`);
  }

  forward(x: Act, ctx: ForwardContext): Act {
    this.applied = ctx.train && this.p > 0;
    if (!this.applied) return x;
    const n = x.T * x.B * x.C;
    this.seed = ctx.rng ? ctx.rng.nextU32() : 0;
    const y = this.ws.get('y', x.T * x.B, x.C);
    this.backend.dropoutForward(y, dense(x, 'Dropout'), n, this.p, this.seed);
    return like(x, y, x.C);
  }

  /** In place on dy. */
  backward(dy: Act, _needInput: boolean): Act {
    if (this.applied) this.backend.dropoutBackward(dense(dy, 'Dropout'), dense(dy, 'Dropout'), dy.T * dy.B * dy.C, this.p, this.seed);
    return dy;
  }
}
