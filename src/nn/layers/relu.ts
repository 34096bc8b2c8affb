/**
 * ReLU, position-wise: y = max(x, 0); backward dx = dy where y > 0, else 0 (in place on dy).
 * Its ops have only the reference kernel so far: wasm and native run it through the op
 * table's default (src/backend/base.ts) until the benchmark says it is worth a kernel.
 */
import type { Act, ForwardContext } from '../layer.js';
import { dense, like } from '../layer.js';
import { ParameterFreeLayer } from './parameter-free.js';

export class ReLU extends ParameterFreeLayer {
  private y: Act | null = null;

  forward(x: Act, _ctx: ForwardContext): Act {
    const n = x.T * x.B * x.C;
    const y = this.ws.get('y', x.T * x.B, x.C);
    this.backend.reluForward(y, dense(x, 'ReLU'), n);
    this.y = like(x, y, x.C);
    return this.y;
  }

  backward(dy: Act, _needInput: boolean): Act {
    if (!this.y) throw new Error('ReLU.backward needs a forward first');
    const d = dense(dy, 'ReLU');
    this.backend.reluBackward(d, d, this.y.t!, dy.T * dy.B * dy.C);
    return dy;
  }
}
