/**
 * Tokens per second of training time, for the step events and the summary. The rate shown is
 * that of the last ~1 s of training (at least 3 steps). The session's first step (JIT warm-up,
 * first allocations) stays out of the windows, or it would stand for the whole first second.
 */
export class ThroughputMeter {
  private windowTokens = 0;
  private windowSeconds = 0;
  private windowSteps = 0;
  private totalTokens = 0;
  private totalSeconds = 0;
  private last = 0;
  private steps = 0;

  add(tokens: number, seconds: number): void {
    this.totalTokens += tokens;
    this.totalSeconds += seconds;
    if (this.steps++ === 0) return;
    this.windowTokens += tokens;
    this.windowSeconds += seconds;
    this.windowSteps++;
    if (this.windowSeconds >= 1 && this.windowSteps >= 3) {
      this.last = this.windowTokens / this.windowSeconds;
      this.windowTokens = this.windowSeconds = this.windowSteps = 0;
    }
  }

  /** The recent rate: the last full window, else the current one, else (after one step) that step's. */
  get rate(): number {
    if (this.last > 0) return this.last;
    if (this.windowSeconds > 0) return this.windowTokens / this.windowSeconds;
    return this.sessionRate;
  }

  /** Over the whole session. */
  get sessionRate(): number {
    return this.totalTokens / Math.max(this.totalSeconds, 1e-9);
  }
}
