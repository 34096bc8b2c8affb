/** Node or a browser? Node-only modules are imported lazily and only under Node, so the rest loads in both. */
export function isNode(): boolean {
  return typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
}

/**
 * Gives the event loop a turn (signal handlers, timers, I/O, a browser's rendering): Node's
 * setImmediate, a MessageChannel in browsers (setTimeout would be clamped to 4 ms), else setTimeout.
 */
export function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => unknown; MessageChannel?: typeof MessageChannel };
  if (typeof g.setImmediate === 'function') return new Promise((r) => g.setImmediate!(r));
  if (typeof g.MessageChannel === 'function') {
    return new Promise((r) => {
      const ch = new g.MessageChannel!();
      ch.port1.onmessage = () => {
        ch.port1.close();
        r();
      };
      ch.port2.postMessage(null);
    });
  }
  return new Promise((r) => setTimeout(r, 0));
}

/** A clock that says when the event loop is due a turn: at most every `ms` of work. */
export class YieldClock {
  private last = performance.now();
  constructor(private readonly ms = 50) {}
  async maybeYield(): Promise<void> {
    if (performance.now() - this.last < this.ms) return;
    await yieldToEventLoop();
    this.last = performance.now();
  }
}
