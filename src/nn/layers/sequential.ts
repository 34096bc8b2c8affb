/**
 * Layers in a row (nn.Sequential): forward runs them in order, backward in reverse. A layer's
 * input gradient is only computed when a layer before it trains something, so a frozen
 * embedding at the bottom costs no backward work at all.
 */
import type { Act, ForwardContext, Layer } from '../layer.js';
import { hasTrainable, stateEntries } from '../layer.js';
import type { Buffer, Param } from '../param.js';

export class Sequential implements Layer {
  constructor(
    readonly prefix: string,
    readonly layers: readonly Layer[],
  ) {}

  params(): Param[] {
    return this.layers.flatMap((l) => l.params());
  }

  buffers(): Buffer[] {
    return this.layers.flatMap((l) => l.buffers());
  }

  state(): [string, Param | Buffer][] {
    return this.layers.flatMap(stateEntries);
  }

  forward(x: Act, ctx: ForwardContext): Act {
    let a = x;
    for (const l of this.layers) a = l.forward(a, ctx);
    return a;
  }

  backward(dy: Act, needInput: boolean): Act | null {
    let d: Act | null = dy;
    for (let i = this.layers.length - 1; i >= 0 && d; i--) {
      const below = needInput || hasTrainable(this.layers.slice(0, i));
      d = this.layers[i].backward(d, below);
      if (!below) return null;
    }
    return d;
  }
}
