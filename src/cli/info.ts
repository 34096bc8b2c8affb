/** `rnnlab info`: which backend runs, why, its SIMD level and threads. */
import { Command } from 'commander';
import { cpus } from 'node:os';
import { backendOptions, pickBackend } from './common.js';
import { printJson } from './run.js';

export function infoCommand(): Command {
  const c = new Command('info').description('show the compute backend chosen, why, its SIMD level and threads').option('--json', 'machine-readable output', false);
  backendOptions(c);
  return c;
}

export async function infoAction(o: Record<string, any>): Promise<void> {
  const choice = await pickBackend(o);
  const b = choice.backend;
  const info = { backend: b.name, description: b.describe(), reason: choice.reason, threads: b.threads, cores: cpus().length, node: process.version, platform: `${process.platform}-${process.arch}` };
  if (o.json) return printJson(info);
  process.stdout.write(`backend  ${b.describe()}\nwhy      ${choice.reason}\nthreads  ${b.threads} (of ${info.cores} cores)\nnode     ${info.node} on ${info.platform}\n`);
}
