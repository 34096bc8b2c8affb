/** `rnnlab import`: a model trained in PyTorch with the documented layout becomes an rnnlab model (the import helper builds this file). */
import { Command } from 'commander';
import { RnnlabError } from '../errors.js';

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

export async function importAction(_o: Record<string, any>): Promise<void> {
  throw new RnnlabError('import is being built');
}
