/**
 * nn.BatchNorm1d(F) over the channels of a time-major sequence [T,B,F]: `weight` (γ) and `bias`
 * (β) are trained; `running_mean`, `running_var` and `num_batches_tracked` are buffers, saved
 * with the parameters under PyTorch's names. Training normalises with the batch statistics of
 * the real positions (padding counts in none) and updates the running ones (momentum 0.1,
 * unbiased variance); evaluation uses the running statistics. See backend/js/batchnorm.ts.
 */
import type { Backend } from '../../backend/backend.js';
import type { Act, ForwardContext, Layer } from '../layer.js';
import { dense, like } from '../layer.js';
import { makeParam, type Buffer, type Param } from '../param.js';
import { Workspace } from '../workspace.js';

export class BatchNorm1d implements Layer {
  readonly weight: Param;
  readonly bias: Param;
  readonly runningMean: Buffer;
  readonly runningVar: Buffer;
  readonly numBatchesTracked: Buffer;
  private readonly ws: Workspace;
  private last: { x: Act; train: boolean } | null = null;

  constructor(
    private readonly backend: Backend,
    readonly prefix: string,
    readonly features: number,
    readonly momentum = 0.1,
    readonly eps = 1e-5,
  ) {
    this.weight = makeParam(backend, `${prefix}.weight`, [features]);
    this.bias = makeParam(backend, `${prefix}.bias`, [features]);
    this.runningMean = { name: `${prefix}.running_mean`, value: backend.alloc([features]) };
    this.runningVar = { name: `${prefix}.running_var`, value: backend.alloc([features]) };
    this.numBatchesTracked = { name: `${prefix}.num_batches_tracked`, value: backend.alloc([]), dtype: 'int64' };
    this.reset();
    this.ws = new Workspace(backend);
  }

  /** PyTorch's initial state: γ = 1, β = 0, running mean 0 and variance 1, no batch seen. */
  reset(): void {
    this.weight.value.data.fill(1);
    this.bias.value.data.fill(0);
    this.runningMean.value.data.fill(0);
    this.runningVar.value.data.fill(1);
    this.numBatchesTracked.value.data.fill(0);
  }

  params(): Param[] {
    return [this.weight, this.bias];
  }

  buffers(): Buffer[] {
    return [this.runningMean, this.runningVar, this.numBatchesTracked];
  }

  forward(x: Act, ctx: ForwardContext): Act {
    const { T, B } = x, F = this.features, N = T * B;
    const y = this.ws.get('y', N, F);
    this.backend.batchNormForward(
      y, dense(x, this.prefix), T, B, F, this.ws.lengths(x), this.weight.value, this.bias.value,
      this.runningMean.value, this.runningVar.value, this.ws.get('mean', 1, F), this.ws.get('invStd', 1, F), ctx.train, this.momentum, this.eps,
    );
    if (ctx.train) this.numBatchesTracked.value.data[0] += 1;
    this.last = { x, train: ctx.train };
    return like(x, y, F);
  }

  backward(dy: Act, needInput: boolean): Act | null {
    const last = this.last;
    if (!last) throw new Error(`${this.prefix}: backward needs a forward first`);
    const { x, train } = last, { T, B } = x, F = this.features, N = T * B;
    const dx = this.ws.get('dx', N, F);
    const scratch = (p: Param) => (p.frozen ? this.ws.get(`scratch:${p.name}`, 1, F) : p.grad);
    // The kernel forms dx with dγ and dβ; when nothing below wants dx it is still formed (small: N·F).
    this.backend.batchNormBackward(
      dx, dense(dy, this.prefix), dense(x, this.prefix), T, B, F, this.ws.lengths(x), this.weight.value,
      this.ws.get('mean', 1, F), this.ws.get('invStd', 1, F), scratch(this.weight), scratch(this.bias), train,
    );
    return needInput ? like(x, dx, F) : null;
  }
}
