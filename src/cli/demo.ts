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
import { TrainingRun } from '../run/session.js';
import { loadLanguageModel } from '../train/checkpoint.js';
import { backendOptions, pickBackend } from './common.js';
import { num } from './parse.js';
import { fmtTime, progressSink } from './progress.js';
import { quitOnSignal } from './signals.js';

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
  // Every other setting is the library's default (src/run/config.ts). A demo replaces an earlier demo in --out, never another run.
  // no clean stop here: Ctrl-C ends the demo at once, its lock going with it
  const quit = quitOnSignal('demo stopped');
  const run = await TrainingRun.create({
    data: DEMO_CORPUS, out: o.out, layers: big ? 2 : 1, hidden: big ? 256 : 128, embed: big ? 64 : 32,
    epochs: 1000, maxTime: o.seconds, lr: 3e-3, valFraction: 0.05,
  }, { backend, demo: true, command: 'rnnlab demo' });
  const progress = progressSink('char', false, run.corpus.vocab.size);
  let s;
  try {
    s = await run.run([progress]);
  } finally {
    progress.stop();
    quit.remove();
  }
  const r = s.best ?? s.last;
  process.stdout.write(`\ntrained ${s.steps} steps in ${fmtTime(s.elapsed)} (${Math.round(s.tokensPerSec).toLocaleString('en-US')} chars/s on the ${backend.name} backend)\n`);
  if (r) process.stdout.write(`validation: perplexity ${r.perplexity.toFixed(2)} · ${r.bitsPerToken.toFixed(3)} bits/char over ${r.tokens.toLocaleString('en-US')} held-out characters\n`);
  const m = loadLanguageModel(run.out, backend);
  const step = new LmStepModel(m.model);
  for (const [prime, temperature] of [['The Time Traveller', 0.5], ['I saw', 0.8], ['The ', 1.0]] as const) {
    const ids = m.vocab.encode([...prime], 'error').ids;
    const [g] = generate(step, 'sample', { prime: ids, maxTokens: 240, temperature, seed: 7, eosId: -1 });
    process.stdout.write(`\n--- sample at temperature ${temperature}:\n${prime}${m.vocab.decode(g.ids).join('')}\n`);
  }
  process.stdout.write(`\nmodel saved in ${run.out}/ — try: rnnlab sample --model ${run.out} --prime "The Time" --temperature 0.7\n`);
}
