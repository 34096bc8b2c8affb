import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LoadedModel } from '../train/checkpoint-format.js';
import { DEFAULTS } from './config.js';
import { RunDirectory } from './run-dir.js';

/**
 * The seed a model's run was started with: from the checkpoint's run configuration (a
 * last.safetensors), else the config.json of the run directory it sits in (model.safetensors
 * holds no configuration), else the checkpoint's training state; DEFAULTS.seed when none says.
 */
export function runSeed(modelPath: string, m: LoadedModel): number {
  const fromRun = m.runConfig?.seed;
  if (typeof fromRun === 'number') return fromRun;
  const dir = statSync(modelPath).isDirectory() ? modelPath : dirname(modelPath);
  const config = new RunDirectory(dir).readConfig()?.config as { seed?: unknown } | undefined;
  if (typeof config?.seed === 'number') return config.seed;
  const fromState = m.trainState?.options.seed;
  return typeof fromState === 'number' ? fromState : DEFAULTS.seed;
}
