/**
 * A worker of the threaded wasm backend (pool.ts): instantiates the shared-memory kernels on the
 * shared memory it is sent, says 'ready', then serves jobs (blocking in Atomics.wait between
 * them, which workers may) until STOP. The same file runs as a Node worker_thread and as a
 * browser module Worker.
 */
import { ARGS, CTL_BYTES, FAILED, FN, JOB, KERNELS, MAX_ARGS, NUSE, PENDING, SPIN, STOP, type WorkerInit } from './pool.js';
import type { WasmThreadKernels } from './kernels.gen.js';

async function start(init: WorkerInit, reply: (m: unknown) => void): Promise<void> {
  let k: WasmThreadKernels;
  try {
    const inst = await WebAssembly.instantiate(init.module, { env: { memory: init.memory } });
    k = inst.exports as unknown as WasmThreadKernels;
    k.threadInit(init.ctl, init.edge, 1);
  } catch (e) {
    reply({ type: 'error', message: e instanceof Error ? e.message : String(e) });
    return;
  }
  const i32 = new Int32Array(init.memory.buffer, init.ctl, CTL_BYTES / 4);
  const f64 = new Float64Array(init.memory.buffer, init.ctl + ARGS, MAX_ARGS);
  let seen = Atomics.load(i32, JOB);
  reply({ type: 'ready' });
  const args: number[] = new Array(MAX_ARGS + 2);
  for (;;) {
    let job = Atomics.load(i32, JOB);
    for (let i = 0; i < SPIN && job === seen; i++) job = Atomics.load(i32, JOB);
    while (job === seen) {
      // timed: a worker's termination (process exit without dispose()) takes effect between waits
      Atomics.wait(i32, JOB, seen, 200);
      job = Atomics.load(i32, JOB);
    }
    seen = job;
    const fn = Atomics.load(i32, FN);
    if (fn === STOP) return;
    const nUse = Atomics.load(i32, NUSE);
    if (init.tid < nUse) {
      args[0] = init.tid;
      args[1] = nUse;
      for (let i = 0; i < MAX_ARGS; i++) args[i + 2] = f64[i];
      try {
        (k[KERNELS[fn]] as unknown as (...a: number[]) => void)(...args);
      } catch {
        Atomics.store(i32, FAILED, 1);
      }
    }
    if (Atomics.sub(i32, PENDING, 1) === 1) Atomics.notify(i32, PENDING);
  }
}

const isNodeWorker = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
// no top-level await: bundlers may emit the worker as a classic script (Vite's default worker format)
if (isNodeWorker) {
  void import('node:worker_threads').then(({ parentPort }) => {
    parentPort!.once('message', (init: WorkerInit) => void start(init, (m) => parentPort!.postMessage(m)));
  });
} else {
  const scope = self as unknown as { onmessage: ((e: MessageEvent) => void) | null; postMessage(m: unknown): void };
  scope.onmessage = (e) => {
    scope.onmessage = null;
    void start(e.data as WorkerInit, (m) => scope.postMessage(m));
  };
}
