/** `rnnlab import`: a model trained in PyTorch with the documented layout becomes an rnnlab model (src/interop/import.ts). */
import { Command } from 'commander';
import { RnnlabError } from '../errors.js';
import { importModel } from '../interop/import.js';
import type { ClassifierConfig } from '../nn/classifier.js';
import type { ModelConfig } from '../nn/config.js';

export function importCommand(): Command {
  return new Command('import')
    .description('make an rnnlab model from PyTorch weights (safetensors with the documented module layout), a config and a vocabulary')
    .requiredOption('--from <file>', 'the weights: a .safetensors file with PyTorch parameter names')
    .requiredOption('--config <file>', 'CONFIG.json: the keys of a checkpoint\'s config, e.g. {"cell":"gru","layers":2,"hidden":48,"embed":24,"level":"char"}')
    .requiredOption('--vocab <file>', 'VOCAB.json: a JSON array of tokens whose index is the id')
    .option('--tokenizer <file>', 'SETTINGS.json: the tokenizer settings (as rnnlab export writes them)')
    .requiredOption('--out <dir>', 'the run folder to write the model to')
    .option('--force', 'replace an existing model in --out')
    .option('--debug', 'print stack traces on errors');
}

export async function importAction(o: Record<string, any>): Promise<void> {
  for (const flag of ['from', 'config', 'vocab', 'out'] as const) {
    if (typeof o[flag] !== 'string' || o[flag] === '') throw new RnnlabError(`import needs --${flag}`);
  }
  const r = importModel({ weights: o.from, config: o.config, vocab: o.vocab, tokenizer: o.tokenizer, out: o.out, force: o.force === true });
  for (const n of r.notes) process.stderr.write(`note: ${n}\n`);
  const what = r.arch === 'lm' ? describeLm(r.config as ModelConfig) : describeClassifier(r.config as ClassifierConfig);
  process.stdout.write(`imported ${what}, ${r.level} level, vocabulary ${r.vocabSize}\n`);
  process.stdout.write(`wrote ${r.model}\n`);
  const next = r.arch === 'lm' ? `rnnlab eval --model ${o.out} --data FILE` : `rnnlab classify eval --model ${o.out} --data FILE`;
  process.stdout.write(`next: ${next}\n`);
}

function describeLm(c: ModelConfig): string {
  const cell = c.cell === 'rnn' ? `RNN (${c.activation})` : c.cell.toUpperCase();
  return `a language model: ${cell}, ${c.layers} layer${c.layers === 1 ? '' : 's'}, hidden ${c.hidden}, ${c.embed > 0 ? `embed ${c.embed}` : 'one-hot input'}${c.tieWeights ? ', tied weights' : ''}`;
}

function describeClassifier(c: ClassifierConfig): string {
  const kind = c.model === 'cnn' ? 'CNN' : `${c.bidirectional ? 'bidirectional ' : ''}${c.model.toUpperCase()}`;
  return `a text classifier: ${kind}, ${c.layers} layer${c.layers === 1 ? '' : 's'}, hidden ${c.hidden}, embed ${c.embed}, ${c.classes} classes, pool ${c.pool}`;
}
