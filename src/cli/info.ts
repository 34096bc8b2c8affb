/** `rnnlab info`: which backend runs, why, its SIMD level and threads, and which bf16 kernel --precision bf16 would run. */
import { Command } from 'commander';
import { cpus } from 'node:os';
import type { Backend } from '../backend/backend.js';
import type { NativeBackend } from '../backend/native/index.js';
import { backendOptions, pickBackend } from './common.js';
import { printJson } from './run.js';

export function infoCommand(): Command {
  const c = new Command('info').description('show the compute backend chosen, why, its SIMD level, threads and which bf16 kernel --precision bf16 runs').option('--json', 'machine-readable output', false);
  backendOptions(c);
  return c;
}

/** The GEMM kernel --precision bf16 runs on this backend, and why. */
function bf16Kernel(b: Backend): { kernel: 'avx512bf16' | 'emulated'; detail: string } {
  if (b.name === 'native') {
    const p = (b as NativeBackend).bf16Path();
    return { kernel: p.kernel, detail: p.label };
  }
  return { kernel: 'emulated', detail: `emulated by the ${b.name} backend (operands rounded to bf16, fp32 arithmetic); only the native backend has bf16 kernels` };
}

export async function infoAction(o: Record<string, any>): Promise<void> {
  const choice = await pickBackend(o);
  const b = choice.backend;
  const bf16 = bf16Kernel(b);
  const info = { backend: b.name, description: b.describe(), reason: choice.reason, threads: b.threads, cores: cpus().length, bf16, node: process.version, platform: `${process.platform}-${process.arch}` };
  if (o.json) return printJson(info);
  process.stdout.write(`backend  ${b.describe()}\nwhy      ${choice.reason}\nthreads  ${b.threads} (of ${info.cores} cores)\nbf16     ${bf16.detail}\nnode     ${info.node} on ${info.platform}\n`);
}
