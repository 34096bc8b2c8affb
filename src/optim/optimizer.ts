/**
 * Optimizers over a model's params, as PyTorch 1.13 defines them (Adam with L2 weight decay,
 * SGD with optional momentum). Their state is named tensors so checkpoints can save it:
 * `<param>.exp_avg`, `<param>.exp_avg_sq` (Adam), `<param>.momentum_buffer` (SGD).
 *
 * Frozen parameters are skipped and keep no state. Adam counts steps per parameter, as
 * PyTorch does (state['step']), so a parameter unfrozen after N steps starts its bias
 * correction at 1, not at N + 1. Freezing drops a parameter's state (that is what makes a
 * frozen embedding cost nothing); unfreezing starts it afresh.
 */
import type { Backend } from '../backend/backend.js';
import type { Param } from '../nn/param.js';
import type { Tensor } from '../tensor.js';

export type OptimizerName = 'adam' | 'sgd';

export interface OptimizerOptions {
  name: OptimizerName;
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  momentum?: number;
  weightDecay?: number;
}

export class Optimizer {
  /** apply() calls so far. */
  step = 0;
  lr: number;
  private readonly state = new Map<string, Tensor>();
  /** Adam updates per parameter (bias correction), for parameters that have state. */
  private readonly paramSteps = new Map<string, number>();

  constructor(private readonly backend: Backend, private readonly params: readonly Param[], readonly opts: OptimizerOptions) {
    this.lr = opts.lr;
    this.sync();
  }

  private stateNames(p: Param): string[] {
    if (this.opts.name === 'adam') return [`${p.name}.exp_avg`, `${p.name}.exp_avg_sq`];
    return (this.opts.momentum ?? 0) > 0 ? [`${p.name}.momentum_buffer`] : [];
  }

  /** State for every trained parameter, none for frozen ones. */
  private sync(): void {
    for (const p of this.params) {
      const names = this.stateNames(p);
      if (p.frozen) {
        for (const n of names) {
          const t = this.state.get(n);
          if (t) this.backend.free(t);
          this.state.delete(n);
        }
        this.paramSteps.delete(p.name);
      } else {
        for (const n of names) if (!this.state.has(n)) this.state.set(n, this.backend.alloc(p.shape));
        if (!this.paramSteps.has(p.name)) this.paramSteps.set(p.name, 0);
      }
    }
  }

  apply(): void {
    this.sync();
    this.step++;
    const be = this.backend, o = this.opts;
    for (const p of this.params) {
      if (p.frozen) continue;
      const k = this.paramSteps.get(p.name)! + 1;
      this.paramSteps.set(p.name, k);
      if (o.name === 'adam') {
        be.adam(p.value, p.grad, this.state.get(`${p.name}.exp_avg`)!, this.state.get(`${p.name}.exp_avg_sq`)!, p.value.size, {
          lr: this.lr, beta1: o.beta1 ?? 0.9, beta2: o.beta2 ?? 0.999, eps: o.eps ?? 1e-8, step: k, weightDecay: o.weightDecay ?? 0,
        });
      } else {
        be.sgd(p.value, p.grad, this.state.get(`${p.name}.momentum_buffer`) ?? null, p.value.size, this.lr, o.momentum ?? 0, o.weightDecay ?? 0);
      }
    }
  }

  /** Named state tensors, for checkpoints (trained parameters only). */
  stateTensors(): Map<string, Tensor> {
    this.sync();
    return this.state;
  }

  /** Per-parameter update counts, for checkpoints. */
  stepCounts(): Record<string, number> {
    this.sync();
    return Object.fromEntries(this.paramSteps);
  }

  /**
   * Restores the counts. A parameter the counts do not list had no state when they were saved
   * (it was frozen) and starts at 0; without counts (older checkpoints kept one global count)
   * every parameter gets `fallback`.
   */
  setStepCounts(counts: Record<string, number> | null, fallback: number): void {
    this.sync();
    for (const name of this.paramSteps.keys()) this.paramSteps.set(name, counts ? counts[name] ?? 0 : fallback);
  }
}
