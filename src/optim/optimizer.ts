/**
 * Optimizers over a model's params, as PyTorch 1.13 defines them (Adam with L2 weight decay,
 * SGD with optional momentum). Their state is named tensors so checkpoints can save it:
 * `<param>.exp_avg`, `<param>.exp_avg_sq` (Adam), `<param>.momentum_buffer` (SGD).
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
  /** Steps taken (Adam's bias-correction counter). */
  step = 0;
  lr: number;
  private readonly state = new Map<string, Tensor>();

  constructor(private readonly backend: Backend, private readonly params: readonly Param[], readonly opts: OptimizerOptions) {
    this.lr = opts.lr;
    for (const p of params) {
      if (opts.name === 'adam') {
        this.state.set(`${p.name}.exp_avg`, backend.alloc(p.shape));
        this.state.set(`${p.name}.exp_avg_sq`, backend.alloc(p.shape));
      } else if ((opts.momentum ?? 0) > 0) {
        this.state.set(`${p.name}.momentum_buffer`, backend.alloc(p.shape));
      }
    }
  }

  apply(): void {
    this.step++;
    const be = this.backend, o = this.opts;
    for (const p of this.params) {
      if (o.name === 'adam') {
        be.adam(p.value, p.grad, this.state.get(`${p.name}.exp_avg`)!, this.state.get(`${p.name}.exp_avg_sq`)!, p.value.size, {
          lr: this.lr, beta1: o.beta1 ?? 0.9, beta2: o.beta2 ?? 0.999, eps: o.eps ?? 1e-8, step: this.step, weightDecay: o.weightDecay ?? 0,
        });
      } else {
        be.sgd(p.value, p.grad, this.state.get(`${p.name}.momentum_buffer`) ?? null, p.value.size, this.lr, o.momentum ?? 0, o.weightDecay ?? 0);
      }
    }
  }

  /** Named state tensors, for checkpoints. */
  stateTensors(): Map<string, Tensor> {
    return this.state;
  }
}
