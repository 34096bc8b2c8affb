/**
 * At most `limit` requests are handled at once; the next `queue` wait their turn and any beyond
 * get a 503, so a burst of requests costs bounded memory and never starves the event loop.
 * `peak` records the most ever in flight, for the tests and GET /api/server.
 */
import { HttpError } from './http-error.js';

export class Limiter {
  inFlight = 0;
  peak = 0;
  private waiting: (() => void)[] = [];

  constructor(readonly limit: number, readonly queue: number) {}

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inFlight < this.limit) this.inFlight++;
    else {
      if (this.waiting.length >= this.queue) throw new HttpError(503, `the server is busy (${this.limit} requests in flight, ${this.queue} waiting): try again shortly`);
      // the finishing request hands its slot over: inFlight stays the same
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.peak = Math.max(this.peak, this.inFlight);
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.inFlight--;
    }
  }
}
