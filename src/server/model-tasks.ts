/**
 * Runs a model task (model-worker.ts) in a worker thread of its own, at most `limit` at once
 * (the rest wait; beyond the queue, 503). A task ends with its result, a 400 for a user error
 * (the library's RnnlabError: a bad prime, a setting the strategy does not take), or a 500;
 * aborting (the client went away) terminates the worker at once.
 */
import { Worker } from 'node:worker_threads';
import { HttpError } from './http-error.js';
import { Limiter } from './limiter.js';
import type { WorkerTask } from './model-worker.js';

const WORKER = new URL('./model-worker.js', import.meta.url);

export class UserError extends HttpError {
  constructor(message: string) {
    super(400, message);
  }
}

export class ModelTasks {
  readonly limiter: Limiter;
  private readonly live = new Set<Worker>();

  constructor(limit: number, private readonly backend?: string) {
    this.limiter = new Limiter(limit, 64);
  }

  run(task: WorkerTask, onMessage?: (m: Record<string, unknown>) => void, signal?: AbortSignal): Promise<unknown> {
    return this.limiter.run(() => new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new HttpError(400, 'the request was aborted'));
      const w = new Worker(WORKER, { workerData: { task, backend: this.backend } });
      this.live.add(w);
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        this.live.delete(w);
        signal?.removeEventListener('abort', abort);
        fn();
        void w.terminate();
      };
      const abort = () => settle(() => reject(new HttpError(400, 'the request was aborted')));
      signal?.addEventListener('abort', abort);
      w.on('message', (m: Record<string, unknown>) => {
        if (m.type === 'done') settle(() => resolve(m.result));
        else if (m.type === 'error') settle(() => reject(m.user ? new UserError(String(m.message)) : new Error(String(m.message))));
        else if (!settled) onMessage?.(m);
      });
      w.on('error', (e) => settle(() => reject(e)));
      w.on('exit', (code) => settle(() => reject(new Error(`model worker exited with code ${code}`))));
    }));
  }

  async close(): Promise<void> {
    await Promise.all([...this.live].map((w) => w.terminate()));
  }
}
