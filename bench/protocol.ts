/**
 * What a benchmark child process (rnnlab: `node dist/bench/run.js --child <spec>`, PyTorch:
 * `python3 bench/torch_bench.py --spec <spec>`) reads and prints. Every event is one stdout
 * line `BENCH <json>`; anything else on stdout/stderr is passed through for diagnostics.
 */
import type { Workload } from './workloads.js';

export const EVENT_PREFIX = 'BENCH ';

export interface ChildSpec {
  workload: Workload;
  /** 'torch' for the PyTorch script. */
  backend: 'js' | 'wasm' | 'native' | 'torch';
  threads: number;
  /**
   * rnnlab: the backend's --precision. PyTorch: fp32, or bf16 autocast
   * (torch.cpu.amp.autocast(dtype=torch.bfloat16) around forward and loss).
   */
  precision: 'fp32' | 'bf16';
  warmup: number;
  steps: number;
  /** Seconds: no new step starts once elapsed + last step time would pass it (≥ 1 timed step always runs). */
  cap: number;
}

export type ChildEvent =
  | {
      event: 'start';
      describe: string;
      threads: number;
      baselineRssMB: number;
      /** torch_bench.py: torch version, and the BLAS libraries mapped into the process. */
      version?: string;
      blas?: string[];
    }
  | { event: 'step'; index: number; warmup: boolean; ms: number; loss: number | null; /** peak RSS so far */ peakRssMB?: number }
  | {
      event: 'done';
      peakRssMB: number;
      /** wasm: bytes of the WebAssembly.Memory at the end. */
      heapMB?: number;
      /** Parameters in the model. */
      params: number;
      note?: string;
    }
  | { event: 'error'; message: string };

export function emit(e: ChildEvent): void {
  process.stdout.write(EVENT_PREFIX + JSON.stringify(e) + '\n');
}
