/**
 * The threaded wasm backend's workers: each instantiates the shared-memory build of the kernels
 * on the one shared WebAssembly.Memory and waits for jobs; the calling thread takes part as
 * thread 0. A job is one call of a threaded kernel (assembly/threads.ts) with the same arguments
 * on every thread, each with its own thread id; the kernels synchronise among themselves (their
 * per-step barriers) and the job ends when every thread has returned.
 *
 * The control block is a heap block of CTL_BYTES; as Int32 words:
 *   JOB      job sequence number, bumped (and notified) to start a job
 *   PENDING  workers yet to acknowledge the job (every worker acknowledges: a worker that sits
 *            one out reads the job too, so nothing is rewritten under it)
 *   2, 3     the kernels' barrier (count, generation)
 *   NUSE     threads taking part, FN the kernel, FAILED set by a worker whose call threw
 *   ITEMS    the kernels' work-item counter (items are claimed, so a thread that gets less of
 *            the CPU does fewer), zeroed per job
 * then the arguments as float64 from byte ARGS, and from byte SLOTS each thread's scratch
 * pointers (packA, packB as uint32), which the kernels read.
 */
import type { WasmThreadKernels } from './kernels.gen.js';

export const CTL_BYTES = 1024;
export const MAX_THREADS = 64;
export const JOB = 0, PENDING = 1, NUSE = 4, FN = 5, FAILED = 6, ITEMS = 7;
export const ARGS = 64, MAX_ARGS = 32, SLOTS = 512;
/** The kernels a job can run (index = the FN word); STOP ends the workers' loops. */
export const KERNELS = ['gemmMT', 'recurrentForwardMT', 'recurrentBackwardMT'] as const;
export const STOP = -1;
export type ThreadKernel = (typeof KERNELS)[number];
/** Atomic loads before a waiting thread sleeps: a job or a step is often shorter than a futex wake-up. */
export const SPIN = 20000;

/** What a worker needs to join: sent once, then the worker serves jobs until STOP. */
export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  tid: number;
  ctl: number;
  /** 128 bytes of edge-tile scratch of its own. */
  edge: number;
}

/** A started worker, whichever kind (spawn.ts). */
export interface ThreadHandle {
  terminate(): void;
}

/** Whether this thread may block in Atomics.wait (a page's main thread may not: it spins). */
export function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

export class ThreadPool {
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;
  private readonly block: boolean;
  private closed = false;
  /** Jobs run so far (tests: proof that an op was split). */
  jobs = 0;

  /** `threads` counts the caller: threads − 1 workers. */
  constructor(
    private readonly k: WasmThreadKernels,
    private readonly memory: WebAssembly.Memory,
    readonly ctl: number,
    readonly threads: number,
    private readonly workers: ThreadHandle[],
  ) {
    // views of a shared memory stay valid when it grows (in place); the block is below any growth
    this.i32 = new Int32Array(memory.buffer, ctl, CTL_BYTES / 4);
    this.f64 = new Float64Array(memory.buffer, ctl + ARGS, MAX_ARGS);
    this.block = canBlock();
  }

  /** Thread `tid`'s scratch pointers, read by the kernels of the next job. */
  setScratch(tid: number, packA: number, packB: number): void {
    // the slots lie in the control block: its int32 view writes the u32 addresses' bits as they are
    this.i32[SLOTS / 4 + tid * 2] = packA;
    this.i32[SLOTS / 4 + tid * 2 + 1] = packB;
  }

  /** Runs kernel `fn` on threads 0..nUse−1 (2 ≤ nUse ≤ threads) with `args` after (tid, nt). */
  run(nUse: number, fn: ThreadKernel, args: number[]): void {
    if (this.closed) throw new Error('wasm backend: the thread pool was closed (dispose())');
    if (args.length > MAX_ARGS) throw new Error(`wasm backend: ${fn} takes at most ${MAX_ARGS} arguments`);
    const { i32, f64 } = this;
    this.jobs++;
    for (let i = 0; i < args.length; i++) f64[i] = args[i];
    Atomics.store(i32, FN, KERNELS.indexOf(fn));
    Atomics.store(i32, NUSE, nUse);
    Atomics.store(i32, FAILED, 0);
    Atomics.store(i32, ITEMS, 0);
    Atomics.store(i32, PENDING, this.workers.length);
    Atomics.add(i32, JOB, 1);
    Atomics.notify(i32, JOB);
    const call = this.k[fn] as unknown as (...a: number[]) => void;
    try {
      call(0, nUse, ...args);
    } finally {
      this.await();
    }
    if (Atomics.load(i32, FAILED)) throw new Error(`wasm backend: a worker thread failed in ${fn}`);
  }

  /** Until every worker has acknowledged the job: spin, then sleep where this thread may. */
  private await(): void {
    const i32 = this.i32;
    for (let i = 0; i < SPIN; i++) if (Atomics.load(i32, PENDING) === 0) return;
    for (;;) {
      const v = Atomics.load(i32, PENDING);
      if (v === 0) return;
      if (this.block) Atomics.wait(i32, PENDING, v);
    }
  }

  /** Ends the workers (their loops return, then they are terminated). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.i32, FN, STOP);
    Atomics.add(this.i32, JOB, 1);
    Atomics.notify(this.i32, JOB);
    for (const w of this.workers) w.terminate();
  }
}
