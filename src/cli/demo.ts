/**
 * `rnnlab demo` (what `npm start` runs): about a minute of char-LSTM training on the
 * public-domain Time Machine shipped in the package, then validation perplexity and
 * bits/char, then a few samples.
 */
import { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { generate } from '../generate/decode.js';
import { LmStepModel } from '../generate/lm-step-model.js';
import { loadCheckpoint } from '../train/checkpoint.js';
import { backendOptions, pickBackend } from './common.js';
import { num } from './parse.js';
import { runTraining } from './train.js';
import { fmtTime } from './progress.js';

export const DEMO_CORPUS = fileURLToPath(new URL('../../../data/timemachine.txt', import.meta.url));

export function demoCommand(): Command {
  const c = new Command('demo').description('train a small char-LSTM on The Time Machine for about a minute, then evaluate and sample');
  c.option('--seconds <s>', 'training time budget', num(1, 86400), 60).option('--out <dir>', 'where the demo run goes', join('runs', 'demo'));
  backendOptions(c);
  return c;
}

export async function demoAction(o: Record<string, any>): Promise<void> {
  const { backend } = await pickBackend(o);
  // Smaller on the reference backend so a minute still gets somewhere.
  const big = backend.name !== 'js';
  process.stdout.write(`rnnlab demo: a character-level LSTM learns H. G. Wells' The Time Machine (${fmtTime(o.seconds)} of training)\n`);
  const run = await runTraining({
    data: DEMO_CORPUS, out: o.out, level: 'char', lowercase: false, bpeMerges: 0, minFreq: 1, maxVocab: 0, batching: 'stream',
    maxLen: 0, overflow: 'split', cell: 'lstm', activation: 'tanh', layers: big ? 2 : 1, hidden: big ? 256 : 128, embed: big ? 64 : 32,
    dropout: 0, tieWeights: false, init: 'pytorch', batch: 32, seq: 64, epochs: 1000, maxSteps: 0, maxTime: o.seconds, lr: 3e-3,
    optimizer: 'adam', momentum: 0, weightDecay: 0, clip: 1, lrDecay: 1, patience: 0, seed: 42, valFraction: 0.05,
    backend: o.backend, threads: o.threads,
  }, { allowExistingOut: true });
  const s = run.summary, r = s.best ?? s.last;
  process.stdout.write(`\ntrained ${s.steps} steps in ${fmtTime(s.elapsed)} (${Math.round(s.tokensPerSec).toLocaleString('en-US')} chars/s on the ${backend.name} backend)\n`);
  if (r) process.stdout.write(`validation: perplexity ${r.perplexity.toFixed(2)} · ${r.bitsPerToken.toFixed(3)} bits/char over ${r.tokens.toLocaleString('en-US')} held-out characters\n`);
  const m = loadCheckpoint(run.out, backend);
  const step = new LmStepModel(m.model);
  for (const [prime, temperature] of [['The Time Traveller', 0.5], ['I saw', 0.8], ['The ', 1.0]] as const) {
    const ids = m.vocab.encode([...prime], 'error').ids;
    const [g] = generate(step, 'sample', { prime: ids, maxTokens: 240, temperature, seed: 7, eosId: -1 });
    process.stdout.write(`\n--- sample at temperature ${temperature}:\n${prime}${m.vocab.decode(g.ids).join('')}\n`);
  }
  process.stdout.write(`\nmodel saved in ${run.out}/ — try: rnnlab sample --model ${run.out} --prime "The Time" --temperature 0.7\n`);
}
