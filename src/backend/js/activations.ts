/** Exact activations for the reference backend (fast backends use rational approximations). */
export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}
export const tanh = Math.tanh;
