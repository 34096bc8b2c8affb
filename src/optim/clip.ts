/**
 * Global gradient-norm clipping, as torch.nn.utils.clip_grad_norm_: the L2 norm over every
 * gradient together; when it exceeds maxNorm all gradients are scaled by maxNorm/(norm + 1e-6).
 * Returns the norm before clipping (what the metrics log shows). Frozen parameters have no
 * gradient and are skipped, as PyTorch skips parameters whose .grad is None.
 */
import type { Backend } from '../backend/backend.js';
import type { Param } from '../nn/param.js';

export function gradNorm(backend: Backend, params: readonly Param[]): number {
  let s = 0;
  for (const p of params) if (!p.frozen) s += backend.sumSquares(p.grad, p.grad.size);
  return Math.sqrt(s);
}

export function clipGradNorm(backend: Backend, params: readonly Param[], maxNorm: number): number {
  const norm = gradNorm(backend, params);
  clipToNorm(backend, params, maxNorm, norm);
  return norm;
}

/** The clipping of clipGradNorm given the norm already measured (the training loop checks it first). */
export function clipToNorm(backend: Backend, params: readonly Param[], maxNorm: number, norm: number): void {
  if (maxNorm > 0) {
    const coef = maxNorm / (norm + 1e-6);
    if (coef < 1) for (const p of params) if (!p.frozen) backend.scale(p.grad, coef, p.grad.size);
  }
}
