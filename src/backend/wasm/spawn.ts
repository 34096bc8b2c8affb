/**
 * Starting the threaded wasm backend's workers: worker_threads in Node (unref'd, so a process
 * whose work is done exits without dispose()), module Web Workers in browsers. Each is sent its
 * WorkerInit and resolves once it has instantiated the kernels ('ready').
 */
import { isNode } from '../../util/runtime.js';
import type { ThreadHandle, WorkerInit } from './pool.js';

interface Port {
  post(m: unknown): void;
  on(f: (m: { type?: string; message?: string }) => void, fail: (e: unknown) => void): void;
  /** Once ready: nothing more is said, and (Node) nothing may keep the process alive. */
  quiet(): void;
  terminate(): void;
}

async function nodePort(): Promise<Port> {
  const { Worker } = await import('node:worker_threads');
  // not `new URL('…', import.meta.url)`: bundlers would treat that as an asset of the browser build
  // the parent's flags, except --input-type (it applies to --eval, and a worker given a file refuses it)
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--input-type'));
  const w = new Worker(new URL(import.meta.url.replace(/[^/]*$/, 'thread-worker.js')), { execArgv });
  w.unref();
  return {
    post: (m) => w.postMessage(m),
    on: (f, fail) => {
      w.on('message', f);
      w.on('error', fail);
    },
    quiet: () => {
      w.removeAllListeners('message');
      w.removeAllListeners('error');
      w.on('error', () => {}); // a worker killed at exit must not raise in the parent
      w.unref();
    },
    terminate: () => void w.terminate(),
  };
}

function browserPort(): Port {
  const w = new Worker(new URL('./thread-worker.js', import.meta.url), { type: 'module' });
  return {
    post: (m) => w.postMessage(m),
    on: (f, fail) => {
      w.addEventListener('message', (e) => f(e.data));
      w.addEventListener('error', (e) => fail(e.message || 'the worker script failed to load'));
    },
    quiet: () => {},
    terminate: () => w.terminate(),
  };
}

export async function spawnThread(init: WorkerInit): Promise<ThreadHandle> {
  const port = isNode() ? await nodePort() : browserPort();
  await new Promise<void>((resolve, reject) => {
    port.on((m) => {
      if (m.type === 'ready') resolve();
      else if (m.type === 'error') reject(new Error(m.message));
    }, (e) => reject(e instanceof Error ? e : new Error(String(e))));
    port.post(init);
  }).catch((e) => {
    port.terminate();
    throw e;
  });
  port.quiet();
  return { terminate: () => port.terminate() };
}
