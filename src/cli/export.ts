/**
 * `rnnlab export`: a model leaves rnnlab for PyTorch (a self-contained folder: its nn.Module,
 * weights, vocabulary and a torchrun training script) or for ONNX Runtime (one .onnx graph).
 */
import { Command } from 'commander';
import { int, oneOf } from './parse.js';
import { exportPytorchAction } from './export-pytorch.js';
import { exportOnnxAction } from './export-onnx.js';
import { ONNX_OPSETS } from '../interop/onnx/export.js';
import { RnnlabError } from '../errors.js';

export function exportCommand(): Command {
  return new Command('export')
    .description('export a model for PyTorch (a folder with model.py, the weights and a torchrun training script) or ONNX Runtime (a .onnx file)')
    .requiredOption('--model <dir>', 'the run folder (or .safetensors file) of a language model or classifier')
    .requiredOption('--format <f>', 'pytorch or onnx', oneOf('pytorch', 'onnx'))
    .requiredOption('--out <path>', 'pytorch: the folder to write; onnx: the .onnx file to write')
    .option('--with-data <file>', 'pytorch: also tokenize this corpus with the model\'s tokenizer into OUT/data.bin (token ids) for the training script')
    .option('--data-format <f>', '--with-data: auto, text, json, jsonl or csv (auto: by extension; .gz is read transparently)', oneOf('auto', 'text', 'json', 'jsonl', 'csv'), 'auto')
    .option('--encoding <name>', '--with-data: how the bytes are text: utf8, latin1 or utf16le', oneOf('utf8', 'latin1', 'utf16le'), 'utf8')
    .option('--text-field <name>', '--with-data JSON/JSONL: the field holding the text')
    .option('--text-column <col>', '--with-data CSV: text column(s), by name or 0-based index')
    .option('--no-header', '--with-data CSV: the first row is data, not a header')
    .option('--max-docs <n>', '--with-data: use only the first N documents (0: all)', int(0), 0)
    .option('--opset <n>', `onnx: the opset version to target (${ONNX_OPSETS.min} to ${ONNX_OPSETS.max})`, int(ONNX_OPSETS.min, ONNX_OPSETS.max), ONNX_OPSETS.default)
    .option('--state-inputs', 'onnx, language models: make h0/c0 inputs the caller feeds (needed to carry the state in onnxruntime-node/-web, which cannot feed an input that has a default)')
    .option('--force', 'replace an existing --out')
    .option('--debug', 'print stack traces on errors');
}

export async function exportAction(o: Record<string, any>): Promise<void> {
  if (o.format === 'pytorch') return exportPytorchAction(o);
  if (o.format === 'onnx') return exportOnnxAction(o);
  throw new RnnlabError(`--format must be pytorch or onnx, got ${o.format}`);
}
